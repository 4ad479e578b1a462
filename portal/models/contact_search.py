"""The index behind ``contacts(filter: {search})``: substrings of the folded search column
(``contacts.search_text``: names, company, emails, phone digits, customer number).

- PostgreSQL: a ``pg_trgm`` GIN index on ``search_text`` (``ix_contacts_search_trgm``);
  ``LIKE '%term%'`` reads it for terms of three characters or more.
- SQLite: an FTS5 table with the trigram tokenizer (``contacts_search``), one row per contact
  under the contact's customer number (a stable integer: SQLite may renumber the implicit
  rowids of ``contacts`` on VACUUM), kept in step by triggers on ``contacts``, so every write
  path (ORM, bulk inserts, merges, erasure) updates it. FTS5 answers ``LIKE`` through the
  index for patterns without an ``ESCAPE`` clause that hold three characters or more.

Both compare the same folded text with the same ``LIKE`` pattern, so both find the same
contacts; :class:`SearchTextContains` picks the form per database. Neither index is declared
on the models (one exists on each database only): :data:`UNMODELLED` names them for the
schema comparison (``portal.migrate``, ``alembic check``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, column, literal, select, table
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from portal.models.contact import Contact
from portal.models.list_indexes import POSTGRES_INDEX_NAMES

SQLITE_TABLE = "contacts_search"
POSTGRES_INDEX = "ix_contacts_search_trgm"
# The FTS5 table, its shadow tables, the trigram index and the lists' partial indexes: present
# on one database only.
UNMODELLED = frozenset(
    {
        POSTGRES_INDEX,
        *POSTGRES_INDEX_NAMES,
        SQLITE_TABLE,
        *(f"{SQLITE_TABLE}_{shadow}" for shadow in ("data", "idx", "content", "docsize", "config")),
    }
)

# Literal SQL (no names spliced in): the table is SQLITE_TABLE.
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE contacts_search USING fts5(search_text, tokenize='trigram')",
    """CREATE TRIGGER contacts_search_after_insert AFTER INSERT ON contacts BEGIN
        INSERT INTO contacts_search(rowid, search_text)
        VALUES (NEW.customer_number, NEW.search_text);
    END""",
    """CREATE TRIGGER contacts_search_after_update
        AFTER UPDATE OF search_text, customer_number ON contacts BEGIN
        DELETE FROM contacts_search WHERE rowid = OLD.customer_number;
        INSERT INTO contacts_search(rowid, search_text)
        VALUES (NEW.customer_number, NEW.search_text);
    END""",
    """CREATE TRIGGER contacts_search_after_delete AFTER DELETE ON contacts BEGIN
        DELETE FROM contacts_search WHERE rowid = OLD.customer_number;
    END""",
    "INSERT INTO contacts_search(rowid, search_text) SELECT customer_number, search_text "
    "FROM contacts",
)
SQLITE_DROP = (
    *(
        f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_after_{event}"
        for event in ("insert", "update", "delete")
    ),
    f"DROP TABLE IF EXISTS {SQLITE_TABLE}",
)

# Fewer characters than a trigram: no index can answer, the column is scanned.
MIN_INDEXED_LENGTH = 3


def like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


class SearchTextContains(ColumnElement[bool]):
    """``contacts.search_text`` contains ``term`` (already folded), through the database's
    substring index where the term allows one."""

    __visit_name__ = "search_text_contains"
    inherit_cache = True
    type = Boolean()
    # A comparison, not a boolean value: SQLite would otherwise be sent ``... IN (...) = 1``,
    # which no index can answer, so the planner never drove a search from the FTS5 matches.
    _is_implicitly_boolean = True
    _traverse_internals = [
        ("pattern", InternalTraversal.dp_clauseelement),
        ("escaped", InternalTraversal.dp_boolean),
        ("indexed", InternalTraversal.dp_boolean),
    ]

    def __init__(self, term: str) -> None:
        escaped = like_escape(term)
        self.escaped = escaped != term
        self.indexed = len(term) >= MIN_INDEXED_LENGTH and not self.escaped
        self.pattern = literal(f"%{escaped}%")

    def on(self, target: Any) -> ColumnElement[bool]:
        """The same ``LIKE`` on ``target``, a column holding ``search_text`` (of a subquery)."""
        return _like(target, self)


def _like(target: Any, element: SearchTextContains) -> ColumnElement[bool]:
    if element.escaped:
        return target.like(element.pattern, escape="\\")  # type: ignore[no-any-return]
    return target.like(element.pattern)  # type: ignore[no-any-return]


@compiles(SearchTextContains)
def _compile_default(element: SearchTextContains, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(_like(Contact.search_text, element), **kw)


@compiles(SearchTextContains, "sqlite")
def _compile_sqlite(element: SearchTextContains, compiler: SQLCompiler, **kw: Any) -> str:
    if not element.indexed:
        # FTS5 scans its whole table for these (slower than the contacts table itself).
        return compiler.process(_like(Contact.search_text, element), **kw)
    fts = table(SQLITE_TABLE, column("rowid"), column("search_text"))
    matches = select(fts.c.rowid).where(_like(fts.c.search_text, element))
    return compiler.process(Contact.customer_number.in_(matches), **kw)


def include_in_comparison(
    _object: Any, name: str | None, _type: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic's ``include_object``: the search index objects exist in the database only."""
    return not (reflected and compare_to is None and name in UNMODELLED)
