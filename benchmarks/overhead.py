"""Fixed cost of a request on the customer API (``POST /graphql``) with a logged-in customer's
bearer token.

- ``{ __typename }``: no resolver touches the database; the product still opens (and closes) a
  request session. Reference: a bare Starlette route returning the same JSON.
- ``{ viewer { email } }``: the customer session lookup. Reference: a bare Starlette route that
  replays the SQL the product sent (recorded with ``before_cursor_execute``; the same
  transaction control) through one raw driver connection and returns the same JSON.

No goal in the issue; the ratio is reported.

    python -m benchmarks.overhead [sqlite] [postgresql]
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from benchmarks.apps import (
    RawConnection,
    StatementLog,
    bench_settings,
    product_app,
    reference_app,
    replayable,
)
from benchmarks.harness import command_line, interleaved, report, scratch_database
from portal.opaque_tokens import hash_token

ROUNDS = 600
EMAIL = "kunde@example.de"
PASSWORD = "Sonnenblume-2026"
TYPENAME = "{ __typename }"
VIEWER = "{ viewer { email } }"


async def measure(dialect: str, url: str) -> None:
    async with product_app(bench_settings(url)) as product:
        await product.make_customer(EMAIL, PASSWORD)
        token = await product.log_in_customer(EMAIL, PASSWORD)
        headers = {"authorization": f"Bearer {token}"}
        await product.graphql("/graphql", VIEWER, token)
        log = StatementLog(product.runtime.database.engine)
        for query in (TYPENAME, VIEWER):
            async with log.recording() as statements:
                await product.graphql("/graphql", query, token)
            print(f"  {query}: {len(statements)} statements per request")
            for statement in statements:
                print("    " + " ".join(statement.sql.split())[:110] + " ...")
        captured = replayable(log.statements)
        assert len(captured) == 1 and "portal_sessions" in captured[0].sql, captured
        session_sql = captured[0].sql
        raw = RawConnection(url)
        await raw.open()

        async def typename(request: Request) -> Response:
            await request.json()
            return JSONResponse({"data": {"__typename": "Query"}})

        async def viewer(request: Request) -> Response:
            await request.json()
            bearer = request.headers["authorization"].partition(" ")[2]
            async with raw.transaction():
                rows = await raw.fetch(session_sql, [hash_token(bearer)])
            if not rows:
                return JSONResponse({"errors": [{"message": "unauthenticated"}]})
            return JSONResponse({"data": {"viewer": {"email": rows[0]["email"]}}})

        try:
            routes = {"/typename": typename, "/viewer": viewer}
            async with reference_app(routes) as reference:
                for query, path in ((TYPENAME, "/typename"), (VIEWER, "/viewer")):
                    payload = {"query": query, "variables": {}}

                    async def mine(_i: int, query: str = query) -> object:
                        return await product.graphql("/graphql", query, token)

                    async def theirs(
                        _i: int, path: str = path, payload: object = payload
                    ) -> object:
                        return (await reference.post(path, json=payload, headers=headers)).json()

                    assert await theirs(0) == await mine(0), "reference JSON differs"
                    product_t, reference_t = await interleaved(mine, theirs, rounds=ROUNDS)
                    report(f"overhead {dialect} {query}", product_t, reference_t)
        finally:
            await raw.close()


async def main(databases: Sequence[str]) -> None:
    for dialect in databases:
        async with scratch_database(dialect) as url:
            await measure(dialect, url)


if __name__ == "__main__":
    command_line(main)
