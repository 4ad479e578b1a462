"""The HTTP surface of create_app: health, GraphiQL, both APIs kept apart, bad requests."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from tests.conftest import GraphQLClient


async def test_healthz_and_readyz(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "up"}


async def test_readyz_reports_an_unreachable_database(settings: Any, tmp_path: Any) -> None:
    broken = settings.with_changes(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", env="test"
    )
    runtime = Runtime.build(broken)
    app = create_app(runtime=runtime)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            response = await client.get("/readyz")
    finally:
        await runtime.close()
    assert response.status_code == 503
    assert response.json()["database"] == "down"


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_typename_answers_on_both_endpoints(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, json={"query": "{ __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_graphiql_only_in_development(
    client: httpx.AsyncClient, settings: Any, path: str
) -> None:
    assert (await client.get(path, headers={"accept": "text/html"})).status_code == 404
    runtime = Runtime.build(settings.with_changes(env="development"))
    app = create_app(runtime=runtime)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as dev:
            page = await dev.get(path, headers={"accept": "text/html"})
    finally:
        await runtime.close()
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def test_customer_api_never_reaches_a_staff_field(portal_api: GraphQLClient) -> None:
    for document in [
        "{ me { email } }",
        "{ contacts(first: 1) { totalCount } }",
        'mutation { staffLogIn(email: "a@b.de", password: "x") { token } }',
    ]:
        response = await portal_api.post(document)
        body = response.json()
        assert body.get("data") is None
        message = body["errors"][0]["message"]
        assert "Cannot query field" in message or "not supported by the schema" in message


async def test_portal_info_is_public(portal_api: GraphQLClient) -> None:
    data = await portal_api.data("{ portalInfo { name defaultLanguage publicUrl } }")
    assert data["portalInfo"] == {
        "name": "Customer Portal",
        "defaultLanguage": "de",
        "publicUrl": "https://portal.example.test",
    }


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400),
        ({"json": {"query": "{ __typename "}}, 200),
        ({"json": {"query": 42}}, 400),
        ({"json": {"variables": {}}}, 400),
        # A simple (no-preflight) content type: refused as a CSRF vector.
        ({"content": b"query=x", "headers": {"content-type": "text/plain"}}, 415),
        # JSON that is not an object was an AttributeError (500).
        ({"content": b'"{ __typename }"', "headers": {"content-type": "application/json"}}, 400),
        ({"content": b"null", "headers": {"content-type": "application/json"}}, 400),
        ({"content": b"42", "headers": {"content-type": "application/json"}}, 400),
        ({"params": {"query": "{ __typename }", "variables": "7"}, "method": "GET"}, 400),
    ],
)
async def test_malformed_requests_get_clear_errors_not_500(
    client: httpx.AsyncClient, kwargs: dict[str, Any], status: int
) -> None:
    method = kwargs.pop("method", "POST")
    response = await client.request(method, "/admin/graphql", **kwargs)
    assert response.status_code == status
    if status == 200:
        assert response.json()["errors"][0]["message"].startswith("Syntax Error")


async def test_mutations_over_get_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/admin/graphql",
        params={"query": 'mutation { staffLogIn(email: "a@b.de", password: "x") { token } }'},
    )
    assert response.status_code == 400


def test_start_up_heap_is_frozen_out_of_full_collections() -> None:
    import gc

    from portal.app.asgi import freeze_startup_heap

    before = gc.get_freeze_count()
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
