"""The committed SDL is the frontend teams' contract (issue 17): every type, field, argument,
enum value and input field says what it holds, so nobody has to read the Python to use it.

The walk reads the committed SDL files (``test_sdl`` holds them to the code), the way GraphiQL
and client generators see them. A description that only repeats the name ("The id.") counts
as missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    is_introspection_type,
    is_specified_scalar_type,
)

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
APIS = ["portal", "admin"]


def described_items(schema: GraphQLSchema) -> Iterator[tuple[str, str | None]]:
    """``(coordinate, description)`` of every type, field, argument, enum value and input
    field the schema defines itself (not GraphQL's built-in scalars and introspection)."""
    for name, graphql_type in sorted(schema.type_map.items()):
        if is_introspection_type(graphql_type) or is_specified_scalar_type(graphql_type):
            continue
        yield name, graphql_type.description
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                yield f"{name}.{field_name}", field.description
                for arg_name, arg in field.args.items():
                    yield f"{name}.{field_name}({arg_name}:)", arg.description
        elif isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, input_field in graphql_type.fields.items():
                yield f"{name}.{field_name}", input_field.description
        elif isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                yield f"{name}.{value_name}", value.description


def _words(text: str) -> list[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def says_something(coordinate: str, description: str | None) -> bool:
    """Whether ``description`` is more than empty or the item's own name restated."""
    if not description or not description.strip():
        return False
    name = re.split(r"[.(]", coordinate.rstrip(":)"))[-1]
    words = [w for w in _words(description) if w not in {"the", "a", "an"}]
    return words != _words(name)


def undocumented(api: str) -> list[str]:
    sdl = (SCHEMA_DIR / f"{api}.graphql").read_text(encoding="utf-8")
    schema = build_schema(sdl)
    return [
        coordinate
        for coordinate, text in described_items(schema)
        if not says_something(coordinate, text)
    ]


@pytest.mark.parametrize("api", APIS)
def test_every_item_of_the_contract_has_a_description(api: str) -> None:
    missing = undocumented(api)
    assert not missing, f"schema/{api}.graphql: {len(missing)} items without a description:\n" + (
        "\n".join(missing)
    )


def test_the_walk_sees_every_kind_of_item() -> None:
    """The check cannot pass by walking nothing: it reports an undocumented item of each kind."""
    schema = build_schema(
        """
        type Query { list(first: Int): [Kind!]! }
        enum Kind { ONE }
        input Filter { kind: Kind }
        type Mutation { run(filter: Filter): Boolean }
        """
    )
    missing = [c for c, text in described_items(schema) if not says_something(c, text)]
    assert missing == [
        "Filter",
        "Filter.kind",
        "Kind",
        "Kind.ONE",
        "Mutation",
        "Mutation.run",
        "Mutation.run(filter:)",
        "Query",
        "Query.list",
        "Query.list(first:)",
    ]


def test_a_restated_name_is_no_description() -> None:
    assert not says_something("Contact.id", "The id.")
    assert not says_something("Contact.firstName", "First name")
    assert says_something(
        "Contact.firstName", "Given name as the customer entered it; may be empty."
    )
