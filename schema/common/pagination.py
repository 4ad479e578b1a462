"""Relay cursor connections over :class:`portal.pagination.Page`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from portal.pagination import COUNT_BOUND, Page

Node = TypeVar("Node")
Row = TypeVar("Row")


@strawberry.type(description="Where a page stands in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether items follow this page; ask again with `after: endCursor`."
    )
    has_previous_page: bool = strawberry.field(
        description="True when the page was asked for with `after`: lists page forward only "
        "(`first`/`after`), so items come before it."
    )
    start_cursor: str | None = strawberry.field(
        description="Opaque cursor of the page's first item; null when the page is empty."
    )
    end_cursor: str | None = strawberry.field(
        description="Opaque cursor of the page's last item, to pass as `after` for the next "
        "page; null when the page is empty."
    )


@strawberry.type(description="One item of a page and the cursor to continue after it.")
class Edge(Generic[Node]):
    node: Node = strawberry.field(description="The item.")
    _page: strawberry.Private[Page[Any]]
    _index: strawberry.Private[int]

    @strawberry.field(description="Pass as `after` to continue after this item.")
    def cursor(self) -> str:
        return self._page.cursor(self._index)


class _Total:
    """The page's bounded total, counted once however many fields ask (both total fields may
    be resolved at the same time)."""

    def __init__(self, count: Callable[[], Awaitable[int]]) -> None:
        self._count = count
        self._task: asyncio.Future[int] | None = None

    async def __call__(self) -> int:
        if self._task is None:
            self._task = asyncio.ensure_future(self._count())
        return await self._task


@strawberry.type(description="A page of a list; continue with `after: pageInfo.endCursor`.")
class Connection(Generic[Node]):
    edges: list[Edge[Node]] = strawberry.field(
        description="The items of this page in list order, each with its cursor."
    )
    page_info: PageInfo = strawberry.field(description="Whether and how to fetch more pages.")
    _total: strawberry.Private[_Total]

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[Node]:
        return [edge.node for edge in self.edges]

    @strawberry.field(
        description=f"How many items the whole list has with the same filters, counted exactly "
        f"up to {COUNT_BOUND:,}. A longer list reports {COUNT_BOUND:,} and `totalCountIsExact: "
        f'false` (show "{COUNT_BOUND:,}+"): counting stops at the bound, so asking for the '
        "total costs little even on a list of a million items. Ask for it only when shown: "
        "it is one more query."
    )
    async def total_count(self) -> int:
        return min(await self._total(), COUNT_BOUND)

    @strawberry.field(
        description=f"Whether `totalCount` is exact: false when the list has more than "
        f"{COUNT_BOUND:,} items."
    )
    async def total_count_is_exact(self) -> bool:
        return await self._total() <= COUNT_BOUND

    @classmethod
    def from_page(cls, page: Page[Row], wrap: Callable[[Row], Node]) -> Connection[Node]:
        edges = [
            Edge(node=wrap(item), _page=page, _index=index) for index, item in enumerate(page.items)
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursor(0) if page.items else None,
                end_cursor=page.cursor(-1) if page.items else None,
            ),
            _total=_Total(page.count_total),
        )


def flatten_selections(selections: list[Selection]) -> list[SelectedField]:
    """The fields of ``selections``, with those inside fragments lifted to the same level."""
    fields: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, FragmentSpread | InlineFragment):
            fields.extend(flatten_selections(selection.selections))
        else:
            fields.append(selection)
    return fields


def node_selections(info: Info[Any, Any]) -> Iterator[SelectedField]:
    """The fields the connection being resolved asks of its nodes, through ``edges { node }``
    and ``nodes`` (also inside fragments)."""
    for connection in flatten_selections(list(info.selected_fields)):
        for child in flatten_selections(connection.selections):
            if child.name == "nodes":
                yield from flatten_selections(child.selections)
            elif child.name == "edges":
                for edge_field in flatten_selections(child.selections):
                    if edge_field.name == "node":
                        yield from flatten_selections(edge_field.selections)


def node_field_selected(info: Info[Any, Any], name: str) -> bool:
    """Whether the connection field being resolved asks for ``name`` on its nodes: lets a
    list resolver read related rows with the page instead of one batched query later."""
    return any(field.name == name for field in node_selections(info))
