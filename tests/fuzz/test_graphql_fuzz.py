"""Schemathesis fuzzes every operation of both APIs from the committed SDL; no request may end
in a server error (a 5xx, or a GraphQL error with ``extensions.code`` INTERNAL_SERVER_ERROR).

The app runs with production settings, so an unexpected error is masked exactly as a client
would see it (and logged with its stack trace, which pytest shows on failure). The staff API is
fuzzed as an admin (bearer token), the customer API anonymously and as a logged-in customer.
Each operation is its own test with a fresh database, so a fuzzed ``logOut`` or
``deleteContact`` cannot starve the operations after it.

Bounded and deterministic: ``PORTAL_FUZZ_EXAMPLES`` examples per operation (default 10),
derandomized, no example database.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from portal.config import Settings
from portal.runtime import Runtime
from tests.conftest import GraphQLClient
from tests.factories import log_in_customer, log_in_staff, make_customer

pytestmark = pytest.mark.fuzz

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "10"))

# Scalars schemathesis has no strategy for: valid values and junk, as a client could send.
schemathesis.graphql.scalar(
    "Decimal", st.one_of(st.decimals().map(str), st.text(max_size=10)).map(nodes.String)
)
schemathesis.graphql.scalar(
    "Upload", st.one_of(st.text(max_size=10).map(nodes.String), st.just(nodes.Null))
)


def _operations(sdl: str) -> list[Any]:
    schema = schemathesis.graphql.from_path(SCHEMA_DIR / sdl)
    return [result.ok() for result in schema.get_all_operations()]


TARGETS = [("/admin/graphql", "staff", operation) for operation in _operations("admin.graphql")] + [
    ("/graphql", who, operation)
    for who in ("anonymous", "customer")
    for operation in _operations("portal.graphql")
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Production: unexpected errors are masked and marked as a client sees them."""
    return settings.with_changes(env="production")


def assert_no_server_error(response: httpx.Response, query: str) -> None:
    context = f"\n--- query:\n{query}\n--- response {response.status_code}:\n{response.text[:2000]}"
    assert response.status_code < 500, context
    if response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        errors = (body.get("errors") or []) if isinstance(body, dict) else []
        codes = [(error.get("extensions") or {}).get("code") for error in errors]
        assert "INTERNAL_SERVER_ERROR" not in codes, context


@pytest.fixture
async def headers(
    client: httpx.AsyncClient, runtime: Runtime, path: str, who: str
) -> dict[str, str]:
    """The credentials of ``who``: a staff bearer token, a customer's, or none."""
    api = GraphQLClient(client, path)
    if who == "staff":
        await log_in_staff(api, runtime)
    elif who == "customer":
        await make_customer(runtime)
        await log_in_customer(api)
    return {"authorization": f"Bearer {api.token}"} if api.token else {}


@pytest.mark.parametrize(
    ("path", "who", "operation"),
    TARGETS,
    ids=[f"{who}-{operation.label}" for _, who, operation in TARGETS],
)
@hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    # The fixtures (database, login) are shared by the examples of a test on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_fuzzed_operation_never_causes_a_server_error(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    path: str,
    who: str,
    operation: Any,
    data: st.DataObject,
) -> None:
    case = data.draw(operation.as_strategy(), label="case")
    response = await client.post(path, json={"query": case.body}, headers=headers)
    assert_no_server_error(response, case.body)
