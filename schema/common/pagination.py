"""Relay cursor connections over :class:`portal.pagination.Page`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment

from portal.pagination import CursorKey, Page, encode_cursor

Node = TypeVar("Node")
Row = TypeVar("Row")


@strawberry.type(description="Where a page stands in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="One item of a page and the cursor to continue after it.")
class Edge(Generic[Node]):
    node: Node
    _key: strawberry.Private[CursorKey]

    @strawberry.field(description="Pass as `after` to continue after this item.")
    def cursor(self) -> str:
        return encode_cursor(self._key)


@strawberry.type(description="A page of a list; continue with `after: pageInfo.endCursor`.")
class Connection(Generic[Node]):
    edges: list[Edge[Node]]
    page_info: PageInfo
    _count_total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="The items of this page, without cursors.")
    def nodes(self) -> list[Node]:
        return [edge.node for edge in self.edges]

    @strawberry.field(description="How many items the whole list has (with the same filters).")
    async def total_count(self) -> int:
        return await self._count_total()

    @classmethod
    def from_page(cls, page: Page[Row], wrap: Callable[[Row], Node]) -> Connection[Node]:
        edges = [
            Edge(node=wrap(item), _key=key) for item, key in zip(page.items, page.keys, strict=True)
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                has_previous_page=page.has_previous_page,
                start_cursor=page.cursor(0) if page.keys else None,
                end_cursor=page.cursor(-1) if page.keys else None,
            ),
            _count_total=page.count_total,
        )


def node_field_selected(info: Info[Any, Any], name: str) -> bool:
    """Whether the connection field being resolved asks for ``name`` on its nodes (through
    ``edges { node }``, also inside fragments): lets a list resolver read related rows with
    the page instead of one batched query later."""

    def children(selections: list[Any]) -> list[Any]:
        flat: list[Any] = []
        for selection in selections:
            if isinstance(selection, FragmentSpread | InlineFragment):
                flat.extend(children(selection.selections))
            else:
                flat.append(selection)
        return flat

    for connection in children(list(info.selected_fields)):
        for edges in children(connection.selections):
            if edges.name != "edges":
                continue
            for node in children(edges.selections):
                if node.name == "node" and any(f.name == name for f in children(node.selections)):
                    return True
    return False
