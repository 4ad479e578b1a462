"""The webhook worker: fans new events out to the endpoints that receive them, then sends
each endpoint its due deliveries in event order, signed, with retries.

Fan-out reads the events log (``events.dispatched_at IS NULL``, in sequence order) and writes
one delivery per active endpoint whose event types include the event's; on PostgreSQL one
worker at a time does it (a transaction-scoped advisory lock), so deliveries appear in the
order the events were recorded.

Sending is claimed per endpoint: a claim takes a lease on endpoints with a due delivery
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent workers claim disjoint endpoints; on
SQLite the single writer serialises claims). The worker holding an endpoint's lease sends its
pending deliveries oldest event first and stops at the first failure: a later event never
overtakes an earlier one that is waiting for its retry. Each outcome is recorded in its own
short transaction that also renews the lease and checks it is still this worker's, so no
lock is held while talking to a receiver, and a worker that dies leaves a lease that expires
(at-least-once in that window: receivers deduplicate by ``webhook-id``).

An endpoint whose attempts keep failing (``PORTAL_WEBHOOK_DISABLE_AFTER_FAILURES`` in a row) is
switched off and every active administrator is emailed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson
from sqlalchemy import ColumnElement, and_, exists, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.config import Settings
from portal.db import Database
from portal.email.delivery import retry_delay
from portal.email.outbox import enqueue_email
from portal.models import Event, StaffUser, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.models.base import full_row, session_now
from portal.services import audit
from portal.services.actors import SYSTEM
from portal.services.audit_actions import AuditAction, AuditSubject
from portal.services.events import PayloadLevel, event_payload
from portal.webhooks.endpoints import DisabledReason
from portal.webhooks.log import DeliveryStatus
from portal.webhooks.signing import SecretSealer, SecretUnavailable, signed_headers
from portal.webhooks.transport import Outcome, WebhookTransport

logger = logging.getLogger("portal.webhooks")

LEASE = timedelta(minutes=5)
# Outcomes recorded together (see _deliver_endpoint); the lease is renewed with each record.
RECORD_EVERY = 25
RECORD_SECONDS = 30
# One fan-out at a time on PostgreSQL (pg_try_advisory_xact_lock's key: "webhooks" in ASCII).
FAN_OUT_LOCK = 0x776562686F6F6B73
ADMIN_ROLE = "admin"


@dataclass
class WebhookSender:
    """What delivery needs: the database, the settings and the HTTP transport (built once per
    application or command, closed with it)."""

    database: Database
    settings: Settings
    transport: WebhookTransport

    @classmethod
    def from_settings(cls, settings: Settings, database: Database) -> WebhookSender:
        transport = WebhookTransport(
            allow_private=settings.webhook_private_addresses_allowed,
            timeout_seconds=settings.webhook_timeout_seconds,
        )
        return cls(database, settings, transport)

    async def close(self) -> None:
        await self.transport.close()


@dataclass
class WebhookReport:
    dispatched: int = 0  # events fanned out
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    event_ids: list[uuid.UUID] = field(default_factory=list)  # delivered, in order

    @property
    def busy(self) -> bool:
        return bool(self.dispatched or self.delivered or self.retried or self.failed)


# -- fan-out -----------------------------------------------------------------------------


async def dispatch_events(sender: WebhookSender, limit: int = 500) -> int:
    """Write the deliveries of up to ``limit`` events not yet fanned out; how many events."""
    async with sender.database.snapshot() as snapshot:
        waiting = await snapshot.scalar(
            select(Event.sequence).where(Event.dispatched_at.is_(None)).limit(1)
        )
    if waiting is None:
        return 0
    async with sender.database.transaction() as session:
        if sender.database.dialect == "postgresql" and not await session.scalar(
            select(func.pg_try_advisory_xact_lock(FAN_OUT_LOCK))
        ):
            return 0  # another worker is fanning out; its events come first
        events = list(
            await session.scalars(
                select(Event)
                .where(Event.dispatched_at.is_(None))
                .order_by(Event.sequence)
                .limit(limit)
            )
        )
        if not events:
            return 0
        endpoints = list(
            await session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
                    WebhookEndpoint.is_active
                )
            )
        )
        now = session_now(session)
        rows = [
            full_row(
                WebhookDelivery,
                now,
                {
                    "endpoint_id": endpoint_id,
                    "event_id": event.id,
                    "event_sequence": event.sequence,
                    "event_type": event.type,
                    "occurred_at": event.occurred_at,
                    "status": DeliveryStatus.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                },
            )
            for event in events
            for endpoint_id, event_types in endpoints
            if event.type in event_types
        ]
        if rows:
            await session.execute(insert(WebhookDelivery), rows)
        await session.execute(
            update(Event)
            .where(Event.sequence.in_([event.sequence for event in events]))
            .values(dispatched_at=now)
            .execution_options(synchronize_session=False)
        )
        return len(events)


# -- claiming ----------------------------------------------------------------------------


def _claimable(now: datetime) -> ColumnElement[bool]:
    due = exists(
        select(WebhookDelivery.id).where(
            WebhookDelivery.endpoint_id == WebhookEndpoint.id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
    )
    free = or_(WebhookEndpoint.leased_until.is_(None), WebhookEndpoint.leased_until <= now)
    return and_(WebhookEndpoint.is_active, free, due)


async def claim_endpoints(sender: WebhookSender, limit: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Lease up to ``limit`` active endpoints with a due delivery; (endpoint id, lease token)
    pairs. Looks in a snapshot first, which takes no write lock on SQLite."""
    async with sender.database.snapshot() as snapshot:
        anything = await snapshot.scalar(
            select(WebhookEndpoint.id).where(_claimable(session_now(snapshot))).limit(1)
        )
    if anything is None:
        return []
    async with sender.database.transaction() as session:
        now = session_now(session)
        query = (
            select(WebhookEndpoint)
            .where(_claimable(now))
            .order_by(WebhookEndpoint.leased_until.is_not(None), WebhookEndpoint.id)
            .limit(limit)
        )
        if sender.database.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=WebhookEndpoint)
        claimed = []
        for endpoint in await session.scalars(query):
            endpoint.lease_token = uuid.uuid4()
            endpoint.leased_until = now + LEASE
            claimed.append((endpoint.id, endpoint.lease_token))
        return claimed


# -- sending -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    delivery_id: uuid.UUID
    event_id: uuid.UUID
    next_attempt_at: datetime
    body: str | None  # None: the event is gone (pruned)


def _signing_secrets(sender: WebhookSender, endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    sealer = SecretSealer.from_settings(sender.settings)
    secrets = [sealer.open(endpoint.secret_sealed)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_sealed and expires is not None and expires > now:
        secrets.append(sealer.open(endpoint.previous_secret_sealed))
    return secrets


def _body(delivery: WebhookDelivery, event: Event | None, level: str) -> str | None:
    if delivery.body is not None:
        return delivery.body
    if event is None:
        return None
    return orjson.dumps(event_payload(event, PayloadLevel(level))).decode()


async def _load(
    sender: WebhookSender, endpoint_id: uuid.UUID, token: uuid.UUID, batch: int
) -> tuple[str, list[str] | None, list[_Job]] | None:
    async with sender.database.snapshot() as session:
        endpoint = await session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None or endpoint.lease_token != token or not endpoint.is_active:
            return None
        try:
            secrets: list[str] | None = _signing_secrets(sender, endpoint, session_now(session))
        except SecretUnavailable:
            secrets = None
        pairs = await session.execute(
            select(WebhookDelivery, Event)
            .outerjoin(Event, Event.sequence == WebhookDelivery.event_sequence)
            .where(
                WebhookDelivery.endpoint_id == endpoint_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
            )
            .order_by(
                WebhookDelivery.occurred_at, WebhookDelivery.event_sequence, WebhookDelivery.id
            )
            .limit(batch)
        )
        jobs = [
            _Job(d.id, d.event_id, d.next_attempt_at, _body(d, event, endpoint.payload_level))
            for d, event in pairs
        ]
        return endpoint.url, secrets, jobs


async def _attempt(
    sender: WebhookSender, url: str, secrets: list[str] | None, job: _Job
) -> tuple[Outcome, bool]:
    """The outcome of one attempt, and whether it was final whatever the attempts left."""
    if job.body is None:
        return Outcome(None, 0, "the event is no longer stored"), True
    if secrets is None:
        return Outcome(None, 0, "the signing secret was sealed with a removed secret key"), True
    headers = signed_headers(secrets, str(job.event_id), sender.settings.clock(), job.body)
    return await sender.transport.post(url, headers, job.body.encode()), False


@dataclass(frozen=True)
class _Sent:
    job: _Job
    outcome: Outcome
    final: bool  # failed for good, whatever attempts are left
    at: datetime


async def _deliver_endpoint(
    sender: WebhookSender, endpoint_id: uuid.UUID, token: uuid.UUID, batch: int
) -> list[tuple[str, uuid.UUID]]:
    """Send the endpoint's due deliveries in order until one fails; the outcomes. Outcomes
    are recorded together (every :data:`RECORD_EVERY` successes, at the first failure, and
    at least every :data:`RECORD_SECONDS`), each record renewing the lease: a transaction per
    event would cap delivery at the database's commit rate."""
    outcomes: list[tuple[str, uuid.UUID]] = []
    unrecorded: list[_Sent] = []
    try:
        loaded = await _load(sender, endpoint_id, token, batch)
        if loaded is None:
            return outcomes
        url, secrets, jobs = loaded
        recorded_at = time.monotonic()
        for job in jobs:
            if job.next_attempt_at > sender.settings.clock():
                break  # the oldest waits for its retry, and every later event with it
            at = sender.settings.clock()
            outcome, final = await _attempt(sender, url, secrets, job)
            unrecorded.append(_Sent(job, outcome, final, at))
            if (
                outcome.succeeded
                and len(unrecorded) < RECORD_EVERY
                and time.monotonic() - recorded_at < RECORD_SECONDS
            ):
                continue
            recorded = await _record(sender, endpoint_id, token, unrecorded)
            unrecorded, recorded_at = [], time.monotonic()
            if recorded is None:
                break  # the lease was lost
            outcomes += recorded
            if not outcome.succeeded:
                break
        if unrecorded:
            outcomes += await _record(sender, endpoint_id, token, unrecorded) or []
    finally:
        await _release(sender, endpoint_id, token)
    return outcomes


async def _record(
    sender: WebhookSender, endpoint_id: uuid.UUID, token: uuid.UUID, sent: list[_Sent]
) -> list[tuple[str, uuid.UUID]] | None:
    """Record attempts in one transaction, if the lease is still this worker's (else None)."""
    async with sender.database.transaction() as session:
        endpoint = await session.get(
            WebhookEndpoint, endpoint_id, with_for_update=sender.database.dialect == "postgresql"
        )
        if endpoint is None or endpoint.lease_token != token:
            return None
        endpoint.leased_until = session_now(session) + LEASE
        return [
            (await _record_one(session, sender.settings, endpoint, item), item.job.event_id)
            for item in sent
        ]


async def _record_one(
    session: AsyncSession, settings: Settings, endpoint: WebhookEndpoint, sent: _Sent
) -> str:
    delivery = await session.get(WebhookDelivery, sent.job.delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return "skipped"  # redelivered or deleted meanwhile
    outcome, now = sent.outcome, sent.at
    session.add(
        WebhookAttempt(
            endpoint_id=endpoint.id,
            delivery_id=delivery.id,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            attempted_at=now,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
            response_excerpt=outcome.response_excerpt,
        )
    )
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.succeeded:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = now
        endpoint.consecutive_failures = 0
        return "delivered"
    endpoint.consecutive_failures += 1
    if sent.final or delivery.attempts >= settings.webhook_max_attempts:
        delivery.status = DeliveryStatus.FAILED
        result = "failed"
    else:
        delivery.next_attempt_at = now + retry_delay(
            settings.webhook_retry_base_seconds, delivery.attempts
        )
        result = "retried"
    if endpoint.consecutive_failures >= settings.webhook_disable_after_failures:
        await _disable_failing(session, endpoint, outcome.error or "")
    return result


async def _release(sender: WebhookSender, endpoint_id: uuid.UUID, token: uuid.UUID) -> None:
    async with sender.database.transaction() as session:
        await session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.lease_token == token)
            .values(lease_token=None, leased_until=None)
        )


async def _disable_failing(session: AsyncSession, endpoint: WebhookEndpoint, error: str) -> None:
    """Switch the endpoint off and tell every active administrator (their language and form
    of address, through the outbox)."""
    if not endpoint.is_active:
        return
    endpoint.is_active = False
    endpoint.disabled_reason = DisabledReason.FAILING
    endpoint.disabled_at = session_now(session)
    failures = endpoint.consecutive_failures
    logger.error("webhook endpoint %s disabled after %d failures: %s", endpoint.id, failures, error)
    await audit.record(
        session,
        SYSTEM,
        AuditAction.WEBHOOK_ENDPOINT_DISABLE,
        subject_type=AuditSubject.WEBHOOK_ENDPOINT,
        subject_id=endpoint.id,
        changes={"consecutive_failures": failures, "last_error": error},
    )
    admins = await session.scalars(
        select(StaffUser).where(StaffUser.role == ADMIN_ROLE, StaffUser.is_active)
    )
    for admin in admins:
        await enqueue_email(
            session, template="webhook_endpoint_disabled", to=admin.email,
            language=admin.language, formality=admin.formality,
            context={"first_name": admin.display_name, "endpoint_url": endpoint.url,
                     "failures": failures, "last_error": error},
        )  # fmt: skip


async def deliver_due(
    sender: WebhookSender, *, endpoints: int = 20, batch: int = 100
) -> WebhookReport:
    """One pass: fan out new events, then send the due deliveries of up to ``endpoints``
    endpoints (concurrently, each in order)."""
    report = WebhookReport(dispatched=await dispatch_events(sender))
    claimed = await claim_endpoints(sender, endpoints)
    results = await asyncio.gather(
        *(_deliver_endpoint(sender, endpoint_id, token, batch) for endpoint_id, token in claimed)
    )
    for outcomes in results:
        for outcome, event_id in outcomes:
            if outcome == "delivered":
                report.delivered += 1
                report.event_ids.append(event_id)
            elif outcome == "retried":
                report.retried += 1
            elif outcome == "failed":
                report.failed += 1
    return report


async def run_worker(sender: WebhookSender, stop: asyncio.Event) -> None:
    """Deliver until ``stop`` is set, polling every ``webhook_poll_seconds``."""
    while not stop.is_set():
        try:
            report = await deliver_due(sender)
        except Exception:  # the database may be briefly away; keep the worker alive
            logger.exception("webhook delivery pass failed")
            report = WebhookReport()
        if report.busy:
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=sender.settings.webhook_poll_seconds)
