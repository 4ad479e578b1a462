"""Steering SQLite's planner to the index of a list's order.

SQLite plans without statistics (nothing runs ``ANALYZE`` on an embedded database), and then
prefers any index that an equality of the WHERE clause can search over one that gives the
order: a list filtered on ``is_active`` (every list is) or ``portal_status`` and ordered by
customer number or creation searched ``ix_contacts_name_order`` / ``ix_contacts_status_name_order``
and sorted every match (1.6-2.4 s for a tag filter at 100,000 contacts, where walking the
order's index and probing the tag's link table per contact stops after one page).

:func:`not_an_index_key` writes a column as ``+column`` on SQLite: the same value, but no
index can search on it (SQLite's documented way to disqualify an index, see "The query
planner" in its documentation), so the planner walks the order's index and filters. Other
databases get the plain column: PostgreSQL plans from its statistics.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal


class NotAnIndexKey(ColumnElement[Any]):
    """``column``, which SQLite's planner may not search an index by."""

    __visit_name__ = "not_an_index_key"
    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type


def not_an_index_key(column: Any) -> Any:
    """``column`` (typed like it), compiled as ``+column`` on SQLite."""
    return NotAnIndexKey(column)


@compiles(NotAnIndexKey)
def _compile_default(element: NotAnIndexKey, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(NotAnIndexKey, "sqlite")
def _compile_sqlite(element: NotAnIndexKey, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)
