"""Searching the whole database for what an erasure must have removed."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from portal.app.runtime import Runtime
from portal.models import Base
from portal.normalization import fold_for_search


def _cell(value: Any) -> str:
    # JSON columns hold "K\u00f6ln": decode them so the search sees what a reader would.
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.dumps(json.loads(value), ensure_ascii=False)
        except ValueError:
            return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


async def whole_database(runtime: Runtime) -> str:
    """Every cell of every table, folded (case- and accent-free) for searching."""
    dump = []
    async with runtime.database.transaction() as session:
        for table in Base.metadata.sorted_tables:
            rows = (await session.execute(text(f'SELECT * FROM "{table.name}"'))).all()
            dump.append(table.name + ": " + " | ".join(_cell(v) for row in rows for v in row))
    return fold_for_search("\n".join(dump))


def leftovers(everything: str, secrets: tuple[str, ...]) -> list[str]:
    return [s for s in secrets if fold_for_search(s) in everything]
