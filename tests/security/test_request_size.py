"""Request size is bounded before anything is parsed (issue 16, item 3): the raw body (JSON and
multipart, each with its own limit) and the GraphQL document's length in bytes, which comments
and long string literals count towards (the token limit does not see comments and counts a
literal as one token)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from portal.app.runtime import Runtime
from portal.config import Settings
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff

JSON_LIMIT = 4096
MULTIPART_LIMIT = 64 * 1024
DOCUMENT_LIMIT = 2048
DRY_RUN = """mutation I($file: Upload!) {
  importContacts(file: $file, options: {dryRun: true}) { rows } }"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_changes(
        max_json_body_bytes=JSON_LIMIT,
        max_multipart_body_bytes=MULTIPART_LIMIT,
        graphql_max_document_bytes=DOCUMENT_LIMIT,
    )


def assert_too_large(response: httpx.Response, maximum: int) -> None:
    assert response.status_code == 413, response.text
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "PAYLOAD_TOO_LARGE", "maximumBytes": maximum}


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_a_json_body_over_its_limit_is_refused_with_413(
    client: httpx.AsyncClient, path: str
) -> None:
    variables = {"padding": "x" * JSON_LIMIT}
    response = await client.post(path, json={"query": "{ __typename }", "variables": variables})
    assert_too_large(response, JSON_LIMIT)
    # Just under the limit is answered as usual.
    small = await client.post(path, json={"query": "{ __typename }", "variables": {"p": "x"}})
    assert small.status_code == 200
    assert small.json()["data"] == {"__typename": "Query"}


async def test_a_body_without_content_length_is_counted_as_it_arrives(
    client: httpx.AsyncClient,
) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename }", "variables": {"p": "'
        for _ in range(1000):  # 1 MB in all, unless refused on the way
            sent.append(1)
            yield b"x" * 1000
        yield b'"}}'

    response = await client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_too_large(response, JSON_LIMIT)


async def test_a_multipart_body_has_its_own_larger_limit(
    admin_api: GraphQLClient, runtime: Runtime, client: httpx.AsyncClient
) -> None:
    await log_in_staff(admin_api, runtime)

    async def upload(size: int) -> httpx.Response:
        row = b"Anna,Kunde,anna@example.de\n"
        csv = b"first_name,last_name,email\n" + row * (size // len(row) + 1)  # over size
        return await client.post(
            "/admin/graphql",
            headers={"authorization": f"Bearer {admin_api.token}"},
            data={
                "operations": json.dumps({"query": DRY_RUN, "variables": {"file": None}}),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": ("contacts.csv", csv, "text/csv")},
        )

    # Larger than a JSON body may be, within the multipart limit: answered.
    accepted = await upload(JSON_LIMIT * 4)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["data"]["importContacts"]["rows"] > 0
    assert_too_large(await upload(MULTIPART_LIMIT), MULTIPART_LIMIT)


@pytest.mark.parametrize(
    "document",
    [
        pytest.param("# " + "c" * DOCUMENT_LIMIT + "\n{ __typename }", id="comment"),
        pytest.param('{ __typename(x: "' + "y" * DOCUMENT_LIMIT + '") }', id="string-literal"),
        pytest.param("{ __typename }" + " " * DOCUMENT_LIMIT, id="whitespace"),
    ],
)
async def test_a_document_over_its_byte_limit_is_refused_before_parsing(
    portal_api: GraphQLClient, document: str
) -> None:
    assert len(document.encode()) < JSON_LIMIT  # the body passes; the document does not
    body = await portal_api(document)
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_LARGE", "maximumBytes": DOCUMENT_LIMIT}
    assert body.get("data") is None


async def test_a_document_within_its_byte_limit_passes(portal_api: GraphQLClient) -> None:
    document = "# " + "c" * (DOCUMENT_LIMIT - 100) + "\n{ __typename }"
    assert (await portal_api.data(document)) == {"__typename": "Query"}


async def test_the_limits_default_to_sane_sizes(runtime: Runtime) -> None:
    defaults = Settings()
    assert defaults.max_json_body_bytes == 2 * 1024 * 1024
    assert defaults.max_multipart_body_bytes == 51 * 1024 * 1024
    assert defaults.graphql_max_document_bytes == 100_000
