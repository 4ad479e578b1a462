"""The delivery worker: claims due outbox rows, renders, sends, records the outcome.

Claiming and sending are separate transactions, so no row lock is held while talking to an SMTP
server. A claim marks rows ``sending`` with a lease (``next_attempt_at`` = now + lease); on
PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets concurrent workers claim disjoint rows, so each row is
sent once. A worker that dies after claiming leaves the lease to expire, and the row is claimed
again (at-least-once in that crash window; never lost).

A message's link is opened (see :mod:`portal.email.sealing`) only to render it, and removed
from the row in the transaction that records the message as sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select

from portal.config import Settings
from portal.db import Database
from portal.email.attachments import attachments_for
from portal.email.backends import MailBackend, backend_from_settings, build_message
from portal.email.outbox import OutboxStatus
from portal.email.overrides import load_override
from portal.email.rendering import EmailRenderer
from portal.email.sealing import LinkSealer, remove_links
from portal.models import OutboxMessage
from portal.models.base import session_now

logger = logging.getLogger("portal.email")

LEASE = timedelta(minutes=5)
MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True)
class Mailer:
    """What delivery needs: the database holding the outbox, the settings (sender, retries),
    the renderer and the backend messages go to. The application builds one at start-up."""

    database: Database
    settings: Settings
    renderer: EmailRenderer
    backend: MailBackend

    @classmethod
    def from_settings(cls, settings: Settings, database: Database) -> Mailer:
        return cls(database, settings, EmailRenderer(settings), backend_from_settings(settings))


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    ids: list[uuid.UUID] = field(default_factory=list)


def retry_delay(settings_base_seconds: int, attempts: int) -> timedelta:
    """Exponential backoff: base, 2x base, 4x base, ... capped at six hours."""
    return timedelta(seconds=min(settings_base_seconds * 2 ** (attempts - 1), 6 * 3600))


def _is_due(now: datetime) -> ColumnElement[bool]:
    return and_(
        or_(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.status == OutboxStatus.SENDING,  # an expired lease
        ),
        OutboxMessage.next_attempt_at <= now,
    )


async def claim_due(mailer: Mailer, limit: int) -> list[uuid.UUID]:
    """Mark up to ``limit`` due rows as ``sending`` under a lease and return their ids. Looks
    first in a snapshot, which on SQLite takes no write lock: a poll that finds nothing due
    never queues behind (or blocks) a writer such as a long import."""
    async with mailer.database.snapshot() as snapshot:
        anything_due = await snapshot.scalar(
            select(OutboxMessage.id).where(_is_due(session_now(snapshot))).limit(1)
        )
    if anything_due is None:
        return []
    async with mailer.database.transaction() as session:
        now = session_now(session)
        query = (
            select(OutboxMessage)
            .where(_is_due(now))
            .order_by(OutboxMessage.next_attempt_at)
            .limit(limit)
        )
        if mailer.database.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(await session.scalars(query))
        for row in rows:
            row.status = OutboxStatus.SENDING
            row.next_attempt_at = now + LEASE
        return [row.id for row in rows]


async def _send_one(mailer: Mailer, backend: MailBackend, message_id: uuid.UUID) -> str:
    renderer = mailer.renderer
    async with mailer.database.transaction() as session:
        row = await session.get(OutboxMessage, message_id)
        if row is None or row.status != OutboxStatus.SENDING:
            return "skipped"
        override = await load_override(session, row.template, renderer.language(row.language))
        context = LinkSealer.from_settings(mailer.settings).open_links(row.template, row.context)
        rendered = renderer.render(row.template, row.language, row.formality, context, override)
        template, to_address = row.template, row.to_address
    # Built after the claim's transaction ended: an export reads in its own session (SQLite
    # allows one writer, and the claim transaction is one).
    attachments = await attachments_for(mailer.database, template, context)
    message = build_message(
        mailer.settings, to_address, rendered, mailer.settings.clock, message_id.hex, attachments
    )
    error: str | None = None
    try:
        await backend.send(message)
    except Exception as exc:  # any delivery failure is recorded and retried
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    async with mailer.database.transaction() as session:
        row = await session.get(OutboxMessage, message_id)
        if row is None:
            return "skipped"
        now = session_now(session)
        row.attempts += 1
        if error is None:
            row.status = OutboxStatus.SENT
            row.sent_at = now
            row.last_error = None
            # Sent: the link now lives only in the recipient's mailbox, not in our database.
            row.context = remove_links(row.template, row.context)
            return "sent"
        row.last_error = error
        if row.attempts >= mailer.settings.mail_max_attempts:
            row.status = OutboxStatus.FAILED
            logger.error("giving up on email %s after %d attempts: %s", row.id, row.attempts, error)
            return "failed"
        row.status = OutboxStatus.PENDING
        row.next_attempt_at = now + retry_delay(
            mailer.settings.mail_retry_base_seconds, row.attempts
        )
        logger.warning("email %s failed (attempt %d), retrying: %s", row.id, row.attempts, error)
        return "retried"


async def deliver_due(
    mailer: Mailer, backend: MailBackend | None = None, *, limit: int = 50
) -> DeliveryReport:
    """One pass: claim due messages and send them."""
    backend = backend or mailer.backend
    report = DeliveryReport()
    for message_id in await claim_due(mailer, limit):
        try:
            outcome = await _send_one(mailer, backend, message_id)
        except Exception as exc:  # a template bug must not stop the other messages
            logger.exception("rendering email %s failed", message_id)
            outcome = await _fail_unrenderable(mailer, message_id, exc)
        if outcome == "sent":
            report.sent += 1
            report.ids.append(message_id)
        elif outcome == "retried":
            report.retried += 1
        elif outcome == "failed":
            report.failed += 1
    return report


async def _fail_unrenderable(mailer: Mailer, message_id: uuid.UUID, exc: Exception) -> str:
    async with mailer.database.transaction() as session:
        row = await session.get(OutboxMessage, message_id)
        if row is None:
            return "skipped"
        row.attempts += 1
        row.status = OutboxStatus.FAILED
        row.last_error = f"cannot render: {type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    return "failed"


async def run_worker(mailer: Mailer, stop: asyncio.Event) -> None:
    """Deliver until ``stop`` is set, polling every ``mail_poll_seconds``."""
    while not stop.is_set():
        try:
            report = await deliver_due(mailer)
        except Exception:  # the database may be briefly away; keep the worker alive
            logger.exception("mail delivery pass failed")
            report = DeliveryReport()
        if report.sent or report.retried or report.failed:
            continue  # there may be more due right away
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=mailer.settings.mail_poll_seconds)
