"""A staff contact list page: ``contacts(first: 100)`` with 10 fields over 100,000 contacts.

Product: the staff API through HTTP (``create_app`` behind ``httpx.ASGITransport``) with a
logged-in staff bearer token. Reference: a bare Starlette route on the same transport that runs
the identical SQL the product sent (recorded with ``before_cursor_execute``: the staff session
lookup and the page SELECT, in one transaction like the product's unit of work) through one raw
driver connection and returns the same JSON (checked equal once). Goal: p50 ratio <= 2.0x.

    python -m benchmarks.contacts_page [sqlite] [postgresql]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from benchmarks.apps import (
    Product,
    RawConnection,
    StatementLog,
    as_iso,
    as_uuid,
    bench_settings,
    product_app,
    reference_app,
    replayable,
)
from benchmarks.harness import command_line, interleaved, report, scratch_database
from benchmarks.seed import seed_contacts
from portal.opaque_tokens import hash_token
from schema.common.ids import to_global_id

CONTACTS = 100_000
ROUNDS = 150
GOAL = 2.0
FIELDS = "id customerNumber firstName lastName companyName email postalCode city country createdAt"
# The default order (by name) sorts all 100,000 rows in the database (no expression index on
# lower(last_name)), which dominates both sides; ordering by customer number walks an index and
# shows the per-request overhead more sharply.
ORDERS = {"by name (default)": "", "by customer number": ", orderBy: {field: CUSTOMER_NUMBER}"}
QUERY = "query Page($first: Int!) { contacts(first: $first%s) { edges { node { %s } } } }"


def contact_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": to_global_id("Contact", as_uuid(row["id"])),
        "customerNumber": str(row["customer_number"]),
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "companyName": row["company_name"],
        "email": row["email"],
        "postalCode": row["postal_code"],
        "city": row["city"],
        "country": row["country"],
        "createdAt": as_iso(row["created_at"]),
    }


def reference_route(raw: RawConnection, session_sql: str, page_sql: str, page_params: Any) -> Any:
    async def contacts_page(request: Request) -> Response:
        await request.json()
        token = request.headers["authorization"].partition(" ")[2]
        async with raw.transaction():
            session = await raw.fetch(session_sql, [hash_token(token)])
            if not session:
                return JSONResponse({"errors": [{"message": "unauthenticated"}]})
            rows = await raw.fetch(page_sql, page_params)
        edges = [{"node": contact_json(row)} for row in rows[:100]]
        return JSONResponse({"data": {"contacts": {"edges": edges}}})

    return contacts_page


async def measure(dialect: str, url: str) -> None:
    async with product_app(bench_settings(url)) as product:
        token = await product.log_in_staff()
        for order_name, order in ORDERS.items():
            await measure_order(dialect, url, product, token, order_name, QUERY % (order, FIELDS))


async def measure_order(
    dialect: str, url: str, product: Product, token: str, order_name: str, query: str
) -> None:
    variables = {"first": 100}
    expected = await product.graphql("/admin/graphql", query, token, variables)
    log = StatementLog(product.runtime.database.engine)
    async with log.recording() as statements:
        await product.graphql("/admin/graphql", query, token, variables)
    captured = replayable(statements)
    print(f"  {order_name}: product SQL per request: {len(statements)} statements")
    for statement in statements:
        print("    " + " ".join(statement.sql.split())[:110] + " ...")
    session_sql, page_sql = captured[0].sql, captured[-1].sql
    assert "staff_sessions" in session_sql and len(captured) == 2, captured
    raw = RawConnection(url)
    await raw.open()
    route = reference_route(raw, session_sql, page_sql, captured[-1].parameters)
    try:
        async with reference_app({"/contacts": route}) as reference:
            headers = {"authorization": f"Bearer {token}"}
            body = {"query": query, "variables": variables}

            async def mine(_i: int) -> object:
                return await product.graphql("/admin/graphql", query, token, variables)

            async def theirs(_i: int) -> object:
                response = await reference.post("/contacts", json=body, headers=headers)
                return response.json()

            assert await theirs(0) == expected, "reference JSON differs from the product's"
            product_t, reference_t = await interleaved(mine, theirs, rounds=ROUNDS, warmup=10)
    finally:
        await raw.close()
    title = f"contacts_page {dialect} first:100 of {CONTACTS:,} {order_name}"
    ratio = report(title, product_t, reference_t)
    print(f"  goal <= {GOAL}x: {'met' if ratio <= GOAL else 'MISSED'}")


async def main(databases: Sequence[str]) -> None:
    for dialect in databases:
        async with scratch_database(dialect) as url:
            from portal.db import Database

            database = Database.from_url(url)
            try:
                await seed_contacts(database.engine, 1, CONTACTS + 1)
            finally:
                await database.dispose()
            await measure(dialect, url)


if __name__ == "__main__":
    command_line(main)
