"""One signed request to a real receiver: Standard Webhooks signatures verified by the
``standardwebhooks`` library, failures recorded, redirects not followed, private addresses
refused at connection time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from portal.webhooks.signing import SecretSealer, new_secret, signature_header, signed_headers
from portal.webhooks.transport import WebhookTransport
from tests.conftest import TEST_SECRET
from tests.portal.webhooks.receiver import Receiver

BODY = '{"type":"contact.updated","timestamp":"2026-01-15T09:00:00+00:00","data":{"id":"x"}}'


@pytest.fixture
async def transport() -> AsyncIterator[WebhookTransport]:
    transport = WebhookTransport(allow_private=True, timeout_seconds=0.5)
    yield transport
    await transport.close()


async def test_a_signed_request_verifies_with_the_standard_webhooks_library(
    transport: WebhookTransport, receiver: Receiver
) -> None:
    secret = new_secret()
    receiver.secrets = [secret, new_secret()]
    headers = signed_headers([secret], "evt_1", datetime.now(UTC), BODY)
    outcome = await transport.post(receiver.url, headers, BODY.encode())
    assert outcome.succeeded and outcome.status_code == 200
    (request,) = receiver.received
    assert request.verified_by == [secret]
    assert request.event_id == "evt_1"
    assert request.body == BODY.encode()


async def test_during_rotation_both_secrets_sign(
    transport: WebhookTransport, receiver: Receiver
) -> None:
    old, new = new_secret(), new_secret()
    receiver.secrets = [old, new]
    headers = signed_headers([new, old], "evt_2", datetime.now(UTC), BODY)
    assert len(headers["webhook-signature"].split(" ")) == 2
    await transport.post(receiver.url, headers, BODY.encode())
    assert receiver.received[0].verified_by == [old, new]


async def test_a_tampered_body_does_not_verify(
    transport: WebhookTransport, receiver: Receiver
) -> None:
    secret = new_secret()
    receiver.secrets = [secret]
    headers = signed_headers([secret], "evt_3", datetime.now(UTC), BODY)
    await transport.post(receiver.url, headers, BODY.replace("x", "y").encode())
    assert receiver.received[0].verified_by == []


async def test_errors_timeouts_and_redirects_are_failed_attempts(
    transport: WebhookTransport, receiver: Receiver
) -> None:
    receiver.answer_next(500, ("sleep", 2.0))
    headers = signed_headers([new_secret()], "evt_4", datetime.now(UTC), BODY)
    failed = await transport.post(receiver.url, headers, BODY.encode())
    assert (failed.status_code, failed.error) == (500, "HTTP 500")
    assert failed.response_excerpt == "scripted answer"
    slow = await transport.post(receiver.url, headers, BODY.encode())
    assert slow.status_code is None and slow.error == "timeout after 0.5 s"
    assert slow.duration_ms < 1500
    redirected = await transport.post(receiver.url.replace("/hook", "/redirect"), headers, b"{}")
    assert redirected.status_code == 307 and "redirects are not followed" in (
        redirected.error or ""
    )
    assert len(receiver.received) == 2  # the redirect's target saw nothing


async def test_private_addresses_are_refused_when_connecting(receiver: Receiver) -> None:
    guarded = WebhookTransport(allow_private=False, timeout_seconds=0.5)
    try:
        for url in (receiver.url, receiver.url.replace("127.0.0.1", "localhost")):
            outcome = await guarded.post(url, {"content-type": "application/json"}, b"{}")
            assert outcome.status_code is None
            assert outcome.error is not None and "not a public address" in outcome.error
    finally:
        await guarded.close()
    assert receiver.received == []


def test_sealed_secrets_open_only_with_the_secret_key() -> None:
    secret = new_secret()
    sealed = SecretSealer([TEST_SECRET]).seal(secret)
    assert secret not in sealed
    assert SecretSealer(["another-key", TEST_SECRET]).open(sealed) == secret
    with pytest.raises(Exception, match="no longer configured"):
        SecretSealer(["another-key-entirely"]).open(sealed)


async def test_the_readme_receiver_example_verifies_portals_requests() -> None:
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Webhooks", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    secret = new_secret()
    handled: list[tuple[str, Any]] = []
    namespace: dict[str, Any] = {"handle": lambda kind, data: handled.append((kind, data))}
    exec(code.replace("whsec_...", secret), namespace)  # noqa: S102 (our own README)
    app = Starlette(routes=[Route("/hook", namespace["receive"], methods=["POST"])])
    headers = signed_headers([secret], "evt_9", datetime.now(UTC), BODY)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as c:
        assert (await c.post("/hook", content=BODY, headers=headers)).status_code == 204
        forged = {
            **headers,
            "webhook-signature": signature_header([new_secret()], "evt_9", datetime.now(UTC), BODY),
        }
        assert (await c.post("/hook", content=BODY, headers=forged)).status_code == 400
    assert handled == [("contact.updated", {"id": "x"})]
