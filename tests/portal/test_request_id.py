"""Every HTTP response carries ``X-Request-Id``: the client's own when it is sane."""

from __future__ import annotations

import re

import httpx
import pytest

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/graphql", 200),
        ("POST", "/admin/graphql", 200),
        ("GET", "/healthz", 200),
        ("GET", "/graphql", 404),  # no query, no GraphiQL outside development
        ("PUT", "/graphql", 405),
        ("GET", "/nowhere", 404),
    ],
)
async def test_every_response_has_a_request_id(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    json = {"query": "{ __typename }"} if method == "POST" else None
    response = await client.request(method, path, json=json)
    assert response.status_code == status
    assert GENERATED.fullmatch(response.headers["x-request-id"])


async def test_each_request_gets_its_own_id(client: httpx.AsyncClient) -> None:
    ids = {(await client.get("/healthz")).headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


async def test_a_400_carries_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": "{ __typename }"}])
    assert response.status_code == 400
    assert GENERATED.fullmatch(response.headers["x-request-id"])


@pytest.mark.parametrize(
    "inbound", ["3f2a9c1e-8b4d-4e7a-9c2b-1d5e6f7a8b9c", "01HZX3K9V7Q2M8N4P6R5T0W1Y2", "lb.1:a_b-c"]
)
async def test_a_sane_inbound_id_is_kept(client: httpx.AsyncClient, inbound: str) -> None:
    response = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": inbound}
    )
    assert response.headers["x-request-id"] == inbound


@pytest.mark.parametrize(
    "inbound", ["", "a" * 129, "id with spaces", "x\u00e9", "evil\\nline", "<script>"]
)
async def test_an_insane_inbound_id_is_replaced(client: httpx.AsyncClient, inbound: str) -> None:
    response = await client.get("/healthz", headers={"x-request-id": inbound.encode()})
    assert GENERATED.fullmatch(response.headers["x-request-id"])
