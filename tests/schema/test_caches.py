"""Parse and validation caches: repeated documents skip both steps, and a cached answer is
always the answer the uncached path would give."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from portal.config import Settings
from schema.common import caches

INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.fixture
async def make_client(settings: Settings) -> AsyncIterator[Any]:
    runtimes: list[Runtime] = []

    async def make(**changes: Any) -> httpx.AsyncClient:
        runtime = Runtime.build(settings.with_changes(**changes))
        runtimes.append(runtime)
        transport = httpx.ASGITransport(app=create_app(runtime=runtime))
        return httpx.AsyncClient(transport=transport, base_url="https://t")

    yield make
    for runtime in runtimes:
        await runtime.close()


async def test_a_repeated_document_is_parsed_and_validated_once(make_client: Any) -> None:
    document = "query Cached { portalInfo { name } }"
    async with await make_client() as http:
        parsed, validated = caches._parse.cache_info(), caches._validate.cache_info()
        for _ in range(3):
            body = (await http.post("/graphql", json={"query": document})).json()
            assert body == {"data": {"portalInfo": {"name": "Customer Portal"}}}
    assert caches._parse.cache_info().misses == parsed.misses + 1
    assert caches._parse.cache_info().hits >= parsed.hits + 2
    assert caches._validate.cache_info().misses == validated.misses + 1
    assert caches._validate.cache_info().hits >= validated.hits + 2


async def test_cached_answers_are_the_uncached_answers(make_client: Any) -> None:
    async with await make_client() as http:
        for _ in range(2):
            invalid = (await http.post("/graphql", json={"query": "{ noSuchField }"})).json()
            assert "Cannot query field 'noSuchField'" in invalid["errors"][0]["message"]
            broken = (await http.post("/graphql", json={"query": "{ portalInfo { "})).json()
            assert broken["errors"][0]["message"].startswith("Syntax Error")
    # The same text with other rules (production refuses introspection) is a separate entry.
    async with await make_client(env="development") as http:
        allowed = (await http.post("/graphql", json={"query": INTROSPECTION})).json()
    assert allowed == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    async with await make_client(env="production") as http:
        refused = (await http.post("/graphql", json={"query": INTROSPECTION})).json()
    assert refused["errors"][0]["extensions"]["code"] == "INTROSPECTION_DISABLED"
