"""Webhooks: what an event costs a contact update, and how many events one worker delivers.

- Contact update: the staff ``updateContact`` mutation over HTTP with one active endpoint
  subscribed to ``contact.updated`` and the webhook worker running beside the API on the same
  event loop and database (as ``portal serve`` runs it), so each update's event is fanned out,
  signed and POSTed to a local receiver while later updates are timed. Reference: the same
  mutation on a second application and database with the worker running and no endpoint (the
  event is still recorded; nobody receives it). p50 ratio with / without.
- Throughput: 2,000 recorded events delivered by one worker (``deliver_due`` until none is
  left: fan-out, claim, sign, POST, record each outcome) to a receiver in another process over
  loopback HTTP. Reference: the same 2,000 signed bodies POSTed one after another by a bare
  HTTP client with keep-alive (the floor: the receiver and the network). events/s of each.

The receiver is a minimal ASGI app under uvicorn in its own process, answering 200.

    python -m benchmarks.webhooks [sqlite] [postgresql]
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from benchmarks.apps import Product, bench_settings, product_app
from benchmarks.harness import command_line, interleaved, report, scratch_database
from portal.config import Settings
from portal.services.actors import SYSTEM
from portal.services.events import EventType, PayloadLevel, event_payload, event_row, record_events
from portal.webhooks.delivery import deliver_due, run_worker
from portal.webhooks.signing import new_secret, signed_headers

ROUNDS = 300
EVENTS = 2000
CREATE_CONTACT = """mutation C($input: CreateContactInput!) {
  createContact(input: $input) { contact { id version } errors { code } } }"""
UPDATE_CONTACT = """mutation U($input: UpdateContactInput!) {
  updateContact(input: $input) { contact { version } errors { code } } }"""
CREATE_ENDPOINT = """mutation E($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { secret errors { code } } }"""


async def receiver_app(
    scope: dict[str, Any],
    receive: Callable[[], Awaitable[dict[str, Any]]],
    send: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    """The receiver: reads the body, answers 200."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-length", b"2")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b"ok"})


@contextlib.contextmanager
def receiver() -> Iterator[str]:
    """The receiver in a process of its own; its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "uvicorn", "benchmarks.webhooks:receiver_app", "--host",
         "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
    )  # fmt: skip
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        process.terminate()
        process.wait(10)


def settings_for(url: str) -> Settings:
    return bench_settings(url, webhook_worker=False, webhook_allow_private_addresses=True)


async def new_contact(product: Product, token: str) -> dict[str, Any]:
    body = await product.graphql(
        "/admin/graphql", CREATE_CONTACT, token, {"input": {"lastName": "Bench", "city": "Köln"}}
    )
    contact: dict[str, Any] = body["data"]["createContact"]["contact"]
    return contact


async def pending(product: Product) -> int:
    from sqlalchemy import func, select

    from portal.models import Event, WebhookDelivery

    async with product.runtime.database.snapshot() as session:
        waiting = await session.scalar(
            select(func.count()).select_from(Event).where(Event.dispatched_at.is_(None))
        )
        undelivered = await session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.status == "pending")
        )
    return int(waiting or 0) + int(undelivered or 0)


async def contact_update_cost(dialect: str, url: str, other_url: str, hook: str) -> None:
    async with (
        product_app(settings_for(url)) as subscribed,
        product_app(settings_for(other_url)) as unsubscribed,
    ):
        tokens = (await subscribed.log_in_staff(), await unsubscribed.log_in_staff())
        contacts = [
            await new_contact(subscribed, tokens[0]),
            await new_contact(unsubscribed, tokens[1]),
        ]
        await subscribed.graphql("/admin/graphql", CREATE_ENDPOINT, tokens[0], {"input": {
            "url": hook, "eventTypes": ["CONTACT_UPDATED"], "payloadLevel": "CHANGED_FIELDS",
        }})  # fmt: skip
        stop = asyncio.Event()
        workers = [
            asyncio.create_task(run_worker(app.runtime.webhooks, stop))
            for app in (subscribed, unsubscribed)
        ]

        def updater(app: Product, token: str, contact: dict[str, Any]) -> Any:
            async def update(i: int) -> object:
                body = await app.graphql("/admin/graphql", UPDATE_CONTACT, token, {"input": {
                    "id": contact["id"], "version": contact["version"], "city": f"Köln {i}",
                }})  # fmt: skip
                payload = body["data"]["updateContact"]
                if payload["errors"]:
                    raise RuntimeError(payload["errors"])
                contact["version"] = payload["contact"]["version"]
                return payload

            return update

        try:
            with_t, without_t = await interleaved(
                updater(subscribed, tokens[0], contacts[0]),
                updater(unsubscribed, tokens[1], contacts[1]),
                rounds=ROUNDS,
            )
            for _ in range(300):
                if not await pending(subscribed):
                    break
                await asyncio.sleep(0.1)
            left = await pending(subscribed)
        finally:
            stop.set()
            await asyncio.gather(*workers)
        report(f"webhooks {dialect} updateContact, one endpoint vs none", with_t, without_t)
        print(f"  events left undelivered after the run: {left}")


async def throughput(dialect: str, url: str, hook: str) -> None:
    async with product_app(settings_for(url)) as product:
        token = await product.log_in_staff()
        await product.graphql("/admin/graphql", CREATE_ENDPOINT, token, {"input": {
            "url": hook, "eventTypes": ["CONTACT_CREATED"], "payloadLevel": "IDS",
        }})  # fmt: skip
        sender = product.runtime.webhooks
        await deliver_due(sender)  # fan out what the set-up recorded
        now = product.runtime.settings.clock()
        async with product.runtime.database.transaction() as session:
            await record_events(
                session,
                [
                    event_row(EventType.CONTACT_CREATED, SYSTEM, occurred_at=now)
                    for _ in range(EVENTS)
                ],
            )
        started = time.perf_counter()
        delivered = 0
        while True:
            report_ = await deliver_due(sender, batch=500)
            delivered += report_.delivered
            if not report_.busy:
                break
        product_s = time.perf_counter() - started
        assert delivered == EVENTS, delivered

        from sqlalchemy import select

        from portal.models import Event

        async with product.runtime.database.snapshot() as session:
            events = list(await session.scalars(select(Event).order_by(Event.sequence)))
            bodies = [
                (str(e.id), orjson.dumps(event_payload(e, PayloadLevel.IDS)).decode())
                for e in events[-EVENTS:]
            ]
        secret = new_secret()
        async with httpx.AsyncClient(timeout=10) as client:
            await client.post(hook, content=b"{}")  # connect first, as the pool above did
            started = time.perf_counter()
            for event_id, body in bodies:
                headers = signed_headers([secret], event_id, datetime.now(UTC), body)
                (await client.post(hook, content=body.encode(), headers=headers)).raise_for_status()
            reference_s = time.perf_counter() - started
    product_rate, reference_rate = EVENTS / product_s, EVENTS / reference_s
    print(
        f"webhooks {dialect} delivery throughput, one worker: {product_rate:.0f} events/s | "
        f"bare HTTP client: {reference_rate:.0f} events/s | "
        f"ratio {product_rate / reference_rate:.2f}x"
    )


async def main(databases: Sequence[str]) -> None:
    with receiver() as hook:
        for dialect in databases:
            async with scratch_database(dialect) as url, scratch_database(dialect) as other:
                await contact_update_cost(dialect, url, other, hook)
            async with scratch_database(dialect) as url:
                await throughput(dialect, url, hook)


if __name__ == "__main__":
    command_line(main)
