"""Domain errors name fields as Python does; the schema turns them into the client's input
paths in one place (``schema.common.errors.input_path``). These tests hold that place to the
names Strawberry actually gives, and keep camelCase out of the domain."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql import GraphQLInputObjectType, GraphQLObjectType
from strawberry import Schema

from portal.errors import FieldError
from schema.admin.schema import admin_schema
from schema.common.contacts import ContactError
from schema.common.errors import graphql_name, input_path
from schema.portal.schema import portal_schema

ROOT = Path(__file__).resolve().parents[2]
DEFINITION = "strawberry-definition"


def python_and_graphql_names(schema: Schema) -> Iterator[tuple[str, str]]:
    """``(python name, GraphQL name)`` of every argument and input field of ``schema`` that
    Strawberry names itself (not those given a name explicitly, such as ``from``)."""
    for graphql_type in schema._schema.type_map.values():
        if isinstance(graphql_type, GraphQLObjectType):
            for field in graphql_type.fields.values():
                definition = (field.extensions or {}).get(DEFINITION)
                for argument in getattr(definition, "arguments", ()):
                    if argument.graphql_name is None:
                        yield (
                            argument.python_name,
                            schema.config.name_converter.get_graphql_name(argument),
                        )
        elif isinstance(graphql_type, GraphQLInputObjectType):
            definition = (graphql_type.extensions or {}).get(DEFINITION)
            for field in getattr(definition, "fields", ()):
                if field.graphql_name is None:
                    yield field.python_name, schema.config.name_converter.get_graphql_name(field)


@pytest.mark.parametrize("schema", [portal_schema, admin_schema], ids=["portal", "admin"])
def test_the_one_mapping_gives_every_argument_and_input_field_its_graphql_name(
    schema: Schema,
) -> None:
    pairs = sorted(set(python_and_graphql_names(schema)))
    assert len(pairs) > 20  # the walk sees the schema
    assert [(python, graphql_name(python)) for python, _ in pairs] == pairs


def test_input_paths_of_domain_fields() -> None:
    assert input_path(None) is None
    assert input_path("new_password") == "newPassword"
    assert input_path("phone1_e164") == "phone1E164"
    assert input_path("reachability.0.weekday") == "reachability.0.weekday"
    error = ContactError.from_field_error(FieldError("TOO_LONG", "first_name", "Too long."))
    assert error.field == "firstName"


def error_field_literals(path: Path) -> Iterator[tuple[int, str]]:
    """String literals that stand where a domain error names its field: the second argument
    of ``FieldError(...)`` and ``InvalidInput.single(...)``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or len(node.args) < 2:
            continue
        called = node.func
        name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
        owner = getattr(called, "value", None)
        if name == "FieldError" or (
            name == "single" and isinstance(owner, ast.Name) and owner.id == "InvalidInput"
        ):
            field = node.args[1]
            if isinstance(field, ast.Constant) and isinstance(field.value, str):
                yield node.lineno, field.value


def test_the_domain_names_fields_in_snake_case() -> None:
    literals = [
        (f"{path.relative_to(ROOT)}:{line}", field)
        for package in ("identity", "portal", "schema")
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, field in error_field_literals(path)
    ]
    assert len(literals) > 50  # the walk sees the errors
    camel_case = re.compile(r"[a-z][A-Z]")
    assert [(where, field) for where, field in literals if camel_case.search(field)] == []
