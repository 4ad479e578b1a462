"""Recording events in the caller's transaction (flush, never commit): a rolled-back request
leaves no event, a committed change always has its event, like the mail outbox."""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.bulk_insert import bulk_insert
from portal.global_ids import global_id_text
from portal.models import Event
from portal.models.base import full_row, session_now, table_of
from portal.services.actors import Actor, ActorType
from portal.services.audit import jsonable
from portal.services.events.catalogue import EventActorType, EventType

# Names that must never reach a payload, whatever a caller passes by mistake.
_SECRET = re.compile(r"password|token|secret|hash|recovery|otp|totp", re.IGNORECASE)


@functools.cache
def _is_secret(name: str) -> bool:
    # Cached: an import checks the same few names for every one of its thousands of rows.
    return _SECRET.search(name) is not None


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _json_object(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """``values`` JSON-ready; plain values (nearly all) are taken as they are."""
    if not values:
        return {}
    return {str(k): v if type(v) in _PLAIN else jsonable(v) for k, v in values.items()}


def event_actor(actor: Actor) -> tuple[EventActorType, uuid.UUID | None, uuid.UUID | None]:
    """``(type, id, on behalf of)`` of the existing actor model: support acting for a customer
    is "support" with the portal user it acted for."""
    if actor.for_customer is not None:
        return EventActorType.SUPPORT, actor.id, actor.for_customer
    kind = {
        ActorType.CUSTOMER: EventActorType.CUSTOMER,
        ActorType.STAFF: EventActorType.STAFF,
        ActorType.IMPORT: EventActorType.IMPORT,
        ActorType.SYSTEM: EventActorType.SYSTEM,
    }[actor.type]
    return kind, actor.id, None


def reference(type_name: str, value: uuid.UUID) -> dict[str, str]:
    """An object named in ``details``: its global id as the staff API shows it, and its UUID."""
    return {"id": global_id_text(type_name, value), "uuid": str(value)}


def event_row(
    event_type: EventType,
    actor: Actor,
    *,
    occurred_at: datetime,
    contact_id: uuid.UUID | None = None,
    portal_user_id: uuid.UUID | None = None,
    details: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    changed_fields: Iterable[str] | None = None,
) -> dict[str, Any]:
    """An event as a complete row (for :func:`record_events`). ``changes`` maps changed field
    names (snake case, as the services name them) to their new values; ``changed_fields`` names
    changed fields without values (defaults to the keys of ``changes``). ``details`` holds ids
    and facts without personal data, in the payload's camel case."""
    fields = sorted(set(changed_fields if changed_fields is not None else (changes or {})))
    for name in (*fields, *(details or {})):
        if _is_secret(name):
            raise ValueError(f"event {event_type} would carry a secret: {name!r}")
    kind, actor_id, on_behalf_of = event_actor(actor)
    return full_row(
        Event,
        occurred_at,
        {
            "type": event_type.value,
            "occurred_at": occurred_at,
            "actor_type": kind.value,
            "actor_id": actor_id,
            "on_behalf_of_id": on_behalf_of,
            "contact_id": contact_id,
            "portal_user_id": portal_user_id,
            "details": _json_object(details),
            "changed_fields": fields,
            "changes": _json_object(changes),
        },
    )


async def record_event(
    session: AsyncSession,
    event_type: EventType,
    actor: Actor,
    *,
    contact_id: uuid.UUID | None = None,
    portal_user_id: uuid.UUID | None = None,
    details: Mapping[str, Any] | None = None,
    changes: Mapping[str, Any] | None = None,
    changed_fields: Iterable[str] | None = None,
) -> Event:
    """Append one event at the session clock's time (arguments as :func:`event_row`)."""
    event = Event(**event_row(
        event_type, actor, occurred_at=session_now(session), contact_id=contact_id,
        portal_user_id=portal_user_id, details=details, changes=changes,
        changed_fields=changed_fields,
    ))  # fmt: skip
    session.add(event)
    await session.flush()
    return event


async def record_events(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Append many :func:`event_row` rows in one bulk insert (imports: thousands of contacts).
    The database numbers them in list order."""
    await session.flush()
    await bulk_insert(session, table_of(Event), rows)


async def forget_event_values(
    session: AsyncSession,
    contact_ids: Sequence[uuid.UUID] = (),
    portal_user_ids: Sequence[uuid.UUID] = (),
) -> None:
    """Blank the changed values of every event of deleted or erased contacts and portal users
    (the ids and changed field names stay, as in the audit log)."""
    if contact_ids:
        await session.execute(
            update(Event).where(Event.contact_id.in_(contact_ids)).values(changes={})
        )
    if portal_user_ids:
        await session.execute(
            update(Event).where(Event.portal_user_id.in_(portal_user_ids)).values(changes={})
        )


async def prune_events(session: AsyncSession, older_than: datetime) -> int:
    """Delete events that occurred before ``older_than``; returns how many. Retention must
    outlast the webhook retry window (the delivery side's concern, see docs/events.md)."""
    result = await session.execute(
        delete(Event)
        .where(Event.occurred_at < older_than)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
