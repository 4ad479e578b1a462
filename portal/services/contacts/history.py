"""The contact's activity history and the quick info computed from it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import FieldError, InvalidInput
from portal.models import ContactHistoryEntry, PortalUser
from portal.models.base import full_row, session_now
from portal.normalization import clean_name, clean_text
from portal.pagination import Page, check_page_size
from portal.services.actors import Actor
from portal.services.contacts.fields import ContactErrorCode
from portal.services.timeline import newest_first

CURRENCIES = ("EUR", "CHF", "GBP", "USD")
MAX_NOTE_LENGTH = 10_000


async def add_history_entry(
    session: AsyncSession,
    contact_id: uuid.UUID,
    actor: Actor,
    *,
    source: str,
    description: str,
    revenue: tuple[Decimal, str] | None = None,
    visible_to_customer: bool = False,
    occurred_at: datetime | None = None,
) -> ContactHistoryEntry:
    entry = ContactHistoryEntry(
        contact_id=contact_id,
        occurred_at=occurred_at or session_now(session),
        source=clean_name(source)[:50],
        description=clean_text(description, multiline=True),
        actor_type=actor.type.value,
        actor_id=actor.id,
        actor_name=actor.name,
        revenue_amount=revenue[0] if revenue else None,
        revenue_currency=revenue[1] if revenue else None,
        visible_to_customer=visible_to_customer,
    )
    session.add(entry)
    await session.flush()
    return entry


async def add_staff_note(
    session: AsyncSession, contact_id: uuid.UUID, actor: Actor, text: str
) -> ContactHistoryEntry:
    """A staff note in the contact's history (never shown to the customer)."""
    text = clean_text(text, multiline=True)
    if not text or len(text) > MAX_NOTE_LENGTH:
        raise InvalidInput.single(
            ContactErrorCode.REQUIRED, "text", f"1 to {MAX_NOTE_LENGTH} characters."
        )
    return await add_history_entry(session, contact_id, actor, source="note", description=text)


async def record_activity(
    session: AsyncSession,
    contact_id: uuid.UUID,
    actor: Actor,
    *,
    source: str,
    description: str,
    revenue_amount: str | None = None,
    revenue_currency: str | None = "EUR",
    visible_to_customer: bool = False,
) -> ContactHistoryEntry:
    """An entry about something that happened elsewhere (a POS booking with its revenue)."""
    revenue = parse_revenue(revenue_amount, revenue_currency)
    if not clean_text(description) or not clean_name(source):
        raise InvalidInput.single(
            ContactErrorCode.REQUIRED, "description", "Source and description needed."
        )
    return await add_history_entry(
        session,
        contact_id,
        actor,
        source=source,
        description=description,
        revenue=revenue,
        visible_to_customer=visible_to_customer,
    )


async def list_history(
    session: AsyncSession, contact_id: uuid.UUID | None, *, first: int | None, after: str | None
) -> Page[ContactHistoryEntry]:
    """The contact's history for staff, newest first (keyset pages)."""
    return await newest_first(
        session,
        ContactHistoryEntry,
        [ContactHistoryEntry.contact_id == contact_id],
        first=first,
        after=after,
    )


async def history_for_customer(
    session: AsyncSession, contact_id: uuid.UUID, first: int | None
) -> list[ContactHistoryEntry]:
    """The newest ``first`` entries meant for the customer (the API's page-size rule)."""
    rows = await session.scalars(
        select(ContactHistoryEntry)
        .where(
            ContactHistoryEntry.contact_id == contact_id,
            ContactHistoryEntry.visible_to_customer.is_(True),
        )
        .order_by(ContactHistoryEntry.occurred_at.desc(), ContactHistoryEntry.id.desc())
        .limit(check_page_size(first))
    )
    return list(rows)


def history_row(
    contact_id: uuid.UUID,
    actor: Actor,
    *,
    source: str,
    description: str,
    occurred_at: datetime,
) -> dict[str, Any]:
    """A history entry as a complete row for a bulk insert (see ``create_contacts``)."""
    return full_row(
        ContactHistoryEntry,
        occurred_at,
        {
            "contact_id": contact_id,
            "occurred_at": occurred_at,
            "source": source[:50],
            "description": description,
            "actor_type": actor.type.value,
            "actor_id": actor.id,
            "actor_name": actor.name,
        },
    )


def parse_revenue(amount: str | None, currency: str | None) -> tuple[Decimal, str] | None:
    """A validated (amount, currency) pair, or None when no amount is given."""
    if amount is None or not str(amount).strip():
        return None
    errors = []
    try:
        value = Decimal(str(amount).strip().replace(",", "."))
        if (
            not value.is_finite()
            or abs(value) >= Decimal("1e10")
            or value != value.quantize(Decimal("0.01"))
        ):
            raise InvalidOperation
    except InvalidOperation:
        errors.append(
            FieldError("INVALID_AMOUNT", "revenue_amount", "Use a decimal amount like 12.50.")
        )
        value = Decimal(0)
    code = (currency or "EUR").strip().upper()
    if code not in CURRENCIES:
        errors.append(
            FieldError(
                "INVALID_CURRENCY", "revenue_currency", f"Use one of {', '.join(CURRENCIES)}."
            )
        )
    if errors:
        raise InvalidInput(errors)
    return value, code


@dataclass(frozen=True)
class Revenue:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class QuickInfo:
    registered_at: datetime | None
    last_visit_at: datetime | None
    history_count: int
    last_revenue: Revenue | None
    last_revenue_at: datetime | None
    total_revenue: list[Revenue]


async def quick_info_for(
    session: AsyncSession,
    contacts: list[tuple[uuid.UUID, datetime | None]],
    *,
    customer_view: bool = False,
) -> dict[uuid.UUID, QuickInfo]:
    """Quick info of many contacts in three queries (never stored twice: computed here). The
    ``customer_view`` counts and sums only the entries meant for the customer: staff notes and
    internal bookings stay out of the customer's numbers as they stay out of their history."""
    ids = [cid for cid, _ in contacts]
    if not ids:
        return {}
    shown = [ContactHistoryEntry.contact_id.in_(ids)]
    if customer_view:
        shown.append(ContactHistoryEntry.visible_to_customer.is_(True))
    counts = dict(
        (
            await session.execute(
                select(ContactHistoryEntry.contact_id, func.count())
                .where(*shown)
                .group_by(ContactHistoryEntry.contact_id)
            )
        ).all()
    )
    totals: dict[uuid.UUID, list[Revenue]] = {}
    for cid, currency, total in (
        await session.execute(
            select(
                ContactHistoryEntry.contact_id,
                ContactHistoryEntry.revenue_currency,
                func.sum(ContactHistoryEntry.revenue_amount),
            )
            .where(
                *shown,
                ContactHistoryEntry.revenue_amount.is_not(None),
            )
            .group_by(ContactHistoryEntry.contact_id, ContactHistoryEntry.revenue_currency)
            .order_by(ContactHistoryEntry.revenue_currency)
        )
    ).all():
        totals.setdefault(cid, []).append(
            Revenue(Decimal(total or 0).quantize(Decimal("0.01")), currency or "EUR")
        )
    last: dict[uuid.UUID, tuple[Revenue, datetime]] = {}
    for entry in await session.scalars(
        select(ContactHistoryEntry)
        .where(
            *shown,
            ContactHistoryEntry.revenue_amount.is_not(None),
        )
        .order_by(ContactHistoryEntry.occurred_at.desc(), ContactHistoryEntry.created_at.desc())
    ):
        if entry.contact_id not in last and entry.revenue_amount is not None:
            last[entry.contact_id] = (
                Revenue(entry.revenue_amount, entry.revenue_currency or "EUR"),
                entry.occurred_at,
            )
    visits = dict(
        (
            await session.execute(
                select(PortalUser.contact_id, PortalUser.last_login_at).where(
                    PortalUser.contact_id.in_(ids)
                )
            )
        ).all()
    )
    return {
        cid: QuickInfo(
            registered_at=registered,
            last_visit_at=visits.get(cid),
            history_count=int(counts.get(cid, 0)),
            last_revenue=last[cid][0] if cid in last else None,
            last_revenue_at=last[cid][1] if cid in last else None,
            total_revenue=totals.get(cid, []),
        )
        for cid, registered in contacts
    }
