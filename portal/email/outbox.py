"""Enqueueing email: the only way any part of portal sends mail.

The row is written with the caller's session, so it commits or rolls back with the change that
caused it: a rolled-back registration sends nothing, a committed one always sends.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.models.base import session_now
from portal.models.outbox import OutboxMessage


class Formality(StrEnum):
    FORMAL = "formal"  # German "Sie"
    INFORMAL = "informal"  # German "Du"


async def enqueue_email(
    session: AsyncSession,
    *,
    template: str,
    to: str,
    language: str,
    formality: str = Formality.FORMAL,
    context: Mapping[str, Any] | None = None,
    contact_id: uuid.UUID | None = None,
) -> OutboxMessage:
    """Queue ``template`` for ``to``, rendered later in ``language`` / ``formality``.

    ``context`` must be JSON-serialisable (strings, numbers, lists, dicts); it is what the
    template sees, next to the recipient fields.
    """
    message = OutboxMessage(
        template=template,
        to_address=to,
        language=language,
        formality=str(formality),
        context=dict(context or {}),
        contact_id=contact_id,
        status="pending",
        attempts=0,
        next_attempt_at=session_now(session),
    )
    session.add(message)
    await session.flush()
    return message
