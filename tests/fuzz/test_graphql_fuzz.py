"""Schemathesis fuzzes every operation of both APIs from the committed SDL; no request may end
in a server error (a 5xx, or a GraphQL error with ``extensions.code`` INTERNAL_SERVER_ERROR).

The app runs with production settings, so an unexpected error is masked exactly as a client
would see it (and logged with its stack trace, which pytest shows on failure). The staff API is
fuzzed as an admin (bearer token), the customer API anonymously and as a logged-in customer.
Each operation is its own test with a fresh database, so a fuzzed ``logOut`` or
``deleteContact`` cannot starve the operations after it.

Bounded and deterministic: at most ``PORTAL_FUZZ_EXAMPLES`` examples per operation (default
10), derandomized, no example database. Bounded in time: the fuzzing of one run takes about
``PORTAL_FUZZ_SECONDS`` of wall-clock time (default 30, or 3 s per example when more than 10) plus one
example. Each operation may take new examples for an equal part of the time left (what a
quick one leaves over goes to those after it), always runs its first one, and skips the rest
once its part is spent; once the whole budget is spent, the remaining operations are skipped
without touching a database. No example fails for being slow (no Hypothesis deadline): a
slow machine fuzzes less, reported as skipped, and does not fail.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes

from portal.app.runtime import Runtime
from portal.config import Settings
from tests.conftest import GraphQLClient
from tests.factories import log_in_customer, log_in_staff, make_customer

pytestmark = pytest.mark.fuzz

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "10"))
# 30 s, or 3 s per example when more than 10 are asked for: more examples get more time.
SECONDS = float(os.environ.get("PORTAL_FUZZ_SECONDS", str(max(30, 3 * EXAMPLES))))

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


# Staff, anonymous and customer operations take turns, so a run cut short by its time budget
# still fuzzed part of each.
_GROUPS = [
    [("/admin/graphql", "staff", operation) for operation in _operations("admin.graphql")],
    *(
        [("/graphql", who, operation) for operation in _operations("portal.graphql")]
        for who in ("anonymous", "customer")
    ),
]
TARGETS = [
    group[turn]
    for turn in range(max(len(group) for group in _GROUPS))
    for group in _GROUPS
    if turn < len(group)
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Production: unexpected errors are masked and marked as a client sees them. The fuzzed
    staff member logs in with a password alone (2FA has its own tests), so every staff field is
    reached rather than refused for a missing second factor."""
    return settings.with_changes(env="production", staff_require_2fa=False)


@dataclass
class RunBudget:
    """The wall-clock time this run's fuzzing may take, shared by the operations still to go."""

    seconds: float
    operations: int
    deadline: float | None = None

    def left(self) -> float:
        now = time.monotonic()
        if self.deadline is None:
            self.deadline = now + self.seconds
        return self.deadline - now

    def part(self) -> float:
        """The moment the next operation should stop taking new examples: an equal part of
        what is left, so what a quick operation leaves over goes to those after it."""
        return time.monotonic() + max(self.left(), 0.0) / max(self.operations, 1)


@dataclass
class OperationBudget:
    """One operation's part of the run. A failure lifts the limit, so Hypothesis can replay and
    shrink it."""

    run: RunBudget
    until: float | None = None
    examples: int = 0
    failed: bool = False

    def allows_another(self) -> bool:
        if self.until is None:
            self.until = self.run.part()
        return self.failed or self.examples == 0 or time.monotonic() < self.until


@pytest.fixture(scope="session")
def run_budget(request: pytest.FixtureRequest) -> RunBudget:
    selected = [item for item in request.session.items if item.get_closest_marker("fuzz")]
    return RunBudget(SECONDS, len(selected))


@pytest.fixture
def budget(run_budget: RunBudget) -> OperationBudget:
    """Set up before the database and the login (first in the test's arguments), so an
    operation whose turn comes after the run's time is spent costs nothing."""
    run_budget.operations -= 1
    if run_budget.left() <= 0:
        pytest.skip("PORTAL_FUZZ_SECONDS was spent before this operation's turn")
    return OperationBudget(run_budget)


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
    budget: OperationBudget,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    path: str,
    who: str,
    operation: Any,
    data: st.DataObject,
) -> None:
    # Drawn first: Hypothesis replays examples and needs each to draw the same data each time.
    case = data.draw(operation.as_strategy(), label="case")
    if not budget.allows_another():
        pytest.skip(
            "fuzzed until its part of PORTAL_FUZZ_SECONDS was spent; other examples skipped"
        )
    budget.examples += 1
    try:
        response = await client.post(path, json={"query": case.body}, headers=headers)
        assert_no_server_error(response, case.body)
    except BaseException:
        budget.failed = True
        raise
