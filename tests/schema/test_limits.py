"""GraphQL limits on both APIs: depth, aliases, tokens, root fields, estimated cost and
introspection, refused before execution with a top-level error code."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import strawberry
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.routing import Route

from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from portal.app.web import UnitOfWorkGraphQL
from portal.config import Settings
from portal.models import Contact
from schema.common.limits import GraphQLLimits
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.schema.admin.contact_documents import FIELDS

DEEP = "{ contacts { edges { node { a { b { c { d { e { f { g { h } } } } } } } } } } }"
ALIASES = "{ portalInfo { " + " ".join(f"a{i}: name" for i in range(50)) + " } }"
HUGE = "{ portalInfo { " + " name" * 5000 + " } }"
ROOT_FIELDS = "{ " + " portalInfo { name }" * 16 + " }"
CREATE = """
mutation { createContact(input: {lastName: "Nie"}) { contact { groups { id } } errors { code } } }
"""
PAGE = """
query Page($first: Int) {
  contacts(first: $first) { edges { node { id lastName firstName email city } } }
}
"""
# A contact list with every column, a full page: the heaviest thing a frontend asks for.
FULL_PAGE = f"""
query {{
  contacts(first: 100) {{
    totalCount
    edges {{ cursor node {{ {FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""
INTROSPECTION = [
    "{ __schema { queryType { name } } }",
    '{ __type(name: "Query") { name } }',
    "query { __typename ... on Query { __schema { types { name } } } }",
]


def codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


@pytest.fixture
async def make_client(settings: Settings) -> AsyncIterator[Any]:
    """An HTTP client against ``create_app`` with some settings changed."""
    runtimes: list[Runtime] = []

    async def make(**changes: Any) -> httpx.AsyncClient:
        runtime = Runtime.build(settings.with_changes(**changes))
        runtimes.append(runtime)
        transport = httpx.ASGITransport(app=create_app(runtime=runtime))
        return httpx.AsyncClient(transport=transport, base_url="https://t")

    yield make
    for runtime in runtimes:
        await runtime.close()


async def _contacts(runtime: Runtime) -> int:
    async with runtime.database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(Contact)) or 0)


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_a_deep_document_is_refused_before_validation(
    client: httpx.AsyncClient, path: str
) -> None:
    body = (await client.post(path, json={"query": DEEP})).json()
    assert body["data"] is None
    # The only error is the depth: the document was not validated further (unknown fields).
    assert codes(body) == ["QUERY_TOO_DEEP"]
    assert body["errors"][0]["extensions"]["maximum"] == 10


async def test_depth_limit_comes_from_settings_and_nothing_executes(
    make_client: Any, runtime: Runtime
) -> None:
    async with await make_client(graphql_max_depth=3) as http:
        api = GraphQLClient(http, "/admin/graphql")
        await log_in_staff(api, runtime)  # staffLogIn > errors > code: 3 levels
        body = await api(CREATE)  # createContact > contact > groups > id: 4 levels
    assert codes(body) == ["QUERY_TOO_DEEP"]
    assert body["data"] is None
    assert await _contacts(runtime) == 0


async def test_fifty_aliases_are_refused(portal_api: GraphQLClient) -> None:
    body = await portal_api(ALIASES)
    assert codes(body) == ["TOO_MANY_ALIASES"]
    assert body["errors"][0]["extensions"] == {
        "code": "TOO_MANY_ALIASES",
        "actual": 50,
        "maximum": 15,
    }


async def test_aliases_inside_fragments_count_each_time_used(portal_api: GraphQLClient) -> None:
    aliases = " ".join(f"a{i}: name" for i in range(8))
    document = "query { ...A ...A } fragment A on Query { portalInfo { " + aliases + " } }"
    assert codes(await portal_api(document)) == ["TOO_MANY_ALIASES"]


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_a_huge_document_is_refused_by_its_token_count(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(path, json={"query": HUGE})
    body = response.json()
    assert body["data"] is None
    assert codes(body) == ["QUERY_TOO_LARGE"]
    assert response.headers["x-request-id"]  # a refusal names its request too


async def test_a_syntax_error_is_not_mistaken_for_a_large_document(
    portal_api: GraphQLClient,
) -> None:
    body = await portal_api("{ portalInfo { name }")
    assert body["errors"][0]["message"].startswith("Syntax Error")
    assert codes(body) == [None]


async def test_many_root_fields_are_refused(portal_api: GraphQLClient) -> None:
    body = await portal_api(ROOT_FIELDS)
    assert codes(body) == ["TOO_MANY_ROOT_FIELDS"]
    assert "16 root fields" in body["errors"][0]["message"]


async def test_cost_multiplies_by_first_and_the_limit_comes_from_settings(
    make_client: Any, runtime: Runtime
) -> None:
    async with await make_client(graphql_max_cost=1000) as http:
        api = GraphQLClient(http, "/admin/graphql")
        await log_in_staff(api, runtime)
        # 1 + first * (edges + node + 5 fields)
        assert "errors" not in await api(PAGE, {"first": 50})  # 351
        assert "errors" not in await api(PAGE.replace("$first: Int", "$first: Int = 100"))
        # The variable's default of 10 is estimated (161), not the maximum page size (1601).
        heavy = PAGE.replace("$first: Int", "$first: Int = 10").replace("city", "city " * 10)
        assert "errors" not in await api(heavy)
        assert codes(await api(heavy, {"first": 100})) == ["QUERY_TOO_COMPLEX"]
        refused = await api(
            PAGE.replace("firstName", "firstName street postalCode country"), {"first": 100}
        )
    assert codes(refused) == ["QUERY_TOO_COMPLEX"]
    assert refused["errors"][0]["extensions"]["actual"] == 1 + 100 * 10
    assert refused["data"] is None


async def test_first_is_capped_at_the_maximum_page_size_for_the_estimate(
    make_client: Any, runtime: Runtime
) -> None:
    async with await make_client(graphql_max_cost=1000) as http:
        api = GraphQLClient(http, "/admin/graphql")
        await log_in_staff(api, runtime)
        body = await api(PAGE, {"first": 10**9})
    # Estimated as 100 (701, allowed); the list itself refuses a page size over 100.
    assert codes(body) == ["BAD_USER_INPUT"]


async def test_a_full_contact_page_with_every_field_passes(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    data = await admin_api.data(FULL_PAGE)
    assert data["contacts"]["totalCount"] == 0


@strawberry.type
class Member:
    name: str


@strawberry.type
class Team:
    @strawberry.field
    def members(self, first: int = 20) -> list[Member]:
        return [Member(name=f"m{i}") for i in range(first)]


@strawberry.type
class NestedQuery:
    @strawberry.field
    def teams(self, first: int = 20) -> list[Team]:
        return [Team() for _ in range(first)]


NESTED_SCHEMA = strawberry.Schema(query=NestedQuery, extensions=[GraphQLLimits])


async def test_a_page_of_100_under_a_page_of_100_is_too_complex(runtime: Runtime) -> None:
    # Neither API nests lists with `first` yet; this schema does, behind the same view.
    view = UnitOfWorkGraphQL(NESTED_SCHEMA, runtime, graphiql=False)
    app = Starlette(routes=[Route("/graphql", view, methods=["POST"])])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        api = GraphQLClient(http, "/graphql")
        allowed = await api.data("{ teams(first: 10) { members(first: 100) { name } } }")
        refused = await api("{ teams(first: 100) { members(first: 100) { name } } }")
        by_default = await api("{ teams(first: 100) { members { name } } }")
    assert len(allowed["teams"]) == 10
    assert codes(refused) == ["QUERY_TOO_COMPLEX"]
    assert refused["errors"][0]["extensions"]["actual"] == 1 + 100 * (1 + 100)
    assert "errors" not in by_default  # members' default of 20: 1 + 100 * 21


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_introspection_is_refused_in_production(make_client: Any, path: str) -> None:
    async with await make_client(env="production") as http:
        for document in INTROSPECTION:
            body = (await http.post(path, json={"query": document})).json()
            assert codes(body) == ["INTROSPECTION_DISABLED"], document
            assert body["data"] is None
        typename = (await http.post(path, json={"query": "{ __typename }"})).json()
    assert typename == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("env", ["development", "test"])
async def test_introspection_is_allowed_outside_production(make_client: Any, env: str) -> None:
    async with await make_client(env=env) as http:
        for path in ["/graphql", "/admin/graphql"]:
            body = (await http.post(path, json={"query": INTROSPECTION[0]})).json()
            assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_a_batch_of_operations_is_refused(client: httpx.AsyncClient, path: str) -> None:
    response = await client.post(path, json=[{"query": "{ __typename }"}] * 2)
    assert response.status_code == 400
    assert "Batching is not enabled" in response.text


async def test_mutations_over_get_are_refused_and_not_executed(
    admin_api: GraphQLClient, client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    response = await client.get(
        "/admin/graphql",
        params={"query": CREATE},
        headers={"authorization": f"Bearer {admin_api.token}"},
    )
    assert response.status_code == 400
    assert "mutations are not allowed when using GET" in response.text
    assert await _contacts(runtime) == 0
    portal = await client.get(
        "/graphql", params={"query": "mutation { logOut { errors { code } } }"}
    )
    assert portal.status_code == 400


async def test_a_fragment_bomb_is_measured_in_linear_time(portal_api: GraphQLClient) -> None:
    # Each fragment uses the next twice: 2**40 fields if expanded, 41 fragments to measure.
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
    document = f"query {{ ...F0 }} {fragments} fragment F40 on Query {{ portalInfo {{ name }} }}"
    body = await portal_api(document)
    assert set(codes(body)) == {"TOO_MANY_ROOT_FIELDS", "QUERY_TOO_COMPLEX"}
    assert body["errors"][1]["extensions"]["actual"] == 2 * 2**40


# Per API: a root field with a nested scalar, and a page whose estimated cost is known.
LEAF = {"/graphql": "portalInfo { name }", "/admin/graphql": "permissionVocabulary { __typename }"}
PAGE_OF_100 = {
    # 1 + 100 * (edges 1 + node (1 + 6 fields)) = 801
    "/graphql": "directory(first: 100) { edges { node { id firstName lastName companyName city website } } }",
    # 1 + 100 * (edges 1 + node (1 + 10 fields)) = 1201
    "/admin/graphql": "contacts(first: 100) { edges { node { id lastName firstName email city street postalCode country phone1 website } } }",
}
PAGE_COST = {"/graphql": 801, "/admin/graphql": 1201}


def nested(levels: int) -> str:
    return "{ " + "a { " * (levels - 1) + "b" + " }" * (levels - 1) + " }"


def documents(path: str, code: str, over: bool) -> str:
    """A document just over (or exactly at) one default limit, and within every other."""
    root, _, rest = LEAF[path].partition(" ")
    leaf = rest.strip("{} ")
    if code == "QUERY_TOO_DEEP":
        return nested(11 if over else 10)
    if code == "TOO_MANY_ALIASES":
        count = 16 if over else 15
        return "{ " + root + " { " + " ".join(f"a{i}: {leaf}" for i in range(count)) + " } }"
    if code == "TOO_MANY_ROOT_FIELDS":
        return "{ " + f" {LEAF[path]}" * (16 if over else 15) + " }"
    if code == "QUERY_TOO_LARGE":
        return "{ " + root + " { " + f" {leaf}" * (2000 if over else 1990) + " } }"
    assert code == "QUERY_TOO_COMPLEX"
    pages = 10_000 // PAGE_COST[path] + (1 if over else 0)
    return "{ " + " ".join(f"p{i}: {PAGE_OF_100[path]}" for i in range(pages)) + " }"


LIMIT_CODES = [
    "QUERY_TOO_DEEP",
    "TOO_MANY_ALIASES",
    "TOO_MANY_ROOT_FIELDS",
    "QUERY_TOO_LARGE",
    "QUERY_TOO_COMPLEX",
]


@pytest.mark.parametrize("env", ["test", "production"])
@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_every_limit_holds_on_both_apis_in_every_environment(
    make_client: Any, runtime: Runtime, path: str, env: str
) -> None:
    async with await make_client(env=env) as http:
        api = GraphQLClient(http, path)
        if path == "/admin/graphql":
            await log_in_staff(api, runtime)
        for code in LIMIT_CODES:
            refused = await api(documents(path, code, over=True))
            assert codes(refused) == [code], (code, refused)
            assert refused["data"] is None
            # At the limit the document passes the limits (and fails, if at all, on its own).
            allowed = await api(documents(path, code, over=False))
            assert not set(codes(allowed)) & set(LIMIT_CODES), (code, allowed)
    assert await _contacts(runtime) == 0


# Misspelt names, each of which graphql-core answers with "Did you mean ...?" naming real
# ones unless told not to: fields, arguments, types, enum values and input fields, in the
# document and (coerced while executing) in the variables.
MISSPELT: dict[str, list[tuple[str, dict[str, Any] | None]]] = {
    "/graphql": [
        ("{ portalInfo { nam } }", None),
        ('{ directory(serch: "x") { totalCount } }', None),
        ("query ($i: SecondIdentifierInpt) { portalInfo { name } }", None),
        (
            'mutation { provideSecondIdentifier(flowToken: "x", input: {customerNumbr: "1"})'
            " { __typename } }",
            None,
        ),
        (
            "mutation ($i: SecondIdentifierInput!) {"
            ' provideSecondIdentifier(flowToken: "x", input: $i) { __typename } }',
            {"i": {"customerNumbr": "1"}},
        ),
    ],
    "/admin/graphql": [
        ("{ contactz { totalCount } }", None),
        ("{ contacts(firs: 1) { totalCount } }", None),
        ("query ($f: ContactFilterInpt) { contacts(filter: $f) { totalCount } }", None),
        ("{ contacts(filter: {serch: 1}) { totalCount } }", None),
        ("{ outboxMessages(status: SENTT) { totalCount } }", None),
        (
            "query ($f: ContactFilterInput) { contacts(filter: $f) { totalCount } }",
            {"f": {"serch": "x"}},
        ),
        (
            "query ($s: OutboxStatus) { outboxMessages(status: $s) { totalCount } }",
            {"s": "SENTT"},
        ),
    ],
}


async def _messages(http: httpx.AsyncClient, path: str) -> list[str]:
    messages = []
    for query, variables in MISSPELT[path]:
        body = (await http.post(path, json={"query": query, "variables": variables})).json()
        assert body.get("errors"), query
        messages.append(" ".join(error["message"] for error in body["errors"]))
    return messages


@pytest.mark.parametrize("path", ["/graphql", "/admin/graphql"])
async def test_production_suggests_no_names(make_client: Any, path: str) -> None:
    """Issue 16, item 12: "Did you mean 'contacts'?" maps the schema without introspection."""
    async with await make_client(env="production") as http:
        messages = await _messages(http, path)
    for message in messages:
        assert "Did you mean" not in message, message
    async with await make_client(env="development") as http:
        development = await _messages(http, path)
    assert all("Did you mean" in message for message in development), development
