"""The contacts list's tag and group filters (issue 24): tag names resolved to ids before the
list statement, which filters by tag id through an index; the same contacts on both databases,
unknown names and ids an empty list."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from portal.app.runtime import Runtime
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.schema.admin.contact_documents import LIST, create, names

ADD_TAGS = (
    "mutation A($c: ID!, $t: [String!]!) { addTags(contactId: $c, tags: $t) { errors { code } } }"
)
CREATE_GROUP = (
    "mutation G($n: String!) { createContactGroup(name: $n) { group { id } errors { code } } }"
)
SET_GROUPS = "mutation S($c: ID!, $g: [ID!]!) { setContactGroups(contactId: $c, groupIds: $g) { errors { code } } }"
DEACTIVATE = "mutation D($id: ID!) { deactivateContact(contactId: $id) { errors { code } } }"
DELETE_GROUP = "mutation D($id: ID!) { deleteContactGroup(id: $id) { errors { code } } }"


@pytest.fixture
async def groups(admin_api: GraphQLClient, runtime: Runtime) -> dict[str, str]:
    """Adler (Gold, Größe), Becker (Gold), Cäsar (Größe, inactive later), Dorn (nothing); the
    groups Premium (Adler, Becker) and Presse (Cäsar)."""
    await log_in_staff(admin_api, runtime)
    made = {
        name: await create(admin_api, lastName=name)
        for name in ("Adler", "Becker", "Cäsar", "Dorn")
    }
    for name, tags in {"Adler": ["Gold", "Größe"], "Becker": ["gold"], "Cäsar": ["GRÖßE"]}.items():
        result = await admin_api.data(ADD_TAGS, {"c": made[name]["id"], "t": tags})
        assert result["addTags"]["errors"] == []
    ids = {}
    for group, members in {"Premium": ["Adler", "Becker"], "Presse": ["Cäsar"]}.items():
        created = (await admin_api.data(CREATE_GROUP, {"n": group}))["createContactGroup"]
        ids[group] = created["group"]["id"]
        for member in members:
            result = await admin_api.data(SET_GROUPS, {"c": made[member]["id"], "g": [ids[group]]})
            assert result["setContactGroups"]["errors"] == []
    return ids


async def listed(api: GraphQLClient, **filter: Any) -> tuple[list[str], int]:
    data = (await api.data(LIST, {"first": 100, "filter": filter}))["contacts"]
    return [e["node"]["lastName"] for e in data["edges"]], data["totalCount"]


async def test_tags_and_groups_filter_alike_on_both_databases(
    admin_api: GraphQLClient, groups: dict[str, str]
) -> None:
    assert await listed(admin_api, tags=["gold"]) == (["Adler", "Becker"], 2)
    # Tag names are compared like the tags themselves: trimmed, case-insensitive beyond ASCII.
    assert await listed(admin_api, tags=["  GOLD "]) == (["Adler", "Becker"], 2)
    assert await listed(admin_api, tags=["größe"]) == (["Adler", "Cäsar"], 2)
    # All of the tags.
    assert await listed(admin_api, tags=["Gold", "Größe"]) == (["Adler"], 1)
    assert await listed(admin_api, groupIds=[groups["Premium"]]) == (["Adler", "Becker"], 2)
    assert await listed(admin_api, groupIds=[groups["Premium"]], tags=["größe"]) == (["Adler"], 1)
    assert await listed(admin_api, groupIds=[groups["Premium"], groups["Presse"]]) == ([], 0)
    assert await listed(admin_api, tags=["gold"], search="beck") == (["Becker"], 1)
    # Pages through the filtered list by cursor.
    first = (await admin_api.data(LIST, {"first": 1, "filter": {"tags": ["gold"]}}))["contacts"]
    assert [e["node"]["lastName"] for e in first["edges"]] == ["Adler"]
    rest = await names(admin_api, filter={"tags": ["gold"]}, after=first["pageInfo"]["endCursor"])
    assert rest == ["Becker"]


async def test_an_unknown_tag_or_group_lists_nothing(
    admin_api: GraphQLClient, groups: dict[str, str]
) -> None:
    assert await listed(admin_api, tags=["nirgends"]) == ([], 0)
    # One unknown name among known ones: no contact has all of them.
    assert await listed(admin_api, tags=["gold", "nirgends"]) == ([], 0)
    deleted = await admin_api.data(DELETE_GROUP, {"id": groups["Presse"]})
    assert deleted["deleteContactGroup"]["errors"] == []
    assert await listed(admin_api, groupIds=[groups["Presse"]]) == ([], 0)


@contextmanager
def statements_of(runtime: Runtime) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def record(*args: Any) -> None:
        seen.append((args[2], args[3]))

    engine = runtime.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def plan_of(runtime: Runtime, statement: str, parameters: Any, is_postgres: bool) -> str:
    async with runtime.database.engine.connect() as connection:
        driver: Any = (await connection.get_raw_connection()).driver_connection
        if is_postgres:
            # The tables are tiny: rule scans out, the question is which index a plan can use.
            await driver.execute("SET enable_seqscan = off")
            rows = await driver.fetch("EXPLAIN " + statement, *parameters)
            await driver.execute("RESET enable_seqscan")
            return "\n".join(r[0] for r in rows)
        cursor = await driver.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(str(r[3]) for r in await cursor.fetchall())


async def test_the_list_statement_filters_by_tag_id_through_an_index(
    admin_api: GraphQLClient, runtime: Runtime, groups: dict[str, str], is_postgres: bool
) -> None:
    with statements_of(runtime) as seen:
        assert await listed(admin_api, tags=["gold"], groupIds=[groups["Premium"]]) == (
            ["Adler", "Becker"],
            2,
        )
    page = next(s for s in seen if "FROM contacts" in s[0] and "ORDER BY" in s[0])
    # The name was looked up before: the list statement no longer reads the tags table.
    assert "tags.name_normalized" not in page[0], page[0]
    assert "contact_tags.tag_id =" in page[0], page[0]
    plan = await plan_of(runtime, *page, is_postgres)
    if is_postgres:
        assert "on tags " not in plan, plan
        assert "Seq Scan on contact_tags" not in plan, plan
        assert "contact_tags" in plan, plan
    else:
        # Per contact the order's index walks: a probe of the link table's primary key, and
        # no read of the tags table.
        assert "tags USING" not in plan.replace("contact_tags USING", ""), plan
        assert "contact_tags USING COVERING INDEX" in plan, plan


async def _pages_of_one(api: GraphQLClient, **variables: Any) -> list[str]:
    """Every contact of the list, read one per page by cursor."""
    seen: list[str] = []
    after = None
    while True:
        data = (await api.data(LIST, {"first": 1, "after": after, **variables}))["contacts"]
        seen += [e["node"]["lastName"] for e in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            return seen
        after = data["pageInfo"]["endCursor"]


@pytest.mark.parametrize("field", ["CUSTOMER_NUMBER", "CREATED_AT"])
async def test_tag_and_status_filters_page_by_cursor_in_the_order_of_their_index(
    admin_api: GraphQLClient,
    runtime: Runtime,
    groups: dict[str, str],
    is_postgres: bool,
    field: str,
) -> None:
    # Created (and numbered) Adler, Becker, Cäsar, Dorn.
    cases: list[tuple[dict[str, Any], list[str]]] = [
        ({"tags": ["größe"]}, ["Adler", "Cäsar"]),
        ({"groupIds": [groups["Premium"]]}, ["Adler", "Becker"]),
        ({"status": "PROSPECT"}, ["Adler", "Becker", "Cäsar", "Dorn"]),
        ({"status": "PROSPECT", "tags": ["gold"]}, ["Adler", "Becker"]),
    ]
    for filter, expected in cases:
        for direction, order in (("ASC", expected), ("DESC", expected[::-1])):
            order_by = {"field": field, "direction": direction}
            assert await _pages_of_one(admin_api, filter=filter, orderBy=order_by) == order
            assert await names(admin_api, filter=filter, orderBy=order_by) == order
    if is_postgres:
        return
    # SQLite (no statistics on an embedded database) walks the order's index and probes the
    # link table per contact, instead of searching the is_active / status index and sorting
    # every match (seconds at 100,000 contacts).
    for filter in ({"tags": ["gold"]}, {"status": "PROSPECT", "tags": ["gold"]}):
        with statements_of(runtime) as seen:
            await names(admin_api, filter=filter, orderBy={"field": field})
        page = next(s for s in seen if "FROM contacts" in s[0] and "ORDER BY" in s[0])
        plan = await plan_of(runtime, *page, is_postgres)
        assert "name_order" not in plan, plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
        if field == "CREATED_AT":
            assert "ix_contacts_created_at" in plan, plan


async def test_totals_under_tag_and_group_filters_count_the_links_on_sqlite(
    admin_api: GraphQLClient, runtime: Runtime, groups: dict[str, str], is_postgres: bool
) -> None:
    fink = await create(admin_api, lastName="Fink")
    assert (await admin_api.data(ADD_TAGS, {"c": fink["id"], "t": ["gold"]}))["addTags"][
        "errors"
    ] == []
    deactivated = await admin_api.data(DEACTIVATE, {"id": fink["id"]})
    assert deactivated["deactivateContact"]["errors"] == []
    assert await listed(admin_api, tags=["gold"]) == (["Adler", "Becker"], 2)
    assert await listed(admin_api, tags=["gold"], active=False) == (["Fink"], 1)
    assert await listed(admin_api, tags=["gold"], includeInactive=True) == (
        ["Adler", "Becker", "Fink"],
        3,
    )
    assert await listed(admin_api, tags=["gold"], status="PROSPECT", search="er") == (
        ["Adler", "Becker"],
        2,
    )
    assert await listed(admin_api, groupIds=[groups["Premium"]], status="ACTIVE") == ([], 0)
    if is_postgres:
        return
    with statements_of(runtime) as seen:
        await listed(admin_api, tags=["gold"])
    count = next(s for s in seen if "count(" in s[0])
    plan = await plan_of(runtime, *count, is_postgres)
    # The tag's links drive the count through the contacts' primary key, instead of a probe
    # per active contact (seconds for a rare tag at 100,000 contacts).
    assert "SEARCH contact_tags USING" in plan and "(tag_id=?)" in plan, plan
    assert "is_active=?" not in plan, plan


async def test_unindexed_filters_page_by_name_seeking_the_cursor_and_count_in_one_pass(
    admin_api: GraphQLClient, runtime: Runtime, groups: dict[str, str], is_postgres: bool
) -> None:
    everyone = ["Adler", "Becker", "Cäsar", "Dorn"]
    for filter in ({"source": "MANUAL"}, {"optIn": "NONE"}, {"source": "MANUAL", "tags": ["gold"]}):
        expected = ["Adler", "Becker"] if "tags" in filter else everyone
        for direction, order in (("ASC", expected), ("DESC", expected[::-1])):
            order_by = {"field": "NAME", "direction": direction}
            assert await _pages_of_one(admin_api, filter=filter, orderBy=order_by) == order
        assert await listed(admin_api, **filter) == (expected, len(expected))
    assert await listed(admin_api, source="CSV_IMPORT") == ([], 0)
    if is_postgres:
        return
    first = (await admin_api.data(LIST, {"first": 1, "filter": {"source": "MANUAL"}}))["contacts"]
    with statements_of(runtime) as seen:
        await names(admin_api, filter={"source": "MANUAL"}, after=first["pageInfo"]["endCursor"])
    page = next(s for s in seen if "FROM contacts" in s[0] and "ORDER BY" in s[0])
    plan = await plan_of(runtime, *page, is_postgres)
    # A page after a cursor seeks the name index to it (is_active, then the first name key).
    assert "ix_contacts_name_order (is_active=? AND <expr>>?)" in plan, plan
    with statements_of(runtime) as seen:
        await listed(admin_api, source="MANUAL")
    count = next(s for s in seen if "count(" in s[0])
    plan = await plan_of(runtime, *count, is_postgres)
    assert "SCAN contacts" in plan and "INDEX" not in plan, plan
