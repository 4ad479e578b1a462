"""Nodes backed by a database row, read lazily, and the columns a selection needs.

A list page used to copy every column of every row into a Strawberry object, though a client
reads a handful of fields. A *record node* keeps the row (a mapping of column values by
column name, ``record``) and reads a column only when its field is resolved. Each field
declares the columns it reads (:func:`column` does it for fields that return one column as
it is; computed fields say so with ``metadata=needs(...)``), so a list resolver can ask the
database for exactly those (:func:`columns_for_nodes`).

Fields that read a record take only ``self`` and are synchronous, so the fast-path executor
(``schema.common.execution``) completes them without graphql-core's per-field machinery.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLSchema
from sqlalchemy.engine import Row
from strawberry.types import Info
from strawberry.types.nodes import SelectedField

from schema.common.ids import to_global_id
from schema.common.pagination import node_selections

COLUMNS = "portal.columns"  # field metadata: the record columns a field reads
LOADS = "portal.loads"  # field metadata: the DataLoaders (Loaders attributes) a field reads
ID_COLUMN = "id"


def column(
    key: str,
    graphql_type: Any,
    *,
    description: str | None = None,
    name: str | None = None,
) -> Any:
    """A field returning the record's column ``key`` as it is."""

    def read(self: Any) -> Any:
        return self.record[key]

    return strawberry.field(
        resolver=read,
        graphql_type=graphql_type,
        description=description,
        name=name,
        metadata={COLUMNS: (key,)},
    )


def global_id(type_name: str) -> Any:
    """Node's ``id`` field for a record node of ``type_name``, computed when asked for."""

    def read(self: Any) -> strawberry.ID:
        return to_global_id(type_name, self.record[ID_COLUMN])

    return strawberry.field(
        resolver=read,
        graphql_type=strawberry.ID,
        description="Opaque global id; pass it back as is.",
        metadata={COLUMNS: (ID_COLUMN,)},
    )


def record_of(row: Any, keys: Iterable[str]) -> Mapping[Any, Any]:
    """A node's record from a plain row (its mapping, nothing copied) or from an ORM object
    (the ``keys`` attributes' current values)."""
    if isinstance(row, Row):
        return row._mapping
    return {key: getattr(row, key) for key in keys}


def needs(*keys: str, loads: tuple[str, ...] = ()) -> Mapping[str, tuple[str, ...]]:
    """Field metadata of a computed field: the record columns it reads (none for fields that
    read nothing of the record, such as constants), and the DataLoaders it reads by the
    node's id (``loads``, names of ``schema.common.loaders.Loaders`` attributes), which a list
    resolver fills for the whole page at once (:func:`preload`)."""
    return {COLUMNS: keys, LOADS: loads}


@lru_cache(maxsize=64)
def _declared_loaders(schema: GraphQLSchema, type_name: str) -> Mapping[str, tuple[str, ...]]:
    graphql_type = schema.get_type(type_name)
    assert isinstance(graphql_type, GraphQLObjectType), type_name
    declared: dict[str, tuple[str, ...]] = {}
    for name, field in graphql_type.fields.items():
        definition = (field.extensions or {}).get("strawberry-definition")
        metadata = getattr(definition, "metadata", None) or {}
        declared[name] = metadata.get(LOADS, ())
    return declared


async def preload(
    info: Info[Any, Any],
    type_name: str,
    fields: Iterable[SelectedField],
    ids: Iterable[Any],
) -> None:
    """Fill, for the nodes of ``type_name`` with ``ids``, every DataLoader that the selected
    ``fields`` read: one batch per loader, all before the first field resolves. The fields
    then find their values loaded and complete without a coroutine each (a page of 100
    contacts with four relations would otherwise await 400 of them)."""
    declared = _declared_loaders(info._raw_info.schema, type_name)
    names = sorted({name for field in fields for name in declared.get(field.name, ())})
    keys = list(dict.fromkeys(ids))
    if not names or not keys:
        return
    loaders = info.context.loaders
    # One after the other: the request's session runs one statement at a time anyway.
    for name in names:
        await getattr(loaders, name).fill(keys)


@lru_cache(maxsize=64)
def _declared_columns(
    schema: GraphQLSchema, type_name: str
) -> Mapping[str, tuple[str, ...] | None]:
    """For each field of ``type_name`` (by GraphQL name), the columns it declares, or None
    when it declares nothing (its needs are unknown)."""
    graphql_type = schema.get_type(type_name)
    assert isinstance(graphql_type, GraphQLObjectType), type_name
    declared: dict[str, tuple[str, ...] | None] = {}
    for name, field in graphql_type.fields.items():
        definition = (field.extensions or {}).get("strawberry-definition")
        metadata = getattr(definition, "metadata", None) or {}
        declared[name] = metadata.get(COLUMNS)
    declared["__typename"] = ()
    return declared


def columns_for(
    info: Info[Any, Any],
    type_name: str,
    fields: Iterable[SelectedField],
    available: tuple[str, ...],
) -> tuple[str, ...]:
    """The record columns that nodes of ``type_name`` need for the selected ``fields``: the
    columns each declares, with ``id`` (relations load by it), in ``available``'s order. All of
    ``available`` as soon as a selected field does not declare its columns."""
    declared = _declared_columns(info._raw_info.schema, type_name)
    wanted = {ID_COLUMN}
    for field in fields:
        columns = declared.get(field.name)
        if columns is None:
            return available
        wanted.update(columns)
    return tuple(key for key in available if key in wanted)


def columns_for_nodes(
    info: Info[Any, Any], type_name: str, available: tuple[str, ...]
) -> tuple[str, ...]:
    """:func:`columns_for` the fields the connection being resolved asks of its nodes
    (under ``edges { node }`` and ``nodes``)."""
    return columns_for(info, type_name, node_selections(info), available)
