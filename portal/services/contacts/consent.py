"""Newsletter consent with double opt-in: each step is dated and kept as evidence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.config import Settings
from portal.email.outbox import enqueue_email
from portal.errors import InvalidInput
from portal.models import ConsentEvent, Contact, ContactHistoryEntry
from portal.models.base import session_now
from portal.opaque_tokens import hash_token, new_opaque_token
from portal.services import audit
from portal.services.actors import Actor, ActorType
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.contacts.fields import ContactErrorCode
from portal.services.contacts.history import add_history_entry
from portal.services.contacts.search import OptInState
from portal.services.events import EventType, event_row, record_event, record_events

NEWSLETTER_TOKEN_PREFIX = "pnl"
NEWSLETTER_TOKEN_LIFETIME = timedelta(days=7)
NEWSLETTER_CONFIRM_PATH = "/newsletter/confirm"


@dataclass(frozen=True)
class Evidence:
    source: str
    ip_address: str | None = None
    user_agent: str | None = None


async def _event(session: AsyncSession, contact: Contact, kind: str, evidence: Evidence) -> None:
    session.add(
        ConsentEvent(
            contact_id=contact.id,
            kind=kind,
            occurred_at=session_now(session),
            source=evidence.source[:50],
            ip_address=evidence.ip_address,
            user_agent=(evidence.user_agent or "")[:400] or None,
        )
    )
    await session.flush()


_CONSENT_ACTIONS = {
    OptInState.INVITED: AuditAction.CONTACT_NEWSLETTER_SENT,
    OptInState.CONFIRMED: AuditAction.CONTACT_NEWSLETTER_CONFIRMED,
    OptInState.REVOKED: AuditAction.CONTACT_NEWSLETTER_REVOKED,
}


async def _log(
    session: AsyncSession, contact: Contact, actor: Actor, what: str, state: OptInState
) -> None:
    action = _CONSENT_ACTIONS[state]
    await add_history_entry(
        session, contact.id, actor, description=what, visible_to_customer=True,
        # Support changing consent for the customer shows as such.
        source="support" if actor.for_customer is not None else "newsletter",
    )  # fmt: skip
    await audit.record(
        session,
        actor,
        action,
        subject_type=AuditSubject.CONTACT,
        subject_id=contact.id,
        contact_id=contact.id,
    )
    await record_event(
        session, EventType.CONSENT_CHANGED, actor, contact_id=contact.id,
        details={"consent": "newsletter"}, changes={"opt_in_state": state.value},
    )  # fmt: skip


def has_opt_in(contact: Contact) -> bool:
    """Whether the contact's consent stands: confirmed and not revoked since. A revocation
    keeps the dates of the invitation and the confirmation (all three stay on the contact); a
    new confirmation starts a new consent and clears the revocation date (the consent events
    keep every step)."""
    return contact.newsletter_confirmed_at is not None and contact.newsletter_revoked_at is None


async def send_invitation(
    session: AsyncSession, settings: Settings, contact: Contact, actor: Actor, evidence: Evidence
) -> None:
    """Email the double opt-in link (valid 7 days, single use)."""
    if not contact.is_active:
        raise InvalidInput.single(
            ContactErrorCode.INACTIVE, "contact_id", "The contact is inactive."
        )
    if not contact.email:
        raise InvalidInput.single(
            ContactErrorCode.NO_EMAIL, "contact_id", "The contact has no email."
        )
    if has_opt_in(contact):
        raise InvalidInput.single(
            ContactErrorCode.ALREADY_CONFIRMED, "contact_id", "The contact has already opted in."
        )
    token, token_hash = new_opaque_token(NEWSLETTER_TOKEN_PREFIX)
    now = session_now(session)
    contact.newsletter_invited_at = now
    contact.newsletter_token_hash = token_hash
    contact.newsletter_token_expires_at = now + NEWSLETTER_TOKEN_LIFETIME
    await enqueue_email(
        session,
        template="newsletter_opt_in",
        to=contact.email,
        language=contact.language,
        formality=contact.formality,
        context={
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "salutation": contact.salutation,
            "title": contact.title,
            "confirm_url": f"{settings.public_url}{NEWSLETTER_CONFIRM_PATH}?"
            + urlencode({"token": token}),
        },
        contact_id=contact.id,
    )
    await _event(session, contact, "invited", evidence)
    await _log(session, contact, actor, "Newsletter invitation sent", OptInState.INVITED)


async def confirm(
    session: AsyncSession, contact: Contact, actor: Actor, evidence: Evidence
) -> None:
    if has_opt_in(contact):
        raise InvalidInput.single(
            ContactErrorCode.ALREADY_CONFIRMED, "contact_id", "The contact has already opted in."
        )
    contact.newsletter_confirmed_at = session_now(session)
    contact.newsletter_revoked_at = None
    contact.newsletter_token_hash = None
    contact.newsletter_token_expires_at = None
    await _event(session, contact, "confirmed", evidence)
    await _log(session, contact, actor, "Newsletter opt-in confirmed", OptInState.CONFIRMED)


async def confirm_by_token(session: AsyncSession, token: str, evidence: Evidence) -> Contact:
    """The customer clicked the emailed link: confirm, once, before it expires."""
    contact = None
    if token.startswith(NEWSLETTER_TOKEN_PREFIX + "_") and len(token) < 200:
        contact = await session.scalar(
            select(Contact)
            .where(Contact.newsletter_token_hash == hash_token(token))
            .with_for_update()
        )
    if contact is None:
        raise InvalidInput.single(ContactErrorCode.INVALID_TOKEN, "token", "The link is not valid.")
    expires = contact.newsletter_token_expires_at
    if expires is None or expires <= session_now(session):
        raise InvalidInput.single(ContactErrorCode.TOKEN_EXPIRED, "token", "The link has expired.")
    actor = Actor(ActorType.CUSTOMER, name="customer", ip_address=evidence.ip_address)
    await confirm(session, contact, actor, evidence)
    return contact


async def revoke(session: AsyncSession, contact: Contact, actor: Actor, evidence: Evidence) -> None:
    if not has_opt_in(contact):
        raise InvalidInput.single(
            ContactErrorCode.NOT_CONFIRMED, "contact_id", "The contact has not opted in."
        )
    # The invitation and confirmation dates stay: all three dates document the consent.
    contact.newsletter_revoked_at = session_now(session)
    await _event(session, contact, "revoked", evidence)
    await _log(session, contact, actor, "Newsletter opt-in revoked", OptInState.REVOKED)


async def deactivate_without_opt_in(session: AsyncSession, actor: Actor, *, dry_run: bool) -> int:
    """How many active contacts have no confirmed opt-in; unless ``dry_run``, deactivate them."""
    condition = (
        Contact.is_active.is_(True),
        or_(Contact.newsletter_confirmed_at.is_(None), Contact.newsletter_revoked_at.is_not(None)),
    )
    ids = list(await session.scalars(select(Contact.id).where(*condition)))
    if dry_run or not ids:
        return len(ids)
    now = session_now(session)
    await session.execute(
        update(Contact)
        .where(Contact.id.in_(ids))
        .values(is_active=False, updated_at=now, version=Contact.version + 1)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        insert(ContactHistoryEntry),
        [
            {
                "contact_id": cid,
                "occurred_at": now,
                "source": "staff console",
                "description": "Contact deactivated (no newsletter opt-in)",
                "actor_type": actor.type.value,
                "actor_id": actor.id,
                "actor_name": actor.name,
                "visible_to_customer": False,
                "created_at": now,
                "updated_at": now,
            }
            for cid in ids
        ],
    )
    await audit.record(
        session,
        actor,
        AuditAction.CONTACTS_DEACTIVATE_WITHOUT_OPT_IN,
        subject_type=AuditSubject.CONTACT,
        subject_id=None,
        changes={"count": len(ids)},
    )
    await record_events(
        session,
        [event_row(EventType.CONTACT_DEACTIVATED, actor, occurred_at=now, contact_id=cid,
                   details={"reason": "no_newsletter_opt_in"}) for cid in ids],
    )  # fmt: skip
    return len(ids)
