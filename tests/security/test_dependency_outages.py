"""A configured dependency that is down is a typed, retryable answer and a failed readiness
check, never a 500 (issue 16, item 13): with ``PORTAL_REDIS_URL`` set and Redis unreachable,
every request that must count an attempt (logins, registration, reset and activation mails)
answers ``SERVICE_UNAVAILABLE`` with HTTP 503 and ``Retry-After``, and ``/readyz`` reports the
instance not ready."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from portal.config import Settings
from tests.factories import CUSTOMER_LOG_IN, STAFF_LOG_IN, make_customer, make_staff

# Nothing listens on port 1: connections are refused at once, as when Redis is down.
REDIS_DOWN = "redis://127.0.0.1:1/0"
REDIS_UP = "redis://127.0.0.1:6379/15"
REGISTER = """mutation R($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { accepted errors { code } } }"""
REQUEST_RESET = "mutation R($e: String!) { requestPasswordReset(email: $e) { accepted } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_changes(redis_url=REDIS_DOWN)


async def _post(
    client: httpx.AsyncClient, path: str, query: str, variables: dict[str, Any]
) -> httpx.Response:
    return await client.post(path, json={"query": query, "variables": variables})


REQUESTS = {
    "logIn": (
        "/graphql",
        CUSTOMER_LOG_IN,
        {"email": "kunde@example.de", "password": "Sonnenblume-2026"},
    ),
    "staffLogIn": (
        "/admin/graphql",
        STAFF_LOG_IN,
        {"email": "admin@example.com", "password": "correct horse battery staple"},
    ),
    "registerCustomer": (
        "/graphql",
        REGISTER,
        {
            "input": {
                "email": "neu@example.de",
                "password": "Kirschbaum-im-Mai",
                "firstName": "Nina",
                "lastName": "Neu",
                "existingCustomer": False,
                "acceptTerms": True,
                "language": "de",
            }
        },
    ),
    "requestPasswordReset": ("/graphql", REQUEST_RESET, {"e": "kunde@example.de"}),
}


@pytest.mark.parametrize("operation", REQUESTS)
async def test_with_redis_down_throttled_requests_answer_service_unavailable(
    operation: str, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    await make_staff(runtime)
    path, query, variables = REQUESTS[operation]
    response = await _post(client, path, query, variables)
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "10"
    body = response.json()
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "retryAfter": 10}
    assert error["path"] == [operation]
    assert body["data"] is None


async def test_readyz_reports_redis_down(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "up", "redis": "down"}


@pytest.fixture
async def redis_up(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    redis = pytest.importorskip("redis.asyncio")
    probe = redis.Redis.from_url(REDIS_UP)
    try:
        await probe.ping()
    except Exception:  # pragma: no cover - Redis is part of the CI machine
        pytest.skip("no Redis on 127.0.0.1:6379")
    finally:
        await probe.aclose()
    runtime = Runtime.build(settings.with_changes(redis_url=REDIS_UP))
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client
    finally:
        await runtime.close()


async def test_readyz_checks_redis_when_configured(redis_up: httpx.AsyncClient) -> None:
    response = await redis_up.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up", "redis": "up"}
