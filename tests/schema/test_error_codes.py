"""Every code a mutation can produce fits its payload's error enum (issue 17, item 3).

A payload error's ``code`` is an enum; a domain error whose code the enum lacks used to crash the
whole answer ("<ContactErrorCode.REQUIRED: ...> is not a valid PortalUserErrorCode"). The error
enums are built as unions of the domain code sets (``schema.common.errors.error_codes``); this
test finds, for every mutation of both APIs, the codes its resolver can reach and checks that the
payload's enum has each one.

What a resolver can reach is read from the source: the resolver's body and, transitively, every
project function it names (resolved through the function's module globals, so aliases such as
``service.assign_portal_user`` or ``Code.REQUIRED`` resolve as Python would). A code is any
member of a domain code set (a class named ``...ErrorCode``) the code names, the code of a
module-level ``FieldError`` it names, and a string literal passed as a ``FieldError`` /
``InvalidInput.single`` code. Calls through an object (``session.x()``, ``env.y()``) cannot be
resolved this way; the codes those reach are listed in ``THROUGH_OBJECTS`` below.

The over-approximation (a code named in a comparison or caught and turned into a row result is
counted as producible) costs at most an enum value a client never sees; missing one costs a
crashed answer.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import textwrap
from collections.abc import Callable, Iterator
from functools import cache
from types import FunctionType, ModuleType
from typing import Any

import pytest
from graphql import GraphQLObjectType
from strawberry import Schema

from portal.errors import FieldError, InvalidInput
from schema.admin.schema import admin_schema
from schema.common.errors import ErrorFields, codes_of
from schema.portal.schema import portal_schema

PROJECT = ("identity", "portal", "schema")
DEFINITION = "strawberry-definition"


def _is_code_set(value: Any) -> bool:
    return isinstance(value, type) and value.__name__.endswith("ErrorCode")


def _in_project(value: Any) -> bool:
    module = getattr(value, "__module__", "") or ""
    return module.split(".")[0] in PROJECT


def _evaluate(node: ast.expr, namespace: dict[str, Any]) -> Any:
    """The object a ``Name`` or dotted ``Attribute`` chain stands for, or None."""
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _evaluate(node.value, namespace)
        if owner is None or not isinstance(owner, ModuleType | type):
            return None
        return getattr(owner, node.attr, None)
    return None


def _swallows_invalid_input(handler: ast.ExceptHandler, namespace: dict[str, Any]) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught] if caught else []
    return any(_evaluate(name, namespace) is InvalidInput for name in names) and not any(
        isinstance(node, ast.Raise) for node in ast.walk(handler)
    )


def _uncaught_nodes(tree: ast.AST, namespace: dict[str, Any]) -> Iterator[ast.AST]:
    """Every node of ``tree`` except the bodies of ``try`` blocks that catch InvalidInput and do
    not raise again (a bulk import turns a row's refusal into that row's result)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, ast.Try) and any(
            _swallows_invalid_input(handler, namespace) for handler in node.handlers
        ):
            todo.extend([*node.handlers, *node.orelse, *node.finalbody])
            continue
        todo.extend(ast.iter_child_nodes(node))


@cache
def _direct(function: FunctionType) -> tuple[frozenset[str], tuple[FunctionType, ...]]:
    """The codes ``function`` names itself and the project functions it names."""
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError):
        return frozenset(), ()
    namespace = dict(function.__globals__)
    if function.__closure__:
        for name, cell in zip(function.__code__.co_freevars, function.__closure__, strict=True):
            with contextlib.suppress(ValueError):  # an empty cell
                namespace[name] = cell.cell_contents
    codes: set[str] = set()
    callees: list[FunctionType] = []
    nodes = list(_uncaught_nodes(ast.parse(source), namespace))
    # A code compared with (``error.code == Code.ALREADY_ACTIVE``) is read, not produced.
    compared = {
        id(operand)
        for node in nodes
        if isinstance(node, ast.Compare)
        for operand in (node.left, *node.comparators)
    }
    for node in nodes:
        if id(node) in compared:
            continue
        if isinstance(node, ast.Call) and node.args:
            called = _evaluate(node.func, namespace)
            first = node.args[0]
            if (called is FieldError or called == InvalidInput.single) and isinstance(
                first, ast.Constant
            ):
                codes.add(str(first.value))
        if not isinstance(node, ast.Name | ast.Attribute):
            continue
        if isinstance(node, ast.Attribute):
            owner = _evaluate(node.value, namespace)
            if _is_code_set(owner):
                value = getattr(owner, node.attr, None)
                if isinstance(value, str):
                    codes.add(str(value))
                continue
        value = _evaluate(node, namespace)
        if isinstance(value, FieldError):
            codes.add(str(value.code))
        elif isinstance(value, FunctionType | staticmethod | classmethod) or inspect.ismethod(
            value
        ):
            target = inspect.unwrap(getattr(value, "__func__", value))
            if isinstance(target, FunctionType) and _in_project(target):
                callees.append(target)
    return frozenset(codes), tuple(callees)


def reachable_codes(resolver: Callable[..., Any]) -> set[str]:
    """Every code the resolver or any project function it names (transitively) names."""
    start = inspect.unwrap(resolver)
    assert isinstance(start, FunctionType)
    seen: set[FunctionType] = set()
    todo = [start]
    codes: set[str] = set()
    while todo:
        function = todo.pop()
        if function in seen:
            continue
        seen.add(function)
        own, callees = _direct(function)
        codes |= own
        todo.extend(callees)
    return codes


def mutations(schema: Schema) -> Iterator[tuple[str, Callable[..., Any], type[ErrorFields]]]:
    """``(mutation name, resolver, payload error type)`` of every mutation with typed errors."""
    mutation_type = schema._schema.mutation_type
    assert isinstance(mutation_type, GraphQLObjectType)
    for name, field in mutation_type.fields.items():
        definition = field.extensions[DEFINITION]
        payload = definition.type
        payload_definition = getattr(payload, "__strawberry_definition__", None)
        errors = [f for f in getattr(payload_definition, "fields", ()) if f.python_name == "errors"]
        if not errors:
            continue
        error_type = errors[0].type.of_type
        assert issubclass(error_type, ErrorFields), (name, error_type)
        yield name, definition.base_resolver.wrapped_func, error_type


def test_the_walk_sees_the_mutations_and_the_codes_they_reach() -> None:
    found = {name: reachable_codes(resolver) for name, resolver, _ in mutations(admin_schema)}
    assert len(found) > 40
    # The regression of issue 17: creating a contact for a registrant reaches the contact's codes.
    assert {"INVALID_EMAIL", "TOO_LONG", "NOT_FOUND"} <= found["createContactForPortalUser"]


@pytest.mark.parametrize("schema", [portal_schema, admin_schema], ids=["portal", "admin"])
def test_every_code_a_mutation_can_produce_fits_its_payload_error_enum(schema: Schema) -> None:
    missing = {
        f"{name} -> {error_type.__name__}": sorted(
            reachable_codes(resolver) - set(codes_of(error_type.codes))
        )
        for name, resolver, error_type in mutations(schema)
    }
    assert {where: codes for where, codes in missing.items() if codes} == {}


def test_an_error_enum_is_its_domain_and_the_codes_it_answers_for_others() -> None:
    from identity.portal_users import PortalUserErrorCode
    from portal.services.contacts import ContactErrorCode
    from schema.admin.portal_users.types import PortalUserError

    codes = codes_of(PortalUserError.codes)
    assert codes[: len(PortalUserErrorCode)] == codes_of(PortalUserErrorCode)
    assert {"REQUIRED", "TOO_LONG", "INVALID_EMAIL"} <= set(codes)
    assert ContactErrorCode.CENTRAL_TAG not in codes  # only what its mutations can answer
    # A domain member converts by value, whichever domain set it came from.
    error = PortalUserError.from_field_error(
        FieldError(ContactErrorCode.TOO_LONG, "city", "At most 100 characters.")
    )
    assert (error.code.value, error.field) == ("TOO_LONG", "city")


def test_a_code_outside_the_enum_names_the_payload_and_the_code() -> None:
    from schema.admin.portal_users.types import PortalUserError

    with pytest.raises(TypeError, match="PortalUserError cannot carry NOT_A_CODE"):
        PortalUserError.from_field_error(FieldError("NOT_A_CODE", None, "x"))


@pytest.mark.parametrize("schema", [portal_schema, admin_schema], ids=["portal", "admin"])
def test_no_error_code_is_reserved_for_later(schema: Schema) -> None:
    # Every value of an error enum can occur (issue 17, item 11): a code no mutation returns
    # leaves the enum instead of being documented as reserved.
    from graphql import GraphQLEnumType

    reserved = [
        f"{enum.name}.{name}"
        for enum in schema._schema.type_map.values()
        if isinstance(enum, GraphQLEnumType) and enum.name.endswith("ErrorCode")
        for name, value in enum.values.items()
        if (value.description or "").lower().startswith("reserved")
    ]
    assert reserved == []
