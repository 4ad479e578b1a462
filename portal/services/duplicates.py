"""Finding and merging duplicate contacts.

Candidates come from cheap blocking in SQL (same normalised email, same phone, same postal code)
and are scored in Python; names are compared with rapidfuzz within a postal-code block only, so
the work grows with the size of the blocks, not with the square of all contacts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import combinations
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import InvalidInput
from portal.models import (
    ConsentEvent,
    Contact,
    ContactEmail,
    ContactGroupMember,
    ContactHistoryEntry,
    ContactTag,
    DuplicateDismissal,
    ExternalReference,
    Invitation,
    OutboxMessage,
    PortalUser,
    ResourceAssignment,
)
from portal.normalization import fold_for_search
from portal.services import audit
from portal.services.actors import Actor
from portal.services.contacts.history import add_history_entry

MAX_SOURCES = 10
NAME_SIMILARITY = 88  # rapidfuzz token_sort_ratio, 0-100
_BLOCK_LIMIT = 200  # larger blocks (a shared office number, a big building) are skipped


class DuplicateErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    TOO_MANY_SOURCES = "TOO_MANY_SOURCES"
    SAME_CONTACT = "SAME_CONTACT"
    BOTH_HAVE_PORTAL_USERS = "BOTH_HAVE_PORTAL_USERS"


@dataclass
class DuplicatePair:
    first: Contact
    second: Contact
    score: int = 0
    reasons: list[str] = field(default_factory=list)


def _name(contact: Contact) -> str:
    return fold_for_search(f"{contact.first_name} {contact.last_name} {contact.company_name}")


async def _blocks(session: AsyncSession, column: Any) -> list[list[uuid.UUID]]:
    keys = select(column).where(column.is_not(None), column != "", Contact.is_active.is_(True))
    shared = keys.group_by(column).having(func.count() > 1, func.count() <= _BLOCK_LIMIT).subquery()
    rows = await session.execute(
        select(column, Contact.id).where(column.in_(select(shared.c[0]))).order_by(column)
    )
    blocks: dict[Any, list[uuid.UUID]] = {}
    for key, contact_id in rows.all():
        blocks.setdefault(key, []).append(contact_id)
    return list(blocks.values())


async def find_duplicates(session: AsyncSession) -> list[DuplicatePair]:
    """Scored candidate pairs (best first), without dismissed pairs."""
    reasons: dict[tuple[uuid.UUID, uuid.UUID], set[str]] = {}
    for column, reason in (
        (Contact.email_normalized, "SAME_EMAIL"),
        (Contact.phone1_e164, "SAME_PHONE"),
        (Contact.postal_code, "SAME_POSTAL_CODE"),
    ):
        for block in await _blocks(session, column):
            for a, b in combinations(sorted(block), 2):
                reasons.setdefault((a, b), set()).add(reason)
    if not reasons:
        return []
    ids = {i for pair in reasons for i in pair}
    contacts = {c.id: c for c in await session.scalars(select(Contact).where(Contact.id.in_(ids)))}
    dismissed = {
        (d.first_id, d.second_id) for d in await session.scalars(select(DuplicateDismissal))
    }
    pairs = []
    for (a, b), why in reasons.items():
        if (a, b) in dismissed:
            continue
        # Shown older contact first (the likely merge target).
        first, second = sorted((contacts[a], contacts[b]), key=lambda c: c.customer_number)
        similarity = int(fuzz.token_sort_ratio(_name(first), _name(second)))
        found = set(why)
        if similarity >= NAME_SIMILARITY:
            found.add("SIMILAR_NAME")
        elif found == {"SAME_POSTAL_CODE"}:
            continue  # neighbours with different names are not duplicates
        score = min(100, 40 * ("SAME_EMAIL" in found) + 35 * ("SAME_PHONE" in found)
                    + 15 * ("SAME_POSTAL_CODE" in found) + similarity // 4)  # fmt: skip
        pairs.append(DuplicatePair(first, second, score, sorted(found)))
    pairs.sort(key=lambda p: (-p.score, p.first.customer_number, p.second.customer_number))
    return pairs


async def dismiss(session: AsyncSession, actor: Actor, a: Contact, b: Contact) -> None:
    first, second = sorted([a.id, b.id])
    exists = await session.scalar(
        select(DuplicateDismissal.id).where(
            DuplicateDismissal.first_id == first, DuplicateDismissal.second_id == second
        )
    )
    if exists is None:
        session.add(DuplicateDismissal(first_id=first, second_id=second, dismissed_by=actor.name))
        await session.flush()
    await audit.record(
        session, actor, "duplicates.dismiss", subject_type="Contact", subject_id=first,
        changes={"pair": [str(first), str(second)]},
    )  # fmt: skip


_FILLABLE = (
    "salutation", "title", "first_name", "last_name", "company_name", "street", "postal_code",
    "city", "country", "email", "email_normalized", "phone1", "phone1_e164", "phone2",
    "phone2_e164", "mobile", "mobile_e164", "fax", "fax_e164", "website", "date_of_birth",
    "notes", "newsletter_confirmed_at", "newsletter_invited_at", "registered_at",
)  # fmt: skip


_MOVED: tuple[Any, ...] = (
    ContactHistoryEntry, ConsentEvent, ContactEmail, ExternalReference, OutboxMessage, Invitation,
)  # fmt: skip
# Association rows: moved unless the target already has the same tag, group or resource.
_ASSOCIATIONS: tuple[tuple[Any, str], ...] = (
    (ContactTag, "tag_id"),
    (ContactGroupMember, "group_id"),
    (ResourceAssignment, "resource_id"),
)


async def _move_rows(
    session: AsyncSession, source_ids: list[uuid.UUID], target_id: uuid.UUID
) -> None:
    for model in _MOVED:
        await session.execute(
            update(model).where(model.contact_id.in_(source_ids)).values(contact_id=target_id)
        )
    for model, key in _ASSOCIATIONS:
        column = getattr(model, key)
        have = set(await session.scalars(select(column).where(model.contact_id == target_id)))
        rows = await session.scalars(select(model).where(model.contact_id.in_(source_ids)))
        for row in list(rows):
            if getattr(row, key) in have:
                await session.delete(row)
            else:
                row.contact_id = target_id
                have.add(getattr(row, key))


async def merge(
    session: AsyncSession,
    actor: Actor,
    target: Contact,
    sources: list[Contact],
    *,
    merge_logins: bool = False,
) -> dict[str, Any]:
    """Merge ``sources`` into ``target``: fill empty fields, move everything, delete sources."""
    if not sources:
        raise InvalidInput.single(DuplicateErrorCode.NOT_FOUND, "sourceIds", "No sources given.")
    if len(sources) > MAX_SOURCES:
        raise InvalidInput.single(
            DuplicateErrorCode.TOO_MANY_SOURCES, "sourceIds", f"At most {MAX_SOURCES} sources."
        )
    if any(s.id == target.id for s in sources):
        raise InvalidInput.single(
            DuplicateErrorCode.SAME_CONTACT, "sourceIds", "Target is a source."
        )
    source_ids = [s.id for s in sources]
    users = list(
        await session.scalars(
            select(PortalUser).where(PortalUser.contact_id.in_([target.id, *source_ids]))
        )
    )
    if len(users) > 1 and not merge_logins:
        raise InvalidInput.single(
            DuplicateErrorCode.BOTH_HAVE_PORTAL_USERS,
            "sourceIds",
            "Several of these contacts have portal users: resolve first, or merge the logins.",
        )
    filled: dict[str, Any] = {}
    for name in _FILLABLE:
        if getattr(target, name) in (None, ""):
            for source in sources:
                value = getattr(source, name)
                if value not in (None, ""):
                    filled[name] = value
                    break
    numbers = [s.customer_number for s in sources]
    for source in sources:
        await add_history_entry(
            session, source.id, actor, source="staff console",
            description=f"Merged into {target.customer_number}",
        )  # fmt: skip
    # Move what hangs off the sources; association rows the target already has are dropped.
    await _move_rows(session, source_ids, target.id)
    for source in sources:
        if source.email_normalized and source.email_normalized != (
            filled.get("email_normalized") or target.email_normalized
        ):
            session.add(
                ContactEmail(
                    contact_id=target.id,
                    email=source.email or "",
                    email_normalized=source.email_normalized,
                )
            )
    if users:
        keep = max(
            users, key=lambda u: (u.last_login_at is not None, u.last_login_at or u.created_at)
        )
        for user in users:
            if user is not keep:
                await session.delete(user)
        await session.flush()
        keep.contact_id = target.id
    await session.flush()
    for source in sources:
        await session.delete(source)
    await session.flush()
    for name, value in filled.items():
        setattr(target, name, value)
    await add_history_entry(
        session, target.id, actor, source="staff console",
        description="Merged with " + ", ".join(str(n) for n in numbers),
    )  # fmt: skip
    await audit.record(
        session, actor, "contacts.merge", subject_type="Contact", subject_id=target.id,
        contact_id=target.id,
        changes={"sources": [str(i) for i in source_ids], "filled": sorted(filled)},
    )  # fmt: skip
    for source_id in source_ids:
        await audit.record(
            session, actor, "contacts.merged_into", subject_type="Contact", subject_id=source_id,
            contact_id=source_id, changes={"target": str(target.id)},
        )  # fmt: skip
    await session.flush()
    return filled
