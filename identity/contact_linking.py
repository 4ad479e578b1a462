"""Linking a portal user to a contact once the email is proven: loads candidates, applies the
pure rules of :mod:`identity.matching`, the registration policy and second-identifier flows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import Select, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity.environment import IdentityEnvironment
from identity.errors import PortalAuthErrorCode as Code
from identity.flows import attempts_left, load_open_flow, open_flow
from identity.frontend_links import LOGIN_PATH, frontend_link
from identity.matching import Candidate, MatchKind, SecondIdentifier, match_contact
from identity.portal_events import record_user_event
from identity.portal_history import LinkedBy, record_link
from identity.states import MappingStatus, PendingReason
from identity.throttling import Throttle, ThrottleAction
from portal.email.outbox import enqueue_email
from portal.errors import FieldError, InvalidInput
from portal.models import Contact, MatchingFlow, PortalUser
from portal.models.base import session_now
from portal.normalization import normalize_customer_number, normalize_phone, normalize_postal_code
from portal.services.actors import Actor, ActorType
from portal.services.contacts import create_contact
from portal.services.events import EventType
from portal.services.portal_settings import PortalSettings, RegistrationPolicy


class LinkOutcome(StrEnum):
    LINKED = "LINKED"
    NEEDS_SECOND_IDENTIFIER = "NEEDS_SECOND_IDENTIFIER"
    PENDING_REVIEW = "PENDING_REVIEW"


class RegistrationClosed(Exception):
    """DENY_NEW and no contact: the account was removed and the customer emailed."""


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    flow_token: str | None = None
    attempts_left: int | None = None


def normalize_identifiers(
    raw: Mapping[str, str | None], phone_region: str = "DE"
) -> dict[SecondIdentifier, str]:
    """Comparison forms of typed identifier values; unparseable values simply match nothing."""
    normalized: dict[SecondIdentifier, str] = {}
    for key, value in raw.items():
        if not value or not value.strip() or key not in SecondIdentifier.__members__:
            continue
        kind = SecondIdentifier(key)
        text = value.strip()
        if kind is SecondIdentifier.CUSTOMER_NUMBER:
            normalized[kind] = normalize_customer_number(text)
        elif kind is SecondIdentifier.DATE_OF_BIRTH:
            try:
                normalized[kind] = date.fromisoformat(text).isoformat()
            except ValueError:
                continue
        elif kind is SecondIdentifier.PHONE:
            phone = normalize_phone(text, phone_region)
            if phone:
                normalized[kind] = phone
        else:
            normalized[kind] = normalize_postal_code(text)
    return normalized


def candidate_from_contact(contact: Contact) -> Candidate:
    phones = {contact.phone1_e164, contact.phone2_e164, contact.mobile_e164}
    return Candidate(
        contact_id=contact.id,
        customer_number=str(contact.customer_number),
        phones=frozenset(p for p in phones if p),
        postal_code=normalize_postal_code(contact.postal_code) or None,
        date_of_birth=contact.date_of_birth.isoformat() if contact.date_of_birth else None,
    )


MAX_CANDIDATES = 50


def unlinked_candidates_query(email_normalized: str) -> Select[Contact]:
    """Active contacts with this primary email that have no portal user yet (a contact is never
    linked twice). An index hit on ``contacts.email_normalized``."""
    return (
        select(Contact)
        .where(
            Contact.email_normalized == email_normalized,
            Contact.is_active.is_(True),
            ~exists().where(PortalUser.contact_id == Contact.id),
        )
        .order_by(Contact.customer_number)
        .limit(MAX_CANDIDATES)
    )


async def load_candidates(session: AsyncSession, email_normalized: str) -> list[Contact]:
    """The matching candidates for a proven email (see :func:`unlinked_candidates_query`)."""
    return list(await session.scalars(unlinked_candidates_query(email_normalized)))


async def matching_candidates(session: AsyncSession, user: PortalUser) -> list[Contact]:
    """For staff: contacts with the user's email (any state), then near matches by name."""
    same_email = list(
        await session.scalars(
            select(Contact)
            .where(Contact.email_normalized == user.email_normalized)
            .order_by(Contact.customer_number)
            .limit(50)
        )
    )
    near: list[Contact] = []
    if user.last_name.strip():
        near = list(
            await session.scalars(
                select(Contact)
                .where(
                    func.lower(Contact.last_name) == user.last_name.strip().lower(),
                    or_(
                        func.lower(Contact.first_name) == user.first_name.strip().lower(),
                        Contact.first_name == "",
                    ),
                    or_(
                        Contact.email_normalized.is_(None),
                        Contact.email_normalized != user.email_normalized,
                    ),
                )
                .order_by(Contact.customer_number)
                .limit(20)
            )
        )
    return same_email + near


async def link_contact(
    session: AsyncSession,
    env: IdentityEnvironment,
    user: PortalUser,
    contact: Contact,
    *,
    notify: bool,
    linked_by: LinkedBy,
    actor: Actor | None = None,
) -> None:
    """Link ``user`` to ``contact`` and close any open matching flow. With ``notify`` (staff
    decisions) an activated user is emailed that the account is ready. The contact's history
    gets the account's story (registered, activated, linked and how)."""
    now = session_now(session)
    user.contact_id = contact.id
    user.mapping_status = MappingStatus.ASSIGNED
    user.pending_reason = None
    user.assigned_at = now
    user.second_identifier_attempts = 0
    await session.execute(
        update(MatchingFlow)
        .where(MatchingFlow.portal_user_id == user.id, MatchingFlow.closed_at.is_(None))
        .values(closed_at=now, updated_at=now)
    )
    await session.flush()
    await record_link(session, user, linked_by, actor)
    # Staff choosing the contact is an assignment; anything else links by itself.
    await record_user_event(
        session,
        EventType.PORTAL_USER_ASSIGNED
        if linked_by is LinkedBy.STAFF
        else EventType.PORTAL_USER_LINKED,
        user,
        actor=actor,
        details={"linkedBy": linked_by.name.lower()},
    )
    if notify and user.activated_at is not None:
        await enqueue_email(
            session,
            template="account_ready",
            to=user.email,
            language=user.language,
            formality=contact.formality,
            context={
                "first_name": contact.first_name or user.first_name,
                "last_name": contact.last_name or user.last_name,
                "salutation": contact.salutation,
                "title": contact.title,
                "login_url": frontend_link(env.settings, LOGIN_PATH),
            },
            contact_id=contact.id,
        )


async def _pending(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    user: PortalUser,
    reason: PendingReason,
) -> LinkResult:
    user.mapping_status = MappingStatus.PENDING
    user.pending_reason = reason
    await record_user_event(
        session, EventType.PORTAL_USER_PENDING_REVIEW, user, details={"reason": reason.value}
    )
    for address in portal_settings.pending_review_notify:
        await enqueue_email(
            session,
            template="staff_pending_review",
            to=address,
            language=env.settings.default_language,
            context={"portal_user_email": user.email, "reason": reason.value},
        )
    await session.flush()
    return LinkResult(LinkOutcome.PENDING_REVIEW)


async def _create_contact_for(
    session: AsyncSession, env: IdentityEnvironment, user: PortalUser
) -> Contact:
    """The contact for a new self-registered customer, with what they gave at registration
    (values that do not validate are left out rather than blocking the account)."""
    given = user.registration_identifiers or {}
    fields: dict[str, object] = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "source": "SELF_REGISTRATION",
    }
    region = env.settings.default_phone_region
    if given.get("PHONE") and normalize_phone(given["PHONE"], region):
        fields["phone1"] = given["PHONE"]
    if given.get("POSTAL_CODE"):
        fields["postal_code"] = given["POSTAL_CODE"]
    actor = Actor(ActorType.CUSTOMER, id=user.id, name=user.email)
    try:
        async with session.begin_nested():
            return await create_contact(session, fields, actor=actor, phone_region=region)
    except InvalidInput:
        fields.pop("postal_code", None)
        return await create_contact(session, fields, actor=actor, phone_region=region)


async def run_matching(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    user: PortalUser,
    later: Mapping[SecondIdentifier, str] | None = None,
) -> LinkResult:
    """Decide the user's contact after activation (or after a second identifier)."""
    contacts = await load_candidates(session, user.email_normalized)
    by_id = {c.id: c for c in contacts}
    order = [SecondIdentifier(i) for i in portal_settings.second_identifiers]
    region = env.settings.default_phone_region
    provided = [normalize_identifiers(user.registration_identifiers or {}, region)]
    if later:
        provided.append(dict(later))
    result = match_contact([candidate_from_contact(c) for c in contacts], order, provided)
    if result.kind is MatchKind.LINK and result.contact_id is not None:
        linked_by = LinkedBy.EMAIL if len(contacts) == 1 else LinkedBy.SECOND_IDENTIFIER
        await link_contact(
            session, env, user, by_id[result.contact_id], notify=False, linked_by=linked_by
        )
        return LinkResult(LinkOutcome.LINKED)
    if result.kind is MatchKind.NEEDS_SECOND_IDENTIFIER:
        user.mapping_status = MappingStatus.PENDING
        user.pending_reason = PendingReason.AMBIGUOUS
        if later is not None:
            return LinkResult(LinkOutcome.NEEDS_SECOND_IDENTIFIER)
        left = attempts_left(portal_settings, user)
        if left <= 0:
            return await _pending(
                session, env, portal_settings, user, PendingReason.SECOND_IDENTIFIER_FAILED
            )
        token = await open_flow(session, env, portal_settings, user)
        return LinkResult(LinkOutcome.NEEDS_SECOND_IDENTIFIER, flow_token=token, attempts_left=left)
    # No candidate. Someone who says they are already a customer but matches nobody is a case
    # for staff (creating a second contact would make a duplicate), whatever the policy.
    if user.existing_customer:
        return await _pending(session, env, portal_settings, user, PendingReason.NO_MATCH)
    policy = portal_settings.registration_policy
    if policy is RegistrationPolicy.ALLOW_WITH_CONTACT_CREATION:
        contact = await _create_contact_for(session, env, user)
        await link_contact(
            session, env, user, contact, notify=False, linked_by=LinkedBy.NEW_CONTACT
        )
        return LinkResult(LinkOutcome.LINKED)
    if policy is RegistrationPolicy.ALLOW_PENDING:
        return await _pending(session, env, portal_settings, user, PendingReason.NO_MATCH)
    await enqueue_email(
        session,
        template="registration_denied",
        to=user.email,
        language=user.language,
        context={"first_name": user.first_name, "last_name": user.last_name},
    )
    await record_user_event(
        session, EventType.PORTAL_USER_DELETED, user, details={"reason": "registration_denied"}
    )
    await session.delete(user)
    await session.flush()
    raise RegistrationClosed()


async def provide_second_identifier(
    session: AsyncSession,
    env: IdentityEnvironment,
    portal_settings: PortalSettings,
    flow_token: str,
    raw: Mapping[str, str | None],
    throttle: Throttle | None = None,
    client_ip: str | None = None,
) -> LinkResult:
    """One attempt of a flow: link, ask again, or after the user's last attempt put them into
    pending review. The answer never says how many contacts matched. Attempts count per user
    across flows (a new logIn opens a new flow, not new attempts) until staff decide.

    A client over its limit (``second_identifier``, across all flows) gets exactly the answer
    of a wrong answer: the identifier is not looked at, the attempt counts against the user as
    a wrong one would (so it still ends in review after the last attempt), and nothing tells
    the client that it was throttled rather than wrong."""
    flow, user = await load_open_flow(session, env, portal_settings, flow_token)
    given = normalize_identifiers(raw, env.settings.default_phone_region)
    if not given:
        raise InvalidInput([FieldError(Code.REQUIRED, "input", "Give at least one identifier.")])
    flow.attempts += 1
    user.second_identifier_attempts += 1  # the user's row is locked by load_open_flow
    if throttle is not None and not await throttle.allow(
        ThrottleAction.SECOND_IDENTIFIER, client_ip
    ):
        result = LinkResult(LinkOutcome.NEEDS_SECOND_IDENTIFIER)
    else:
        result = await run_matching(session, env, portal_settings, user, later=given)
    if result.outcome is LinkOutcome.LINKED:
        flow.closed_at = session_now(session)
        return result
    left = attempts_left(portal_settings, user)
    if left <= 0:
        flow.closed_at = session_now(session)
        return await _pending(
            session, env, portal_settings, user, PendingReason.SECOND_IDENTIFIER_FAILED
        )
    await session.flush()
    return LinkResult(
        LinkOutcome.NEEDS_SECOND_IDENTIFIER, flow_token=flow_token, attempts_left=left
    )


async def contact_has_portal_user(session: AsyncSession, contact_id: uuid.UUID) -> bool:
    found = await session.scalar(select(PortalUser.id).where(PortalUser.contact_id == contact_id))
    return found is not None
