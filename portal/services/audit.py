"""The audit log: one entry for every staff write, with the fields it changed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.models import AuditEntry
from portal.models.base import session_now
from portal.services.actors import Actor


def jsonable(value: Any) -> Any:
    """A JSON-friendly form of a changed value."""
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
    action: str,
    *,
    subject_type: str,
    subject_id: uuid.UUID | None,
    contact_id: uuid.UUID | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append an audit entry (``changes``: ``{field: [old, new]}`` or other facts)."""
    entry = audit_entry(
        actor,
        action,
        occurred_at=session_now(session),
        subject_type=subject_type,
        subject_id=subject_id,
        contact_id=contact_id,
        changes=changes,
    )
    session.add(entry)
    await session.flush()
    return entry


def audit_entry(
    actor: Actor,
    action: str,
    *,
    occurred_at: datetime,
    subject_type: str,
    subject_id: uuid.UUID | None,
    contact_id: uuid.UUID | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """An audit entry, not yet added (bulk writers add many and flush once)."""
    return AuditEntry(
        occurred_at=occurred_at,
        actor_type=actor.type.value,
        actor_id=actor.id,
        actor_name=actor.name,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        contact_id=contact_id,
        changes=jsonable(dict(changes or {})),
        ip_address=actor.ip_address,
    )
