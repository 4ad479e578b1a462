"""The request boundary: one transaction per request, rolled back on unexpected errors, and
errors masked in production."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.db import ReadOnlyViolation
from portal.models import Contact, PortalSession
from portal.services import contacts
from tests.conftest import GraphQLClient
from tests.factories import log_in_customer, log_in_staff, make_customer

TWO_MUTATIONS = """
mutation {
  first: createContact(input: {lastName: "Erster"}) { contact { id } errors { code } }
  second: setExternalReference(contactId: "x", sourceSystem: "POS", externalId: "1") { errors { code } }
}
"""


async def _contacts(runtime: Runtime) -> int:
    async with runtime.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Contact)) or 0)


async def test_an_unexpected_error_rolls_back_the_whole_request(
    admin_api: GraphQLClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await log_in_staff(admin_api, runtime)

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr(contacts, "require_contact", broken)
    body = await admin_api(TWO_MUTATIONS)
    # The first mutation ran, the second failed unexpectedly: nothing of the request is kept.
    assert "SELECT secret" in body["errors"][0]["message"]  # (not masked outside production)
    assert await _contacts(runtime) == 0
    monkeypatch.undo()
    await admin_api.data(
        'mutation { createContact(input: {lastName: "Danach"}) { errors { code } } }'
    )
    assert await _contacts(runtime) == 1


async def test_production_masks_unexpected_errors_with_the_request_id_as_incident(
    settings: Any,
    runtime: Runtime,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The fixture's runtime cleans the shared database up afterwards; this one is production.
    del runtime
    # A staff member without a second factor reaches contacts only where it is not required.
    production = Runtime.build(settings.with_changes(env="production", staff_require_2fa=False))
    app = create_app(runtime=production)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="https://t"
        ) as http:
            api = GraphQLClient(http, "/admin/graphql")
            await log_in_staff(api, production)

            async def broken(*args: Any, **kwargs: Any) -> Any:
                raise RuntimeError("password=hunter2 at /srv/portal/db.py")

            monkeypatch.setattr(contacts, "list_contacts", broken)
            with caplog.at_level(logging.ERROR, logger="portal.web"):
                response = await api.post("{ contacts { totalCount } }")
    finally:
        await production.close()
    body = response.json()
    (error,) = body["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    # The incident is the request id: in the response header and in the log line.
    assert error["extensions"]["incident"] == response.headers["x-request-id"]
    (record,) = [r for r in caplog.records if r.name == "portal.web"]
    assert response.headers["x-request-id"] in record.getMessage()
    assert "hunter2" not in str(body)


async def test_a_query_reads_without_waiting_for_a_writer(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    """A query's unit of work is read-only: on SQLite it takes no write lock, so it answers
    while another transaction holds that lock (a login in the middle of its writes)."""
    await make_customer(runtime)
    await log_in_customer(portal_api)
    async with runtime.database.transaction() as writer:
        await writer.execute(
            update(Contact).where(Contact.last_name == "Kunde").values(notes="being written")
        )  # the write lock is held from here until the block ends
        body = await asyncio.wait_for(portal_api.data("{ viewer { email } }"), timeout=10)
        assert body == {"viewer": {"email": "kunde@example.de"}}


async def test_a_query_records_the_sessions_last_visit_after_it(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    """The idle timeout needs the session's last visit; a query records it in a transaction
    of its own once it has answered, so the query itself never writes."""
    await make_customer(runtime)
    await log_in_customer(portal_api)
    clock.advance(timedelta(minutes=5))
    assert await portal_api.data("{ viewer { email } }") == {
        "viewer": {"email": "kunde@example.de"}
    }
    async with runtime.database.transaction() as session:
        seen = await session.scalar(select(func.max(PortalSession.last_seen_at)))
    assert seen == clock()


async def test_a_field_error_that_cancels_a_sibling_statement_is_no_server_error(
    portal_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    """A field that fails nulls its parent object, and GraphQL cancels the parent's other
    fields, one of which may be in the middle of a statement: its connection can then only
    roll back. A query's unit of work wrote nothing, so it ends with a rollback; the answer
    keeps the field's error and the last visit is still recorded (found by the fuzz tests on
    PostgreSQL)."""
    await make_customer(runtime)
    await log_in_customer(portal_api)
    clock.advance(timedelta(minutes=5))
    for _ in range(10):
        response = await portal_api.post(
            "{ viewer { contact { tags history(first: -1) { description } } } }"
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["data"] == {"viewer": {"contact": None}}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    async with runtime.database.transaction() as session:
        seen = await session.scalar(select(func.max(PortalSession.last_seen_at)))
    assert seen == clock()


async def test_a_read_only_session_refuses_to_write(runtime: Runtime) -> None:
    session = runtime.database.new_session(read_only=True)
    try:
        session.add(Contact(customer_number=999_999, last_name="Nie"))
        with pytest.raises(ReadOnlyViolation, match="Contact"):
            await session.flush()
    finally:
        await session.rollback()
        await session.close()
    assert await _contacts(runtime) == 0
