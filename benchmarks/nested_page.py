"""A nested staff page: portal users with their contact, the contact's tags, groups, resources
with permissions, and portal status: the issue's ``portalUsers(first: 100) { contact { tags
groups resources { permissions } } }``.

1. SQL statements per request, counted with ``before_cursor_execute`` at page sizes 10, 50 and
   100: must not grow with the page (goal: at most 4 data statements; the staff session lookup
   and transaction control are reported apart).
2. Time at 100 against a bare Starlette route that returns the same JSON (checked equal once)
   from the staff session lookup plus one raw JOIN query. Goal: p50 ratio <= 2.5x.

    python -m benchmarks.nested_page [sqlite] [postgresql]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from benchmarks.apps import (
    RawConnection,
    Statement,
    StatementLog,
    as_uuid,
    bench_settings,
    product_app,
    reference_app,
    replayable,
)
from benchmarks.harness import command_line, interleaved, report, scratch_database
from benchmarks.seed import seed_contacts
from portal.db import Database
from portal.models import (
    Contact,
    ContactGroup,
    ContactGroupMember,
    ContactTag,
    PortalUser,
    Resource,
    ResourceAssignment,
    Tag,
)
from portal.opaque_tokens import hash_token
from portal.services.contacts.status import status_of
from schema.common.ids import to_global_id

CONTACTS = 5_000
PORTAL_USERS = 300
SIZES = (10, 50, 100)
ROUNDS = 150
STATEMENT_GOAL = 4
RATIO_GOAL = 2.5
QUERY = """query Nested($first: Int!) { portalUsers(first: $first) { edges { node {
  id email contact { id customerNumber portalStatus tags { name } groups { name }
                     resources { permissions } }
} } } }"""

# One JOIN over the page: tags x groups rows per user, folded in Python.
JOIN_SQL = """
WITH page AS (
  SELECT id, email, contact_id, created_at, suspended_at, last_login_at FROM portal_users
  ORDER BY created_at DESC, id DESC LIMIT {limit}
)
SELECT page.id AS user_id, page.email, page.suspended_at, page.last_login_at,
       c.id AS contact_id, c.customer_number, t.name AS tag, t.name_normalized AS tag_key,
       g.name AS group_name, ra.id AS assignment_id, ra.permissions, r.name AS resource_name
FROM page
LEFT JOIN contacts c ON c.id = page.contact_id
LEFT JOIN contact_tags ct ON ct.contact_id = c.id
LEFT JOIN tags t ON t.id = ct.tag_id
LEFT JOIN contact_group_members gm ON gm.contact_id = c.id
LEFT JOIN contact_groups g ON g.id = gm.group_id
LEFT JOIN resource_assignments ra ON ra.contact_id = c.id
LEFT JOIN resources r ON r.id = ra.resource_id
ORDER BY page.created_at DESC, page.id DESC
"""


async def seed_relations(database: Database) -> None:
    """Portal users on the first contacts, each contact with 2 of 5 tags, 1 of 3 groups and a
    resource (so the resource loader has rows when asked)."""
    async with database.transaction() as session:
        contacts = list(
            await session.scalars(
                select(Contact).order_by(Contact.customer_number).limit(PORTAL_USERS)
            )
        )
        tags = [Tag(name=f"Tag {i}", name_normalized=f"tag {i}") for i in range(5)]
        groups = [ContactGroup(name=f"Group {i}") for i in range(3)]
        resources = [Resource(kind="website", name=f"Site {i}") for i in range(2)]
        session.add_all([*tags, *groups, *resources])
        await session.flush()
        start = datetime(2026, 1, 1, tzinfo=UTC)
        for index, contact in enumerate(contacts):
            session.add(
                PortalUser(
                    email=contact.email or f"pu{index}@example.com",
                    email_normalized=contact.email_normalized or f"pu{index}@example.com",
                    registration_status="REGISTERED",
                    mapping_status="ASSIGNED",
                    contact_id=contact.id,
                    activated_at=start,
                    assigned_at=start,
                    last_login_at=start if index % 2 else None,
                )
            )
            session.add(ContactTag(contact_id=contact.id, tag_id=tags[index % 5].id))
            session.add(ContactTag(contact_id=contact.id, tag_id=tags[(index + 1) % 5].id))
            session.add(ContactGroupMember(contact_id=contact.id, group_id=groups[index % 3].id))
            session.add(
                ResourceAssignment(
                    contact_id=contact.id,
                    resource_id=resources[index % 2].id,
                    permissions=["VIEW"],
                )
            )
        await session.flush()
        # Distinct creation times, so "newest first" is a real order.
        users = await session.scalars(select(PortalUser))
        for index, user in enumerate(users):
            user.created_at = start + timedelta(seconds=index)


def classify(statements: list[Statement]) -> tuple[int, int, int]:
    """(data statements, session/auth lookups, transaction control)."""
    control = len(statements) - len(replayable(statements))
    auth = sum(1 for s in replayable(statements) if "staff_sessions" in s.sql)
    return len(statements) - control - auth, auth, control


def fold(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The JOIN's rows as the product's JSON."""
    users: dict[Any, dict[str, Any]] = {}
    for row in rows:
        user = users.get(row["user_id"])
        if user is None:
            user = users[row["user_id"]] = {
                "row": row, "tags": {}, "groups": set(), "resources": {},
            }  # fmt: skip
        if row["tag"] is not None:
            user["tags"][row["tag_key"]] = row["tag"]
        if row["group_name"] is not None:
            user["groups"].add(row["group_name"])
        if row["assignment_id"] is not None:
            permissions = row["permissions"]
            if isinstance(permissions, str):  # SQLite returns JSON as text
                permissions = json.loads(permissions)
            user["resources"][(row["resource_name"], row["assignment_id"])] = permissions
    edges = []
    for user in users.values():
        row = user["row"]
        contact = None
        if row["contact_id"] is not None:
            linked = PortalUser(
                suspended_at=row["suspended_at"], last_login_at=row["last_login_at"]
            )
            contact = {
                "id": to_global_id("Contact", as_uuid(row["contact_id"])),
                "customerNumber": str(row["customer_number"]),
                "portalStatus": status_of(linked).name,
                "tags": [{"name": user["tags"][k]} for k in sorted(user["tags"])],
                "groups": [{"name": name} for name in sorted(user["groups"])],
                "resources": [
                    {"permissions": user["resources"][k]} for k in sorted(user["resources"])
                ],
            }
        edges.append(
            {
                "node": {
                    "id": to_global_id("PortalUser", as_uuid(row["user_id"])),
                    "email": row["email"],
                    "contact": contact,
                }
            }
        )
    return {"data": {"portalUsers": {"edges": edges}}}


async def measure(dialect: str, url: str) -> None:
    async with product_app(bench_settings(url)) as product:
        token = await product.log_in_staff()
        log = StatementLog(product.runtime.database.engine)
        counts = []
        for size in SIZES:
            await product.graphql("/admin/graphql", QUERY, token, {"first": size})
            async with log.recording() as statements:
                body = await product.graphql("/admin/graphql", QUERY, token, {"first": size})
            assert len(body["data"]["portalUsers"]["edges"]) == size
            data, auth, control = classify(statements)
            counts.append(data)
            print(
                f"nested_page {dialect} first:{size}: {data} data statements "
                f"(+{auth} session lookup, +{control} transaction control)"
            )
            if size == SIZES[-1]:
                for statement in replayable(statements):
                    print("    " + " ".join(statement.sql.split())[:110] + " ...")
        constant = len(set(counts)) == 1
        print(
            f"  statements constant over {SIZES}: {'yes' if constant else 'NO'}; "
            f"goal <= {STATEMENT_GOAL}: {'met' if max(counts) <= STATEMENT_GOAL else 'MISSED'}"
        )
        session_sql = next(s.sql for s in statements if "staff_sessions" in s.sql)
        join_sql = JOIN_SQL.format(limit=SIZES[-1])
        raw = RawConnection(url)
        await raw.open()

        async def nested(request: Request) -> Response:
            await request.json()
            bearer = request.headers["authorization"].partition(" ")[2]
            async with raw.transaction():
                if not await raw.fetch(session_sql, [hash_token(bearer)]):
                    return JSONResponse({"errors": [{"message": "unauthenticated"}]})
                rows = await raw.fetch(join_sql)
            return JSONResponse(fold(rows))

        variables = {"first": SIZES[-1]}
        try:
            async with reference_app({"/nested": nested}) as reference:
                headers = {"authorization": f"Bearer {token}"}
                payload = {"query": QUERY, "variables": variables}

                async def mine(_i: int) -> object:
                    return await product.graphql("/admin/graphql", QUERY, token, variables)

                async def theirs(_i: int) -> object:
                    return (await reference.post("/nested", json=payload, headers=headers)).json()

                assert await theirs(0) == await mine(0), "reference JSON differs from the product's"
                product_t, reference_t = await interleaved(mine, theirs, rounds=ROUNDS, warmup=10)
        finally:
            await raw.close()
    ratio = report(f"nested_page {dialect} first:{SIZES[-1]}", product_t, reference_t)
    print(f"  goal <= {RATIO_GOAL}x: {'met' if ratio <= RATIO_GOAL else 'MISSED'}")


async def main(databases: Sequence[str]) -> None:
    for dialect in databases:
        async with scratch_database(dialect) as url:
            database = Database.from_url(url)
            try:
                await seed_contacts(database.engine, 1, CONTACTS + 1)
                await seed_relations(database)
            finally:
                await database.dispose()
            await measure(dialect, url)


if __name__ == "__main__":
    command_line(main)
