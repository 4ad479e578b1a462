"""Enqueueing email: the only way any part of portal sends mail.

The row is written with the caller's session, so it commits or rolls back with the change that
caused it: a rolled-back registration sends nothing, a committed one always sends. A message's
link is stored sealed when the caller passes a :class:`~portal.email.sealing.LinkSealer`, and
removed once the message is sent (see :mod:`portal.email.sealing`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.email.catalog import MESSAGES
from portal.email.sealing import LINK_SEALER, LinkSealer, link_keys, links_removed
from portal.errors import InvalidInput
from portal.models.base import session_now
from portal.models.outbox import OutboxMessage
from portal.pagination import Page
from portal.services.timeline import newest_first

logger = logging.getLogger("portal.email")


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker, under a lease
    SENT = "sent"
    FAILED = "failed"


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
    sealer: LinkSealer | None = None,
) -> OutboxMessage:
    """Queue ``template`` for ``to``, rendered later in ``language`` / ``formality``.

    ``context`` must be JSON-serialisable (strings, numbers, lists, dicts); it is what the
    template sees, next to the recipient fields. The message's link is sealed (encrypted, see
    :mod:`portal.email.sealing`) with ``sealer`` or the session's (every application session
    has one), so the row holds no usable link; a link with no sealer at hand is refused.
    """
    spec = MESSAGES.get(template)
    if spec is None or spec.missing(context or {}):
        # A programming error, not bad input: fail the request loudly, in tests first.
        raise ValueError(f"email {template!r} needs context {spec.required if spec else '?'}")
    context = dict(context or {})
    if link_keys(template):
        sealer = sealer or session.info.get(LINK_SEALER)
        if sealer is None:
            raise ValueError(f"email {template!r} has a link and no LinkSealer to seal it")
        context = sealer.seal_links(template, context)
    message = OutboxMessage(
        template=template,
        to_address=to,
        language=language,
        formality=str(formality),
        context=context,
        contact_id=contact_id,
        status="pending",
        attempts=0,
        next_attempt_at=session_now(session),
    )
    session.add(message)
    await session.flush()
    return message


async def list_outbox(
    session: AsyncSession, *, status: str | None, first: int | None, after: str | None
) -> Page[OutboxMessage]:
    """Outbox messages, newest first (keyset on created_at, id)."""
    conditions = [OutboxMessage.status == status] if status else []
    return await newest_first(
        session, OutboxMessage, conditions, first=first, after=after, time_column="created_at"
    )


async def requeue(session: AsyncSession, message_id: uuid.UUID | None) -> OutboxMessage:
    """Send a sent or failed message again, with a fresh attempt budget."""
    message = await session.get(OutboxMessage, message_id) if message_id else None
    if message is None:
        raise InvalidInput.single("NOT_FOUND", "id", "No such message.")
    if message.status not in (OutboxStatus.SENT, OutboxStatus.FAILED):
        raise InvalidInput.single(
            "NOT_RESENDABLE", "id", "Only sent or failed messages can be sent again."
        )
    if message.status == OutboxStatus.SENT and links_removed(message.template, message.context):
        raise InvalidInput.single(
            "NOT_RESENDABLE",
            "id",
            "The link in this message was removed when it was sent; issue a new one instead.",
        )
    message.status = OutboxStatus.PENDING
    message.attempts = 0
    message.last_error = None
    message.next_attempt_at = session_now(session)
    await session.flush()
    return message
