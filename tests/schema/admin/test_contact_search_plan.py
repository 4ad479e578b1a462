"""A search of the contacts list pages alike whichever statement answers it (issue 24): on
PostgreSQL the capped walk of the order, the bounded matches, or the plain statement
(portal.services.contacts.search_plan), forced here with small bounds; on SQLite the plain
statement. Pages by cursor, in every order and direction, join up to the sorted result."""

from __future__ import annotations

from typing import Any

import pytest

from portal.app.runtime import Runtime
from portal.services.contacts import search_plan
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.schema.admin.contact_documents import create
from tests.schema.admin.test_contact_list_membership_filters import (
    ADD_TAGS,
    DEACTIVATE,
    statements_of,
)

PAGE = """
query Page($filter: ContactFilterInput, $orderBy: ContactOrderInput, $first: Int, $after: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    edges { node { lastName } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
COUNT = 24
# Created in this order (customer numbers and creation times follow it), named N00..N23.
CREATION = [(i * 7) % COUNT for i in range(COUNT)]
# Which contacts (by name index) each term finds: spread through the name order, the last
# four names, the last ten names.
TERMS = {
    "alphaterm": {i for i in range(COUNT) if i % 2 == 0},
    "omegaterm": set(range(20, COUNT)),
    "betaterm": set(range(14, COUNT)),
}
TAGGED = {i for i in range(COUNT) if i % 3 == 0}
INACTIVE = {2, 21}


def _name(i: int) -> str:
    return f"N{i:02d}"


@pytest.fixture
async def contacts(admin_api: GraphQLClient, runtime: Runtime) -> None:
    await log_in_staff(admin_api, runtime)
    for i in CREATION:
        words = [term for term, found in TERMS.items() if i in found]
        made = await create(admin_api, lastName=_name(i), companyName=" ".join(words) or "none")
        if i in TAGGED:
            tagged = await admin_api.data(ADD_TAGS, {"c": made["id"], "t": ["vip"]})
            assert tagged["addTags"]["errors"] == []
        if i in INACTIVE:
            result = await admin_api.data(DEACTIVATE, {"id": made["id"]})
            assert result["deactivateContact"]["errors"] == []


@pytest.fixture
def small_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_plan, "WALK_ROWS", 4)
    monkeypatch.setattr(search_plan, "WALK_FURTHER_ROWS", 12)
    monkeypatch.setattr(search_plan, "MATCH_ROWS", 6)


def expected(term: str, field: str, descending: bool, *, tag: bool, inactive: bool) -> list[str]:
    found = [i for i in TERMS[term] if (inactive or i not in INACTIVE) and (not tag or i in TAGGED)]
    position = {i: n for n, i in enumerate(CREATION)}
    found.sort(key=(lambda i: i) if field == "NAME" else position.__getitem__)
    return [_name(i) for i in (reversed(found) if descending else found)]


async def paged(api: GraphQLClient, first: int, **variables: Any) -> list[str]:
    seen: list[str] = []
    after = None
    while True:
        data = await api.data(PAGE, {"first": first, "after": after, **variables})
        page = data["contacts"]
        seen += [e["node"]["lastName"] for e in page["edges"]]
        assert len(page["edges"]) <= first
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        assert len(page["edges"]) == first
        after = page["pageInfo"]["endCursor"]


@pytest.mark.usefixtures("contacts", "small_bounds")
@pytest.mark.parametrize("field", ["NAME", "CUSTOMER_NUMBER", "CREATED_AT"])
async def test_pages_of_a_search_join_up_to_the_sorted_result(
    admin_api: GraphQLClient, field: str
) -> None:
    for term in TERMS:
        for direction in ("ASC", "DESC"):
            order = {"field": field, "direction": direction}
            for tag, inactive in ((False, False), (True, False), (False, True)):
                filter: dict[str, Any] = {"search": term, "includeInactive": inactive}
                if tag:
                    filter["tags"] = ["vip"]
                want = expected(term, field, direction == "DESC", tag=tag, inactive=inactive)
                for first in (1, 3):
                    got = await paged(admin_api, first, filter=filter, orderBy=order)
                    assert got == want, (term, order, filter, first)


async def statements_run(
    api: GraphQLClient, runtime: Runtime, term: str, **variables: Any
) -> list[str]:
    """Which statements read the page of a search: walk, matches, plain."""
    filter = {"search": term, **variables.pop("filter", {})}
    with statements_of(runtime) as seen:
        await api.data(PAGE, {"first": 1, "filter": filter, **variables})
    kinds = []
    for statement, _ in seen:
        if " LIKE " not in statement or "ORDER BY" not in statement:
            continue
        kinds.append(
            "walk" if "walk" in statement else "matches" if "MATERIALIZED" in statement else "plain"
        )
    return kinds


@pytest.mark.usefixtures("contacts", "small_bounds")
async def test_each_statement_answers_where_the_ones_before_cannot(
    admin_api: GraphQLClient, runtime: Runtime, is_postgres: bool
) -> None:
    runs = {
        "walked": await statements_run(admin_api, runtime, "alphaterm"),
        "walked further": await statements_run(admin_api, runtime, "alphaterm", first=3),
        "bounded": await statements_run(admin_api, runtime, "omegaterm"),
        "planned": await statements_run(admin_api, runtime, "betaterm"),
        "by number": await statements_run(
            admin_api, runtime, "alphaterm", orderBy={"field": "CUSTOMER_NUMBER"}
        ),
        "last visit": await statements_run(
            admin_api, runtime, "alphaterm", orderBy={"field": "LAST_VISIT"}
        ),
        "tagged": await statements_run(admin_api, runtime, "alphaterm", filter={"tags": ["vip"]}),
        "status": await statements_run(
            admin_api, runtime, "alphaterm", filter={"status": "PROSPECT"}
        ),
        "inactive too": await statements_run(
            admin_api, runtime, "alphaterm", filter={"includeInactive": True}
        ),
        "inactive too by number": await statements_run(
            admin_api,
            runtime,
            "alphaterm",
            filter={"includeInactive": True},
            orderBy={"field": "CUSTOMER_NUMBER"},
        ),
    }
    if not is_postgres:
        # SQLite's FTS5 matches drive its one statement.
        assert runs == {key: ["plain"] for key in runs}
        return
    assert runs == {
        # N00 and N04 among the first four active names
        "walked": ["walk"],
        # a page of three: two matches among the first four, so a second walk reads
        # 4 * 4 / 2 * 1.5 = 12 names, and finds N00, N04, N06, N08
        "walked further": ["walk", "walk"],
        # the last four names (one inactive): fewer than six matches
        "bounded": ["walk", "matches"],
        # the last ten names: more than six matches
        "planned": ["walk", "matches", "plain"],
        # the first four by customer number: N00, N07, N14, (N21 inactive), N04
        "by number": ["walk"],
        # no index gives the order of the last visit: the plain statement alone
        "last visit": ["plain"],
        # a walk would check the tag of every contact it reads: the plain statement
        "tagged": ["plain"],
        "status": ["plain"],
        # ix_contacts_name_order leads with is_active: no walk by name over both
        "inactive too": ["plain"],
        "inactive too by number": ["walk"],
    }
