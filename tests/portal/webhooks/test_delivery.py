"""Delivery end to end: endpoints set up through the staff API, events recorded, the worker
sending to a live receiver that verifies signatures with the ``standardwebhooks`` library;
retries by moving the clock; nothing for a switched-off endpoint; disabling after failures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.db import Database
from portal.models import Event, OutboxMessage, WebhookDelivery
from portal.services.actors import SYSTEM
from portal.services.events import EventType, record_event
from portal.webhooks.delivery import WebhookSender, deliver_due, dispatch_events
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, reconfigure, relog_in_staff
from tests.portal.webhooks.documents import (
    REDELIVER,
    REDELIVER_FAILED,
    ROTATE_SECRET,
    SEND_TEST,
    UPDATE_ENDPOINT,
    create_endpoint,
    endpoint_log,
)
from tests.portal.webhooks.receiver import Receiver

pytestmark = pytest.mark.usefixtures("receiver")


async def record(runtime: Runtime, *types: EventType) -> list[str]:
    """Record events (one transaction each, as requests would); their ids."""
    ids = []
    for event_type in types:
        async with runtime.database.transaction() as session:
            event = await record_event(session, event_type, SYSTEM)
            ids.append(str(event.id))
    return ids


async def test_subscribed_events_arrive_signed_and_in_order(
    admin_api: GraphQLClient, runtime: Runtime, receiver: Receiver
) -> None:
    await log_in_staff(admin_api, runtime)
    endpoint, secret = await create_endpoint(
        admin_api, receiver.url, ["CONTACT_CREATED", "CONTACT_UPDATED"]
    )
    assert secret.startswith("whsec_") and endpoint["secretHint"] == secret[:10] + "…"
    receiver.secrets = [secret]
    ids = await record(
        runtime,
        EventType.CONTACT_CREATED,
        EventType.CONTACT_DELETED,  # not subscribed
        EventType.CONTACT_UPDATED,
        EventType.CONTACT_UPDATED,
    )
    report = await deliver_due(runtime.webhooks)
    assert (report.dispatched, report.delivered) == (4, 3)
    assert receiver.event_ids() == [ids[0], ids[2], ids[3]]
    assert all(r.verified_by == [secret] for r in receiver.received)
    first = receiver.received[0].payload
    assert first["type"] == "contact.created" and first["data"]["eventId"] == ids[0]
    log = await endpoint_log(admin_api, endpoint["id"])
    assert [d["status"] for d in log["deliveries"]["nodes"]] == ["DELIVERED"] * 3
    assert [a["statusCode"] for a in log["attempts"]["nodes"]] == [200] * 3
    assert all(a["succeeded"] and a["durationMs"] >= 0 for a in log["attempts"]["nodes"])
    # Nothing more to do: a second pass sends nothing again.
    assert not (await deliver_due(runtime.webhooks)).busy
    assert len(receiver.received) == 3


async def test_retries_after_errors_and_timeouts_with_backoff_keep_the_order(
    admin_api: GraphQLClient, runtime: Runtime, receiver: Receiver, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    endpoint, secret = await create_endpoint(admin_api, receiver.url, ["CONTACT_UPDATED"])
    receiver.secrets = [secret]
    first, second = await record(runtime, EventType.CONTACT_UPDATED, EventType.CONTACT_UPDATED)
    receiver.answer_next(500, ("sleep", 2.0))
    report = await deliver_due(runtime.webhooks)
    assert (report.delivered, report.retried) == (0, 1)
    assert receiver.event_ids() == [first]  # the second waits behind the first
    assert not (await deliver_due(runtime.webhooks)).busy  # not due before the backoff
    clock.advance(timedelta(seconds=10))
    assert (await deliver_due(runtime.webhooks)).retried == 1  # the timeout
    clock.advance(timedelta(seconds=19))
    assert not (await deliver_due(runtime.webhooks)).busy  # 20 s after the second attempt
    clock.advance(timedelta(seconds=1))
    report = await deliver_due(runtime.webhooks)
    assert [str(i) for i in report.event_ids] == [first, second]
    assert receiver.event_ids() == [first, first, first, second]
    assert all(r.verified_by == [secret] for r in receiver.received)
    assert len({r.headers["webhook-timestamp"] for r in receiver.received[:3]}) == 3
    log = await endpoint_log(admin_api, endpoint["id"])
    attempts = list(reversed(log["attempts"]["nodes"]))
    assert [a["statusCode"] for a in attempts] == [500, None, 200, 200]
    assert attempts[0]["error"] == "HTTP 500"
    assert attempts[0]["responseExcerpt"] == "scripted answer"
    assert attempts[1]["error"] == "timeout after 0.5 s"
    assert log["consecutiveFailures"] == 0


async def test_failed_deliveries_can_be_redelivered(
    admin_api: GraphQLClient, runtime: Runtime, receiver: Receiver, clock: FrozenClock
) -> None:
    reconfigure(runtime, webhook_max_attempts=2)
    await log_in_staff(admin_api, runtime)
    endpoint, _ = await create_endpoint(admin_api, receiver.url, ["CONTACT_UPDATED"])
    (event_id,) = await record(runtime, EventType.CONTACT_UPDATED)
    receiver.answer_next(500, 502, 500, 500)
    await deliver_due(runtime.webhooks)
    clock.advance(timedelta(seconds=10))
    assert (await deliver_due(runtime.webhooks)).failed == 1
    log = await endpoint_log(admin_api, endpoint["id"], status="FAILED")
    (failed,) = log["deliveries"]["nodes"]
    assert (failed["attempts"], failed["lastStatusCode"], failed["nextAttemptAt"]) == (2, 502, None)
    redelivered = (await admin_api.data(REDELIVER, {"id": failed["id"]}))["redeliverWebhookEvent"]
    assert redelivered["delivery"]["status"] == "PENDING"
    assert redelivered["delivery"]["attempts"] == 0
    again = (await admin_api.data(REDELIVER, {"id": failed["id"]}))["redeliverWebhookEvent"]
    assert again["errors"][0]["code"] == "NOT_REDELIVERABLE"  # still pending
    await deliver_due(runtime.webhooks)  # 500 once more: failed again after two attempts
    clock.advance(timedelta(seconds=10))
    await deliver_due(runtime.webhooks)
    assert receiver.event_ids() == [event_id] * 4
    since = (clock() - timedelta(hours=1)).isoformat()
    bulk = await admin_api.data(REDELIVER_FAILED, {"endpointId": endpoint["id"], "since": since})
    assert bulk["redeliverFailedWebhookEvents"] == {"count": 1, "errors": []}
    assert (await deliver_due(runtime.webhooks)).delivered == 1
    assert receiver.event_ids() == [event_id] * 5
    later = (clock() + timedelta(hours=1)).isoformat()
    none = await admin_api.data(REDELIVER_FAILED, {"endpointId": endpoint["id"], "since": later})
    assert none["redeliverFailedWebhookEvents"]["count"] == 0


async def test_a_switched_off_endpoint_receives_nothing(
    admin_api: GraphQLClient, runtime: Runtime, receiver: Receiver, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    endpoint, _ = await create_endpoint(admin_api, receiver.url, ["CONTACT_UPDATED"])
    await record(runtime, EventType.CONTACT_UPDATED)
    await deliver_due(runtime.webhooks)  # fanned out and delivered
    clock.advance(timedelta(seconds=1))
    await record(runtime, EventType.CONTACT_UPDATED)
    # Fanned out while on, then switched off before it is sent.
    assert await dispatch_events(runtime.webhooks) == 1
    data = await admin_api.data(
        UPDATE_ENDPOINT, {"input": {"id": endpoint["id"], "isActive": False}}
    )
    assert data["updateWebhookEndpoint"]["webhookEndpoint"]["disabledReason"] == "MANUAL"
    await record(runtime, EventType.CONTACT_UPDATED)  # while off: never queued for it
    report = await deliver_due(runtime.webhooks)
    assert (report.dispatched, report.delivered) == (1, 0)
    assert len(receiver.received) == 1
    log = await endpoint_log(admin_api, endpoint["id"])
    assert [d["status"] for d in log["deliveries"]["nodes"]] == ["PENDING", "DELIVERED"]
    # On again: the delivery that waited is sent, the event recorded while off is not.
    await admin_api.data(UPDATE_ENDPOINT, {"input": {"id": endpoint["id"], "isActive": True}})
    assert (await deliver_due(runtime.webhooks)).delivered == 1
    assert len(receiver.received) == 2


async def test_an_endpoint_that_keeps_failing_is_disabled_and_admins_are_emailed(
    admin_api: GraphQLClient, runtime: Runtime, receiver: Receiver, clock: FrozenClock
) -> None:
    reconfigure(runtime, webhook_disable_after_failures=3)
    await log_in_staff(admin_api, runtime)
    endpoint, _ = await create_endpoint(admin_api, receiver.url, ["CONTACT_UPDATED"])
    await record(runtime, EventType.CONTACT_UPDATED)
    receiver.answer_next(500, 500, 503)
    for _ in range(3):
        await deliver_due(runtime.webhooks)
        clock.advance(timedelta(minutes=5))
    log = await endpoint_log(admin_api, endpoint["id"])
    assert (log["isActive"], log["disabledReason"], log["consecutiveFailures"]) == (
        False, "FAILING", 3,
    )  # fmt: skip
    assert not (await deliver_due(runtime.webhooks)).busy
    assert len(receiver.received) == 3
    async with runtime.database.transaction() as session:
        (mail,) = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.template == "webhook_endpoint_disabled")
        )
    assert mail.to_address == "admin@example.com"
    assert mail.context["endpoint_url"] == receiver.url
    assert mail.context["last_error"] == "HTTP 503"


async def test_private_addresses_are_refused_at_delivery(
    admin_api: GraphQLClient, runtime: Runtime, receiver: Receiver
) -> None:
    await log_in_staff(admin_api, runtime)
    endpoint, _ = await create_endpoint(admin_api, receiver.url, ["CONTACT_UPDATED"])
    reconfigure(runtime, webhook_allow_private_addresses=False)
    await record(runtime, EventType.CONTACT_UPDATED)
    assert (await deliver_due(runtime.webhooks)).retried == 1
    assert receiver.received == []
    (attempt,) = (await endpoint_log(admin_api, endpoint["id"]))["attempts"]["nodes"]
    assert attempt["statusCode"] is None
    assert "127.0.0.1, which is not a public address" in attempt["error"]


@pytest.mark.postgres_only
async def test_two_workers_deliver_each_event_once_in_order(
    admin_api: GraphQLClient, runtime: Runtime, receiver: Receiver, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("row locking needs PostgreSQL")
    await log_in_staff(admin_api, runtime)
    endpoints = [
        (await create_endpoint(admin_api, f"{receiver.url}?n={n}", ["CONTACT_UPDATED"]))[0]
        for n in range(4)
    ]
    ids = await record(runtime, *[EventType.CONTACT_UPDATED] * 25)
    reconfigure(runtime, webhook_timeout_seconds=10)  # a loaded machine is no failing receiver
    second_database = Database.from_url(runtime.settings.database_url, clock=runtime.settings.clock)
    second = WebhookSender.from_settings(runtime.settings, second_database)

    async def unfinished() -> int:
        async with runtime.database.snapshot() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.status != "delivered")
            )
            undispatched = await session.scalar(
                select(func.count()).select_from(Event).where(Event.dispatched_at.is_(None))
            )
        return int(pending or 0) + int(undispatched or 0)

    async def drain(sender: WebhookSender) -> None:
        for _ in range(500):
            await deliver_due(sender, endpoints=2, batch=5)
            if not await unfinished():
                return

    try:
        await asyncio.gather(drain(runtime.webhooks), drain(second))
    finally:
        await second.close()
        await second_database.dispose()
    assert len(receiver.received) == 4 * 25
    for n in range(len(endpoints)):
        got = [r.event_id for r in receiver.received if r.query == f"n={n}"]
        assert got == ids  # each once, in the order recorded


async def test_rotation_signs_with_both_secrets_until_the_overlap_ends(
    admin_api: GraphQLClient, runtime: Runtime, receiver: Receiver, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    endpoint, old = await create_endpoint(admin_api, receiver.url, ["CONTACT_UPDATED"])
    data = await admin_api.data(ROTATE_SECRET, {"id": endpoint["id"], "overlapHours": 1})
    rotated = data["rotateWebhookEndpointSecret"]
    new = rotated["secret"]
    assert new != old and rotated["webhookEndpoint"]["secretHint"] == new[:10] + "…"
    assert rotated["webhookEndpoint"]["previousSecretExpiresAt"] is not None
    receiver.secrets = [old, new]
    sent = (await admin_api.data(SEND_TEST, {"endpointId": endpoint["id"]}))["sendWebhookTestEvent"]
    assert sent["delivery"]["eventType"] == "webhook.test"
    await deliver_due(runtime.webhooks)
    (during,) = receiver.received
    assert during.verified_by == [old, new]
    assert during.payload["type"] == "webhook.test"
    assert during.event_id == sent["delivery"]["eventId"]
    # After the overlap only the new secret signs (checked by signing again: the receiver's
    # library would also refuse a timestamp an hour away from its own clock).
    clock.advance(timedelta(hours=1, seconds=1))
    await relog_in_staff(admin_api)
    await admin_api.data(SEND_TEST, {"endpointId": endpoint["id"]})
    await deliver_due(runtime.webhooks)
    after = receiver.received[-1]
    signatures = after.headers["webhook-signature"].split(" ")
    stamp = datetime.fromtimestamp(int(after.headers["webhook-timestamp"]), UTC)
    body = after.body.decode()
    assert signatures == [Webhook(new).sign(after.event_id, stamp, body)]


async def test_endpoints_off_refuse_the_test_event(
    admin_api: GraphQLClient, runtime: Runtime, receiver: Receiver
) -> None:
    await log_in_staff(admin_api, runtime)
    endpoint, _ = await create_endpoint(admin_api, receiver.url, isActive=False)
    data = await admin_api.data(SEND_TEST, {"endpointId": endpoint["id"]})
    assert data["sendWebhookTestEvent"]["errors"][0]["code"] == "ENDPOINT_INACTIVE"
    assert not (await deliver_due(runtime.webhooks)).busy
    assert receiver.received == []
