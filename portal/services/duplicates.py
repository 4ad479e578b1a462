"""Finding and merging duplicate contacts.

Candidates come from blocking. Contacts sharing a normalised email (primary or further) or a
phone number (phone1, phone2 or mobile, in E.164) are paired directly. Names are compared with
rapidfuzz within a postal code, and there only among contacts whose name words share an
initial: a postal code of 5,000 contacts becomes a few dozen small blocks, so the work grows
with the block sizes, not with the square of all contacts. A name block that is still too large
is compared by sorted neighbourhood (each name with its next neighbours in sorted order).
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import combinations
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import Select, distinct, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import InvalidInput
from portal.models import (
    Contact,
    ContactEmail,
    DuplicateDismissal,
)
from portal.normalization import fold_for_search
from portal.pagination import Page, check_page_size, decode_cursor
from portal.services import audit
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject

NAME_SIMILARITY = 88  # rapidfuzz token_sort_ratio, 0-100
# An email or number shared by more contacts (an office switchboard, a family address) pairs
# nobody: hundreds of contacts would make tens of thousands of pairs. Names still count there.
_BLOCK_LIMIT = 200
# Name blocks (one postal code, one initial) up to this size are compared in full.
_NAME_BLOCK_LIMIT = 1000
_NEIGHBOURS = 50  # larger blocks: each name against this many following in sorted order
# Words that do not tell people apart: no block of their own.
_NAME_NOISE = frozenset({"gmbh", "mbh", "ag", "kg", "ohg", "ug", "gbr", "ev", "co", "und",
                         "von", "van", "der", "den", "de", "dr", "prof"})  # fmt: skip


class DuplicateErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    TOO_MANY_SOURCES = "TOO_MANY_SOURCES"
    SAME_CONTACT = "SAME_CONTACT"
    BOTH_HAVE_PORTAL_USERS = "BOTH_HAVE_PORTAL_USERS"


class DuplicateReason(StrEnum):
    """What two contacts have in common (sorted by name in a pair's ``reasons``)."""

    SAME_EMAIL = "SAME_EMAIL"
    SAME_PHONE = "SAME_PHONE"
    SAME_POSTAL_CODE = "SAME_POSTAL_CODE"
    SIMILAR_NAME = "SIMILAR_NAME"


# What a shared fact adds to a pair's score; the name adds a quarter of its similarity.
_POINTS = {DuplicateReason.SAME_EMAIL: 40, DuplicateReason.SAME_PHONE: 35,
           DuplicateReason.SAME_POSTAL_CODE: 15}  # fmt: skip


@dataclass
class DuplicatePair:
    first: Contact
    second: Contact
    score: int = 0
    reasons: list[DuplicateReason] = field(default_factory=list)


def _name(first_name: str, last_name: str, company_name: str) -> str:
    """The folded name with its words sorted: ``fuzz.ratio`` of two of these is rapidfuzz's
    ``token_sort_ratio`` of the names, without sorting again for every comparison."""
    return " ".join(sorted(fold_for_search(f"{first_name} {last_name} {company_name}").split()))


def _similarity(a: Contact, b: Contact) -> int:
    names = [_name(c.first_name, c.last_name, c.company_name) for c in (a, b)]
    return int(fuzz.ratio(*names))


def _postal_code(value: str | None) -> str:
    return (value or "").replace(" ", "").upper()


def _phones(contact: Contact) -> set[str]:
    return {p for p in (contact.phone1_e164, contact.phone2_e164, contact.mobile_e164) if p}


def _active(*columns: Any) -> list[Any]:
    return [Contact.is_active.is_(True), *(c.is_not(None) for c in columns),
            *(c != "" for c in columns)]  # fmt: skip


async def _shared(
    session: AsyncSession, keyed: Sequence[Select[Any, Any]]
) -> list[list[uuid.UUID]]:
    """Groups of contacts sharing a key; each select yields (key, contact id)."""
    pairs = union_all(*keyed).subquery()
    key, contact_id = pairs.c[0], pairs.c[1]
    shared = (
        select(key)
        .group_by(key)
        .having(
            func.count(distinct(contact_id)) > 1, func.count(distinct(contact_id)) <= _BLOCK_LIMIT
        )
    )
    rows = await session.execute(
        select(key, contact_id).where(key.in_(shared)).distinct().order_by(key)
    )
    blocks: dict[Any, list[uuid.UUID]] = defaultdict(list)
    for value, cid in rows.all():
        blocks[value].append(cid)
    return list(blocks.values())


def _similar_in_block(names: list[str]) -> Iterable[tuple[int, int]]:
    """Index pairs of similar names in one block: all pairs while the block is small, sorted
    neighbours beyond (linear in the block size)."""
    if len(names) <= _NAME_BLOCK_LIMIT:
        for i in range(len(names) - 1):
            for _, _, j in process.extract(
                names[i], names[i + 1 :], scorer=fuzz.ratio, score_cutoff=NAME_SIMILARITY,
                limit=None,
            ):  # fmt: skip
                yield i, i + 1 + j
        return
    order = sorted(range(len(names)), key=names.__getitem__)
    for position, i in enumerate(order):
        for j in order[position + 1 : position + 1 + _NEIGHBOURS]:
            if fuzz.ratio(names[i], names[j]) >= NAME_SIMILARITY:
                yield i, j


async def _similar_names(session: AsyncSession) -> set[tuple[uuid.UUID, uuid.UUID]]:
    """Pairs (smaller id first) with similar names in the same postal code."""
    rows = await session.execute(
        select(Contact.id, Contact.postal_code, Contact.first_name, Contact.last_name,
               Contact.company_name).where(*_active(Contact.postal_code))
    )  # fmt: skip
    blocks: dict[tuple[str, str], list[tuple[uuid.UUID, str]]] = defaultdict(list)
    for contact_id, postal_code, *parts in rows.all():
        name = _name(*parts)
        words = {w for w in re.split(r"[\W_]+", name) if w and w not in _NAME_NOISE}
        for initial in {w[0] for w in words}:
            blocks[(_postal_code(postal_code), initial)].append((contact_id, name))
    found = set()
    for members in blocks.values():
        if len(members) > 1:
            for i, j in _similar_in_block([name for _, name in members]):
                a, b = members[i][0], members[j][0]
                found.add((min(a, b), max(a, b)))
    return found


async def _emails_by_contact(
    session: AsyncSession, ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, set[str]]:
    found: dict[uuid.UUID, set[str]] = defaultdict(set)
    rows = await session.execute(
        select(ContactEmail.contact_id, ContactEmail.email_normalized).where(
            ContactEmail.contact_id.in_(list(ids))
        )
    )
    for contact_id, email in rows.all():
        found[contact_id].add(email)
    return found


async def find_duplicates(session: AsyncSession) -> list[DuplicatePair]:
    """Scored candidate pairs (best first), without dismissed pairs."""
    candidates: set[tuple[uuid.UUID, uuid.UUID]] = set()
    exact = (
        [select(Contact.email_normalized, Contact.id).where(*_active(Contact.email_normalized)),
         select(ContactEmail.email_normalized, ContactEmail.contact_id)
         .join(Contact, Contact.id == ContactEmail.contact_id).where(*_active())],
        [select(column, Contact.id).where(*_active(column))
         for column in (Contact.phone1_e164, Contact.phone2_e164, Contact.mobile_e164)],
    )  # fmt: skip
    for keyed in exact:
        for block in await _shared(session, keyed):
            candidates.update(combinations(sorted(block), 2))
    candidates.update(await _similar_names(session))
    if not candidates:
        return []
    ids = {i for pair in candidates for i in pair}
    contacts = {c.id: c for c in await session.scalars(select(Contact).where(Contact.id.in_(ids)))}
    emails = await _emails_by_contact(session, ids)
    for contact in contacts.values():
        if contact.email_normalized:
            emails[contact.id].add(contact.email_normalized)
    dismissed = {
        (d.first_id, d.second_id) for d in await session.scalars(select(DuplicateDismissal))
    }
    pairs = []
    for a, b in candidates - dismissed:
        # Shown older contact first (the likely merge target).
        first, second = sorted((contacts[a], contacts[b]), key=lambda c: c.customer_number)
        similarity = _similarity(first, second)
        found: set[DuplicateReason] = set()
        if emails[a] & emails[b]:
            found.add(DuplicateReason.SAME_EMAIL)
        if _phones(first) & _phones(second):
            found.add(DuplicateReason.SAME_PHONE)
        if _postal_code(first.postal_code) and _postal_code(first.postal_code) == _postal_code(
            second.postal_code
        ):
            found.add(DuplicateReason.SAME_POSTAL_CODE)
        if similarity >= NAME_SIMILARITY:
            found.add(DuplicateReason.SIMILAR_NAME)
        if not found - {DuplicateReason.SAME_POSTAL_CODE}:
            continue  # neighbours with different names are not duplicates
        score = min(100, sum(_POINTS.get(reason, 0) for reason in found) + similarity // 4)
        pairs.append(DuplicatePair(first, second, score, sorted(found)))
    pairs.sort(key=lambda p: (-p.score, p.first.customer_number, p.second.customer_number))
    return pairs


async def duplicate_candidates(
    session: AsyncSession, *, first: int | None, after: str | None
) -> Page[DuplicatePair]:
    """A page of :func:`find_duplicates`, best first; the cursor is the position in that
    order."""
    limit = check_page_size(first)
    try:
        start = int(decode_cursor(after, 1)[0] or 0) + 1 if after else 0
    except (ValueError, TypeError):
        raise InvalidInput.single("INVALID_CURSOR", "after", "Bad cursor.") from None
    pairs = await find_duplicates(session)
    window = pairs[start : start + limit + 1]
    positions = {id(pair): start + i for i, pair in enumerate(window)}

    async def total() -> int:
        return len(pairs)

    return Page.from_rows(
        window,
        limit,
        lambda pair: (positions[id(pair)],),
        after_given=after is not None,
        count_total=total,
    )


async def dismiss(session: AsyncSession, actor: Actor, a: Contact, b: Contact) -> None:
    if a.id == b.id:
        raise InvalidInput.single(
            DuplicateErrorCode.SAME_CONTACT, "second_id", "A contact is no duplicate of itself."
        )
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
        session,
        actor,
        AuditAction.DUPLICATES_DISMISS,
        subject_type=AuditSubject.CONTACT,
        subject_id=first,
        changes={"pair": [str(first), str(second)]},
    )
