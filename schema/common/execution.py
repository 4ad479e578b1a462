"""A graphql-core executor with a fast path for plain fields.

graphql-core spends more on each field than a list page spends per row on anything else: a
path, a ``GraphQLResolveInfo``, Strawberry's resolver wrapper, then ``complete_value`` walking
through its non-null, list, leaf and object checks. Most fields of a list page are *plain*:

- a Strawberry field without resolver, permission or extension, which reads one attribute, or
- a synchronous resolver that takes nothing but ``self`` (``Edge.cursor``, ``opt_in_state``),

and hold a scalar or enum, an object, or a list of objects. For those this executor reads the
value and coerces it directly, or goes straight on to the sub-selection.

The fast path reads each value exactly once, as graphql-core would, and never decides anything
differently: whenever the value is something it does not complete in full (null in a non-null
position, an awaitable, a value that fails to coerce, an object of another type, an iterable
that is not a list or tuple), it hands the value it read to graphql-core's ``complete_value``,
which answers with its usual result or error. It is off when schema middleware (an extension
with ``resolve``) must see every field. ``tests/schema/test_execution.py`` checks results and
errors against the stock executor.

Why it is kept: the staff contacts page (100 rows x 10 fields over HTTP) takes half the time
with it. Without / with, p50 (and median of paired rounds): 1.72-2.04x (1.84-2.04x) on SQLite,
1.88-2.01x (2.02x) on PostgreSQL; p50 12.5-42 ms with it, 25.6-85 ms without, on a 2-core
machine shared with other test runs (``python -m benchmarks shortcuts``, 2026-12-02, 7 runs).

It overrides and calls private methods of graphql-core 3.3's executor and reads Strawberry's
resolver internals: both are pinned in ``pyproject.toml``,
:data:`INTERNALS` is checked when this module is imported (``portal.internals``), and
``tests/schema/test_execution.py`` asserts that a page takes the fast path and that it answers
as the stock executor does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, auto
from operator import attrgetter
from typing import Any
from uuid import UUID

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from portal.internals import Internal, require
from schema.common.limits import suggests_names

_Executor = StrawberryGraphQLCoreExecutionContext
# ``build``'s parameters up to ``context_value``, which FastPathExecutor.build reads, and the
# keyword it sets; the rest pass through as given.
_BUILD_PARAMETERS = (
    "schema", "document", "root_value", "context_value", "raw_variable_values",
    "operation_name", "field_resolver", "type_resolver", "subscribe_field_resolver",
    "max_coercion_errors", "enable_early_execution", "middleware", "is_awaitable",
    "is_async_iterable", "hide_suggestions", "abort_signal", "hooks", "custom_args",
)  # fmt: skip
# What this module overrides or calls of graphql-core's executor and Strawberry, with the
# parameters it passes (after self); an upgrade that changes one fails the import.
INTERNALS = (
    Internal(
        _Executor,
        "execute_fields",
        ("parent_type", "source_value", "path", "grouped_field_set", "position_context"),
    ),
    Internal(
        _Executor,
        "execute_field",
        ("parent_type", "source", "field_details_list", "path", "position_context"),
    ),
    Internal(
        _Executor, "handle_field_error", ("raw_error", "return_type", "field_details_list", "path")
    ),
    Internal(_Executor, "build_resolve_info", ("field_def", "field_nodes", "parent_type", "path")),
    *(
        Internal(
            _Executor,
            name,
            ("return_type", "field_details_list", "info", "path", "result", "position_context"),
        )
        for name in ("complete_value", "complete_awaitable_value")
    ),
    Internal(_Executor, "collect_subfields", ("return_type", "field_details_list")),
    Internal(
        _Executor,
        "collect_and_execute_subfields",
        ("return_type", "field_details_list", "path", "result", "position_context"),
    ),
    Internal(_Executor, "settle_in_background", ("awaitables",)),
    Internal(_Executor, "build", _BUILD_PARAMETERS),
    Internal(Info, "__init__", ("_raw_info", "_field")),
    Internal(StrawberryField, "base_resolver"),
    Internal(StrawberryField, "default_resolver"),
)
require(__name__, ("graphql-core", "strawberry-graphql"), INTERNALS)

# Values of these types are never awaitable (no __await__ to look up).
_PLAIN_TYPES: frozenset[type] = frozenset(
    {str, int, float, bool, datetime, date, Decimal, UUID, list, tuple, dict}
)
_DECLINED: Any = object()  # the fast path declines; graphql-core completes the value
# Built-in scalars whose coercion returns a value of this exact type as it is.
_UNCHANGED: dict[Any, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLBoolean: bool,
}


class _Kind(Enum):
    LEAF = auto()
    OBJECT = auto()
    OBJECT_LIST = auto()


@dataclass(frozen=True, slots=True)
class _Shortcut:
    """How to complete one plain field without graphql-core's per-field machinery."""

    field_def: GraphQLField
    read: Callable[..., Any]  # the field's value: read(source), or read(source, info)
    with_info: bool  # read takes Strawberry's Info as well
    kind: _Kind
    nullable: bool
    coerce: Callable[[Any], Any] | None = None  # leaves
    unchanged: type | None = None  # leaves: values of this type are their own coercion
    object_type: GraphQLObjectType | None = None  # objects and lists of objects
    item_type: GraphQLOutputType | None = None  # lists: the item type as declared


def _reader(field_def: GraphQLField) -> tuple[Callable[..., Any], bool] | None:
    """How a plain Strawberry field reads its value: an attribute getter, or a synchronous
    resolver that takes ``self`` and optionally ``info`` (and whether it takes ``info``);
    None when graphql-core must resolve the field."""
    field = (field_def.extensions or {}).get("strawberry-definition")
    resolve = field_def.resolve
    if (
        not isinstance(field, StrawberryField)
        or field.extensions  # permission classes and field extensions live here
        or field_def.args
        or resolve is None
    ):
        return None
    resolver = field.base_resolver
    if resolver is None:
        basic = getattr(resolve, "__name__", "") == "_get_basic_result"
        if basic and field.default_resolver is getattr and field.python_name:
            return attrgetter(field.python_name), False
        return None
    parameters = list(resolver.signature.parameters.values())
    with_info = len(parameters) == 2 and resolver.info_parameter is parameters[1]
    plain = (
        resolver.self_parameter is parameters[0]
        and (len(parameters) == 1 or with_info)
        and not resolver.is_async
        and getattr(resolve, "__name__", "") == "_resolver"
    )
    function = resolver.wrapped_func
    return (function, with_info) if plain and callable(function) else None


def _object_type(type_: Any) -> GraphQLObjectType | None:
    """A concrete object type whose ``is_type_of`` (if any) is Strawberry's own, which looks
    at the value only."""
    if not isinstance(type_, GraphQLObjectType):
        return None
    is_type_of = type_.is_type_of
    if is_type_of is not None and "_get_is_type_of" not in is_type_of.__qualname__:
        return None
    return type_


def _shortcut_for(field_def: GraphQLField) -> _Shortcut | None:
    reader = _reader(field_def)
    if reader is None:
        return None
    read, with_info = reader
    return_type = field_def.type
    nullable = not isinstance(return_type, GraphQLNonNull)
    inner = return_type if nullable else return_type.of_type  # type: ignore[union-attr]
    if is_leaf_type(inner):
        coerce = inner.coerce_output_value
        unchanged = _UNCHANGED.get(inner)
        return _Shortcut(
            field_def, read, with_info, _Kind.LEAF, nullable, coerce=coerce, unchanged=unchanged
        )
    if (object_type := _object_type(inner)) is not None:
        return _Shortcut(
            field_def, read, with_info, _Kind.OBJECT, nullable, object_type=object_type
        )
    if isinstance(inner, GraphQLList):
        item_type = inner.of_type
        item_inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
        if (object_type := _object_type(item_inner)) is not None:
            return _Shortcut(
                field_def,
                read,
                with_info,
                _Kind.OBJECT_LIST,
                nullable,
                object_type=object_type,
                item_type=item_type,
            )
    return None


# Shortcuts per field definition of the (long-lived) schemas; the definition is kept in the
# value so that its id is never reused while the entry exists.
_shortcuts: dict[int, tuple[GraphQLField, _Shortcut | None]] = {}


def shortcut_for(field_def: GraphQLField) -> _Shortcut | None:
    """The fast path of ``field_def``, or None when graphql-core must resolve it."""
    entry = _shortcuts.get(id(field_def))
    if entry is None:
        entry = _shortcuts[id(field_def)] = (field_def, _shortcut_for(field_def))
    return entry[1]


_Plan = list[tuple[str, FieldDetailsList, _Shortcut | None]]


class FastPathExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor, with plain fields completed without per-field overhead."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._fast = manager is None or not manager.middlewares
        # Plans per grouped field set; the set is kept in the value so its id stays unique.
        self._plans: dict[int, tuple[GroupedFieldSet, _Plan]] = {}
        self._field_nodes: dict[int, tuple[FieldDetailsList, list[FieldNode]]] = {}

    @classmethod
    def build(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        root_value: Any = None,
        context_value: Any = None,
        *args: Any,
        hide_suggestions: bool = False,
        **kwargs: Any,
    ) -> Any:
        """graphql-core's ``build``; in production, coercing the variables names no schema
        member ("Did you mean ...?", see ``schema.common.limits``)."""
        kwargs["hide_suggestions"] = hide_suggestions or not suggests_names(context_value)
        return super().build(schema, document, root_value, context_value, *args, **kwargs)

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> _Plan:
        entry = self._plans.get(id(fields))
        if entry is None:
            plan: _Plan = []
            for response_name, field_details_list in fields.items():
                node = field_details_list[0].node
                field_def = self.schema.get_field(parent_type, node.name.value)
                shortcut = (
                    shortcut_for(field_def)
                    if field_def is not None and not node.arguments and not node.directives
                    else None
                )
                plan.append((response_name, field_details_list, shortcut))
            entry = self._plans[id(fields)] = (fields, plan)
        return entry[1]

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if not self._fast:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, shortcut in self._plan(
                parent_type, grouped_field_set
            ):
                if shortcut is None:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        field_details_list,
                        Path(path, response_name, parent_type.name),
                        position_context,
                    )
                    if result is Undefined:
                        continue
                else:
                    try:
                        if shortcut.with_info:
                            value = shortcut.read(
                                source_value,
                                self._strawberry_info(
                                    shortcut, parent_type, path, response_name, field_details_list
                                ),
                            )
                        else:
                            value = shortcut.read(source_value)
                    except Exception as raw_error:
                        self.handle_field_error(
                            raw_error,
                            shortcut.field_def.type,
                            field_details_list,
                            Path(path, response_name, parent_type.name),
                        )
                        result = None
                    else:
                        result = _DECLINED
                        # Leaves inline: most fields of a page are plain strings and numbers.
                        if value is None:
                            if shortcut.nullable:
                                result = None
                        elif type(value) is shortcut.unchanged:
                            result = value
                        elif shortcut.kind is _Kind.LEAF and type(value) in _PLAIN_TYPES:
                            try:
                                result = shortcut.coerce(value)  # type: ignore[misc]
                            except Exception:
                                result = _DECLINED
                            if result is None or result is Undefined:
                                result = _DECLINED
                        if result is _DECLINED:
                            result = self._execute_plain_field(
                                shortcut,
                                parent_type,
                                value,
                                Path(path, response_name, parent_type.name),
                                field_details_list,
                                position_context,
                            )
                results[response_name] = result
                if type(result) not in _PLAIN_TYPES and is_awaitable(result):
                    awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                name = awaitable_fields[0]
                results[name] = await results[name]
            else:
                awaited = await gather_with_cancel(*(results[n] for n in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _strawberry_info(
        self,
        shortcut: _Shortcut,
        parent_type: GraphQLObjectType,
        path: Path | None,
        response_name: str,
        field_details_list: FieldDetailsList,
    ) -> Info[Any, Any]:
        """What Strawberry passes a resolver as ``info`` (built only for resolvers that take
        it, as Strawberry's own wrapper does)."""
        field_def = shortcut.field_def
        entry = self._field_nodes.get(id(field_details_list))
        if entry is None:  # the same list for every row of a page
            entry = (field_details_list, to_nodes(field_details_list))
            self._field_nodes[id(field_details_list)] = entry
        raw = self.build_resolve_info(
            field_def, entry[1], parent_type, Path(path, response_name, parent_type.name)
        )
        return Info(_raw_info=raw, _field=field_def.extensions["strawberry-definition"])

    def _execute_plain_field(
        self,
        shortcut: _Shortcut,
        parent_type: GraphQLObjectType,
        value: Any,
        path: Path,
        field_details_list: FieldDetailsList,
        position_context: Any,
    ) -> Any:
        """What ``execute_field`` answers for a plain field whose value has been read."""
        completed = self._complete_plain(
            shortcut, value, path, field_details_list, position_context
        )
        if completed is _DECLINED:
            return self._complete_resolved(
                shortcut.field_def, parent_type, value, path, field_details_list, position_context
            )
        return completed

    def _complete_plain(
        self,
        shortcut: _Shortcut,
        value: Any,
        path: Path,
        field_details_list: FieldDetailsList,
        position_context: Any,
    ) -> Any:
        """The completed ``value``, or ``_DECLINED`` when graphql-core must complete it."""
        if value is None:
            return None if shortcut.nullable else _DECLINED
        if type(value) not in _PLAIN_TYPES and self.is_awaitable(value):
            return _DECLINED
        kind = shortcut.kind
        if kind is _Kind.LEAF:
            try:
                coerced = shortcut.coerce(value)  # type: ignore[misc]
            except Exception:
                return _DECLINED
            return _DECLINED if coerced is None or coerced is Undefined else coerced
        object_type = shortcut.object_type
        assert object_type is not None
        # Strawberry's is_type_of looks at the value only (see _object_type): no info needed.
        is_type_of: Any = object_type.is_type_of
        if kind is _Kind.OBJECT:
            if is_type_of is not None and not is_type_of(value, None):
                return _DECLINED
            return self._guard(
                self._execute_subselection,
                (object_type, field_details_list, path, value, position_context),
                shortcut.field_def.type,
                field_details_list,
                path,
            )
        if type(value) not in (list, tuple):
            return _DECLINED
        is_awaitable = self.is_awaitable
        for item in value:
            if (
                item is None
                or is_awaitable(item)
                or (is_type_of is not None and not is_type_of(item, None))
            ):
                return _DECLINED
        return self._guard(
            self._complete_object_items,
            (shortcut, value, path, field_details_list, position_context),
            shortcut.field_def.type,
            field_details_list,
            path,
        )

    def _execute_subselection(
        self,
        object_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path,
        value: Any,
        position_context: Any,
    ) -> Any:
        """The sub-selection of an object: straight to :meth:`execute_fields` unless
        incremental delivery (``@defer``) takes part."""
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            object_type, field_details_list
        )
        if new_defer_usages or position_context is not None:
            return self.collect_and_execute_subfields(
                object_type, field_details_list, path, value, position_context
            )
        return self.execute_fields(object_type, value, path, grouped_field_set, None)

    def _complete_object_items(
        self,
        shortcut: _Shortcut,
        items: list[Any] | tuple[Any, ...],
        path: Path,
        field_details_list: FieldDetailsList,
        position_context: Any,
    ) -> Any:
        object_type, item_type = shortcut.object_type, shortcut.item_type
        assert object_type is not None and item_type is not None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(
            object_type, field_details_list
        )
        direct = not new_defer_usages and position_context is None
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                item_path = Path(path, index, None)
                # complete_list_item_value's error handling, inline: this runs once per row.
                try:
                    if direct:
                        result = self.execute_fields(
                            object_type, item, item_path, grouped_field_set, None
                        )
                    else:
                        result = self.collect_and_execute_subfields(
                            object_type, field_details_list, item_path, item, position_context
                        )
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                    result = None
                else:
                    if type(result) is not dict:  # an awaitable of the item's fields
                        result = self._await_guarded(
                            result, item_type, field_details_list, item_path
                        )
                        awaitable_indices.append(index)
                completed.append(result)
        except Exception:
            # A non-null item failed and nulls the list: settle the items already running.
            if awaitable_indices:
                self.settle_in_background([completed[i] for i in awaitable_indices])
            raise
        if not awaitable_indices:
            return completed

        async def await_items() -> list[Any]:
            awaited = await gather_with_cancel(*(completed[i] for i in awaitable_indices))
            for index, value in zip(awaitable_indices, awaited, strict=True):
                completed[index] = value
            return completed

        return await_items()

    def _complete_resolved(
        self,
        field_def: GraphQLField,
        parent_type: GraphQLObjectType,
        result: Any,
        path: Path,
        field_details_list: FieldDetailsList,
        position_context: Any,
    ) -> Any:
        """``execute_field`` from the point where the resolver has returned ``result``."""
        return_type = field_def.type
        info = self.build_resolve_info(field_def, to_nodes(field_details_list), parent_type, path)
        if self.is_awaitable(result):
            return self.complete_awaitable_value(
                return_type, field_details_list, info, path, result, position_context
            )
        return self._guard(
            self.complete_value,
            (return_type, field_details_list, info, path, result, position_context),
            return_type,
            field_details_list,
            path,
        )

    def _guard(
        self,
        complete: Callable[..., Any],
        arguments: tuple[Any, ...],
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        """``complete(*arguments)`` with graphql-core's error handling of a field or a list
        item: an error becomes null here, or propagates when the position is non-null."""
        try:
            completed = complete(*arguments)
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
        if type(completed) in _PLAIN_TYPES or not self.is_awaitable(completed):
            return completed
        return self._await_guarded(completed, return_type, field_details_list, path)

    async def _await_guarded(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None
