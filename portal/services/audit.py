"""The audit log: one entry for every staff write, with the fields it changed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import AuditEntry
from portal.models.base import full_row, session_now
from portal.pagination import Page
from portal.services.actors import Actor
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.timeline import newest_first

_PLAIN = frozenset({str, int, float, bool, type(None)})


def jsonable(value: Any) -> Any:
    """A JSON-friendly form of a changed value."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple:
        return [v if type(v) in _PLAIN else jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


async def record(
    session: AsyncSession,
    actor: Actor,
    action: AuditAction,
    *,
    subject_type: AuditSubject,
    subject_id: uuid.UUID | None,
    contact_id: uuid.UUID | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit entry (``changes``: ``{field: [old, new]}`` or other facts)."""
    entry = AuditEntry(**audit_row(
        actor, action, occurred_at=session_now(session), subject_type=subject_type,
        subject_id=subject_id, contact_id=contact_id, changes=changes,
    ))  # fmt: skip
    session.add(entry)
    await session.flush()
    return entry


def audit_row(
    actor: Actor,
    action: AuditAction,
    *,
    occurred_at: datetime,
    subject_type: AuditSubject,
    subject_id: uuid.UUID | None,
    contact_id: uuid.UUID | None = None,
    changes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit entry as a complete row for a bulk insert (see ``create_contacts``)."""
    return full_row(
        AuditEntry,
        occurred_at,
        {
            "occurred_at": occurred_at,
            "actor_type": actor.type.value,
            "actor_id": actor.id,
            "actor_name": actor.name,
            # Checked again at run time: a plain string that is no action is refused here.
            "action": AuditAction(action).value,
            "subject_type": AuditSubject(subject_type).value,
            "subject_id": subject_id,
            "contact_id": contact_id,
            "changes": jsonable(dict(changes or {})),
            "ip_address": actor.ip_address,
        },
    )


async def list_audit_entries(
    session: AsyncSession,
    *,
    contact_id: uuid.UUID | None = None,
    action: AuditAction | None = None,
    first: int | None,
    after: str | None,
) -> Page[AuditEntry]:
    """The audit log, newest first (keyset pages), of one contact and/or one action."""
    conditions: list[ColumnElement[bool]] = []
    if contact_id is not None:
        conditions.append(AuditEntry.contact_id == contact_id)
    if action:
        conditions.append(AuditEntry.action == action)
    return await newest_first(session, AuditEntry, conditions, first=first, after=after)
