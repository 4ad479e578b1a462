"""A contacts search page on PostgreSQL with a bounded worst case (issue 24).

PostgreSQL chooses between reading every match of a search through the trigram index and
sorting them, and walking the order's index filtering each contact, from an estimate drawn
from ANALYZE's sample of 100 texts. The matches of a name sort together (Müller at M), so the
walk, costed as if they were spread evenly, can read 40,000 contacts before a page of 50: at
1,000,000 contacts the same search took 30 or 470 ms depending on the sample.

Instead, three statements in turn, each answering only when its answer is exact:

1. **The capped walk**: the first :data:`WALK_ROWS` contacts of the list without the search
   (after the cursor, in the order's index order), filtered by the search. The matches among
   the first N contacts of an order are the first matches of that order, so a full page
   (page + 1 rows) found among them is the page the plain statement returns. A walk that found
   some matches but not a page tells how far one would have to read at that share of matches
   (half as far again, for the unevenness); within :data:`WALK_FURTHER_ROWS`, a second walk
   reads that far (a term in one contact of a hundred, spread through the order).
2. **The bounded matches**: at most :data:`MATCH_ROWS` matches through the trigram index,
   materialized, then sorted. Fewer than the bound are all matches: the page is exact.
3. **The plain statement**, left to the planner: a term matching more than the bound, whose
   first page lies beyond the capped walk.

Only for lists the order's index reads without checking other filters per contact (no tag,
group, status, source or opt-in filter; see ``_walks_the_order`` in
:mod:`portal.services.contacts.search`): these keep the plain statement. SQLite is not planned
here: its FTS5 matches drive its own statement (:mod:`portal.services.contacts.list_plans`).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from portal.db import read_rows
from portal.models import Contact
from portal.models.contact_search import SearchTextContains

# How many contacts of the order the capped walk reads at most. A walk that finds no page
# costs about 2-4 microseconds a contact hot at 1,000,000 contacts (5,000: 10-30 ms under load);
# 5,000 holds a page of 50 of a term found in one contact of a hundred if its matches are spread
# through the order ('müller' by customer number or creation: 12 ms instead of 36-50 ms through
# its matches), 10,000 would double the cost of every rare term for little more.
WALK_ROWS = 5_000
# How far a second walk may read when the first found some matches but not a page: at 2-4
# microseconds a contact, 20,000 costs about as much as the bounded matches of a term found
# in one contact of a hundred ('familie.schr' at 1,000,000: 63-90 ms through its matches).
WALK_FURTHER_ROWS = 20_000
# How many matches the bounded statement reads at most: about 10 microseconds a match (one
# heap page each), so at most about 200 ms ('müller', 11,000 matches: 60-130 ms under load).
MATCH_ROWS = 20_000
_SEARCHED = "walk_search_text"


async def search_page(
    session: AsyncSession,
    page_query: Select[Any],
    *,
    keys: Sequence[Any],
    labels: Sequence[str],
    descending: bool,
    conditions: Sequence[ColumnElement[bool]],
    keyset: Sequence[ColumnElement[bool]],
    limit: int,
) -> Sequence[RowMapping] | None:
    """Up to ``limit`` + 1 rows of ``page_query`` (record columns and the labelled sort
    ``keys``, ordered) meeting ``conditions`` and ``keyset``, through statements 1 and 2 of
    the module; None when neither is exact (the caller runs the plain statement). For lists
    whose filters other than the search the order's index reads alone (is_active)."""

    def walk(rows: int) -> Awaitable[Sequence[RowMapping]]:
        return _capped_walk(
            session, page_query, labels, descending, conditions, keyset, limit, rows
        )

    rows = await walk(WALK_ROWS)
    if len(rows) > limit:
        return rows
    if rows:
        further = math.ceil(WALK_ROWS * (limit + 1) / len(rows) * 1.5)
        if further <= WALK_FURTHER_ROWS:
            rows = await walk(further)
            if len(rows) > limit:
                return rows
    rows = await _bounded_matches(
        session, page_query, keys, labels, descending, [*conditions, *keyset], limit
    )
    if not rows or rows[0]["matched"] < MATCH_ROWS:
        return rows
    return None


async def _capped_walk(
    session: AsyncSession,
    page_query: Select[Any],
    labels: Sequence[str],
    descending: bool,
    conditions: Sequence[ColumnElement[bool]],
    keyset: Sequence[ColumnElement[bool]],
    limit: int,
    rows: int,
) -> Sequence[RowMapping]:
    """Statement 1: the matches among the first ``rows`` contacts of the list without its
    search."""
    searches = [c for c in conditions if isinstance(c, SearchTextContains)]
    others = [c for c in conditions if not isinstance(c, SearchTextContains)]
    walk = (
        page_query.add_columns(Contact.search_text.label(_SEARCHED))
        .where(*others, *keyset)
        .limit(rows)
        .subquery("walk")
    )
    walked = (
        select(*(c for c in walk.c if c.key != _SEARCHED))
        .where(*(term.on(walk.c[_SEARCHED]) for term in searches))
        .order_by(*_ordered((walk.c[label] for label in labels), descending))
        .limit(limit + 1)
    )
    return (await read_rows(session, walked)).mappings().all()


async def _bounded_matches(
    session: AsyncSession,
    page_query: Select[Any],
    keys: Sequence[Any],
    labels: Sequence[str],
    descending: bool,
    conditions: Sequence[ColumnElement[bool]],
    limit: int,
) -> Sequence[RowMapping]:
    """Statement 2: the page among at most :data:`MATCH_ROWS` matches, each row with how
    many were read (``matched``)."""
    sort_keys = (key.label(label) for key, label in zip(keys, labels, strict=True))
    matches = (
        select(Contact.id.label("matched_id"), *sort_keys)
        .where(*conditions)
        .limit(MATCH_ROWS)
        .cte("matches")
        .prefix_with("MATERIALIZED")
    )
    first = (
        select(matches)
        .order_by(*_ordered((matches.c[label] for label in labels), descending))
        .limit(limit + 1)
        .subquery("first_matches")
    )
    record = [c for c in page_query.selected_columns if c.key not in labels]
    matched = select(func.count()).select_from(matches).scalar_subquery()
    bounded = (
        select(*record, *(first.c[label] for label in labels), matched.label("matched"))
        .join_from(Contact, first, Contact.id == first.c.matched_id)
        .order_by(*_ordered((first.c[label] for label in labels), descending))
    )
    return (await read_rows(session, bounded)).mappings().all()


def _ordered(columns: Any, descending: bool) -> list[Any]:
    return [c.desc() if descending else c for c in columns]
