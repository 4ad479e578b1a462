"""Keyset pagination shared by every list: stable under inserts, no OFFSET scans.

A cursor is the sort key of the last row seen, JSON-encoded and base64url'd so clients treat it
as opaque. Pages are fetched with one extra row to learn whether another page follows.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, FromClause, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.errors import InvalidInput

T = TypeVar("T")

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20
# Totals are counted exactly up to this many rows; beyond, a list reports the bound and that
# it has more ("10,000+"): an exact count of a million filtered rows costs 100 ms or more on
# every page, and nobody pages through ten thousand rows to check it.
COUNT_BOUND = 10_000

CursorKey = tuple[str | int | float | bool | None, ...]


def encode_cursor(key: CursorKey) -> str:
    raw = json.dumps(list(key), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> CursorKey:
    """Parse a cursor made by :func:`encode_cursor`; a tampered or foreign one is bad input."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput.single("INVALID_CURSOR", "after", "The cursor is not valid.") from None
    if not isinstance(value, list) or len(value) != arity:
        raise InvalidInput.single("INVALID_CURSOR", "after", "The cursor is not valid.")
    if not all(isinstance(v, str | int | float | bool) or v is None for v in value):
        raise InvalidInput.single("INVALID_CURSOR", "after", "The cursor is not valid.")
    return tuple(value)


def check_page_size(first: int | None) -> int:
    """The page size to use; more than :data:`MAX_PAGE_SIZE` or less than 0 is bad input."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise InvalidInput.single(
            "INVALID_PAGE_SIZE", "first", f"first must be between 0 and {MAX_PAGE_SIZE}."
        )
    return first


async def count_up_to_bound(
    session: AsyncSession, source: FromClause | type[Any], conditions: Sequence[ColumnElement[bool]]
) -> int:
    """How many rows of ``source`` meet ``conditions``, counted up to :data:`COUNT_BOUND` + 1
    (a result above the bound only says "more than the bound"): the database stops reading
    after that many matches."""
    matches = select(literal(1)).select_from(source).where(*conditions).limit(COUNT_BOUND + 1)
    total = await session.scalar(select(func.count()).select_from(matches.subquery()))
    return int(total or 0)


@dataclass
class Page(Generic[T]):
    """One page of a list, with each item's sort key and a lazily computed total (exact up
    to :data:`COUNT_BOUND`, any number above it meaning "more than the bound").

    Cursors are computed on demand (:meth:`cursor`): most clients of a list page never ask for
    the cursor of every edge, and encoding costs more than reading the row."""

    items: list[T]
    has_next_page: bool
    has_previous_page: bool
    count_total: Callable[[], Awaitable[int]] = field(repr=False)
    key: Callable[[T], CursorKey] = field(repr=False)
    # Objects read with the page by a join, by the id of the item they belong to.
    related: dict[Any, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_rows(
        cls,
        rows: Sequence[T],
        limit: int,
        key: Callable[[T], CursorKey],
        *,
        after_given: bool,
        count_total: Callable[[], Awaitable[int]],
    ) -> Page[T]:
        return cls(
            items=list(rows[:limit]),
            has_next_page=len(rows) > limit,
            has_previous_page=after_given,
            count_total=count_total,
            key=key,
        )

    def cursor(self, index: int) -> str:
        """The cursor after item ``index`` (negative indexes count from the end)."""
        return encode_cursor(self.key(self.items[index]))
