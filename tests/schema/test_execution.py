"""The fast-path executor answers exactly what graphql-core's own executor answers: the same
data and the same errors (message, path, locations), on plain values and on every kind of
trouble a plain field can hold; and it reads each value once."""

from __future__ import annotations

import asyncio
import enum
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry
from strawberry.scalars import JSON

from portal.app.runtime import Runtime
from schema.admin.schema import admin_schema
from schema.common.execution import FastPathExecutor, shortcut_for
from schema.portal.schema import portal_schema
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff
from tests.schema.admin.contact_documents import create

READS: list[str] = []


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class later:
    """An awaitable of ``value`` that, unlike a coroutine, may be left unawaited quietly
    (most documents do not select every field holding one)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __await__(self) -> Any:
        yield from asyncio.sleep(0).__await__()
        return self.value


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Leaf(Named):
    number: int | None
    colour: Colour | None
    at: datetime | None
    blob: JSON | None
    required: str

    @strawberry.field
    def shout(self) -> str:
        READS.append(self.name)
        if self.name == "boom":
            raise ValueError("shout failed")
        return self.name.upper()

    @strawberry.field
    def located(self, info: strawberry.Info) -> str:
        """Takes info: the fast path must hand it the same field name and path."""
        if self.name == "b":
            raise ValueError("located failed")
        return f"{info.field_name} at {info.path.as_list()}"

    @strawberry.field
    async def slow(self) -> str:
        if self.name == "late boom":
            raise ValueError("slow failed")
        return await later(self.name)


@strawberry.type
class Other:
    name: str


@strawberry.type
class Holder:
    leaf: Leaf | None
    strict_leaf: Leaf
    leaves: list[Leaf]
    maybe_leaves: list[Leaf | None] | None
    strict_leaves: list[Leaf] | None

    @strawberry.field
    def computed_leaves(self) -> list[Leaf]:
        READS.append("computed_leaves")
        return list(self.leaves)


def leaf(label: str, **changes: Any) -> Leaf:
    values: dict[str, Any] = {
        "name": label,
        "number": 7,
        "colour": Colour.RED,
        "at": datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
        "blob": {"a": [1, 2]},
        "required": "yes",
    }
    values.update(changes)
    return Leaf(**values)


def holders() -> list[Holder]:
    good = [leaf("a"), leaf("b", number=None, colour=None, at=None, blob=None)]
    return [
        Holder(
            leaf=good[0], strict_leaf=good[1], leaves=good, maybe_leaves=good, strict_leaves=good
        ),
        # A non-null field holding null, an Int out of range, a wrong enum value, an awaitable
        # in a plain field, a raising resolver, an object of another type.
        Holder(
            leaf=leaf("x", required=None, number=2**40),
            strict_leaf=leaf("boom", colour="purple"),
            leaves=[leaf("late boom"), leaf("c", blob=later({"x": 1}))],
            maybe_leaves=[None, leaf("y", required=None)],
            strict_leaves=[leaf("z", required=None)],
        ),
        Holder(
            leaf=Other(name="intruder"),  # type: ignore[arg-type]
            strict_leaf=leaf("d", at="not a datetime"),
            leaves=(leaf(str(i)) for i in range(2)),  # type: ignore[arg-type]
            maybe_leaves=None,
            strict_leaves=[Other(name="intruder")],  # type: ignore[list-item]
        ),
        Holder(
            leaf=later(leaf("awaited")),  # type: ignore[arg-type]
            strict_leaf=None,  # type: ignore[arg-type]
            leaves=[leaf("e", name=None)],
            maybe_leaves=[later(leaf("f"))],  # type: ignore[list-item]
            strict_leaves=[leaf("g")],
        ),
    ]


@strawberry.type
class Query:
    @strawberry.field
    def holders(self) -> list[Holder | None]:
        return holders()  # type: ignore[return-value]

    @strawberry.field
    async def async_holders(self) -> list[Holder | None]:
        return holders()  # type: ignore[return-value]


stock_schema = strawberry.Schema(query=Query)
fast_schema = strawberry.Schema(query=Query, execution_context_class=FastPathExecutor)

LEAF_FIELDS = "name number colour at blob required shout located slow __typename"
DOCUMENTS = [
    f"{{ holders {{ leaf {{ {LEAF_FIELDS} }} }} }}",
    f"{{ holders {{ strictLeaf {{ {LEAF_FIELDS} }} }} }}",
    f"{{ holders {{ leaves {{ {LEAF_FIELDS} }} }} }}",
    f"{{ holders {{ maybeLeaves {{ {LEAF_FIELDS} }} }} }}",
    "{ holders { strictLeaves { name required } } }",
    "{ asyncHolders { computedLeaves { name shout slow } leaf { name } } }",
    # Aliases, repeated fields, fragments, directives.
    """query Q($yes: Boolean = true) { holders {
         first: leaf { n: name n: name ...F required @include(if: $yes) number @skip(if: $yes) }
         leaves { ... on Leaf { name colour } at } } }
       fragment F on Leaf { shout colour }""",
]


def as_comparable(result: Any) -> tuple[Any, list[Any]]:
    errors = sorted(
        (
            (e.message, e.path, [(loc.line, loc.column) for loc in e.locations or ()])
            for e in result.errors or ()
        ),
        key=repr,
    )
    return result.data, errors


@pytest.mark.parametrize("document", DOCUMENTS)
async def test_results_and_errors_equal_the_stock_executor(document: str) -> None:
    stock = await stock_schema.execute(document)
    fast = await fast_schema.execute(document)
    assert as_comparable(fast) == as_comparable(stock)
    assert stock.data is not None or stock.errors  # the document ran


async def test_the_test_documents_meet_every_kind_of_trouble() -> None:
    """Guards the test above against going vacuous: the stock answers hold real errors."""
    found: list[str] = []
    for document in DOCUMENTS:
        found.extend(e.message for e in (await stock_schema.execute(document)).errors or ())
    messages = " | ".join(found)
    for expected in (
        "Cannot return null for non-nullable field Leaf.required",
        "Int cannot represent non 32-bit signed integer value",
        "Expected value of type 'Leaf' but got: <Other instance>.",
        "shout failed",
        "slow failed",
        "located failed",
        "Enum 'Colour' cannot represent value: 'purple'",
        "'str' object has no attribute 'isoformat'",
    ):
        assert expected in messages, (expected, messages)


async def test_each_value_is_read_once() -> None:
    READS.clear()
    await fast_schema.execute("{ holders { computedLeaves { shout } } }")
    fast_reads = list(READS)
    READS.clear()
    await stock_schema.execute("{ holders { computedLeaves { shout } } }")
    assert sorted(map(repr, fast_reads)) == sorted(map(repr, READS))
    assert fast_reads.count("computed_leaves") == 4


def test_the_api_fields_of_a_page_take_the_fast_path() -> None:
    """The fields the benchmarks exercise are plain in both real schemas (a field that grows
    a resolver or a permission silently leaves the fast path otherwise)."""
    admin = admin_schema._schema
    for type_name, field_name in [
        ("Contact", "firstName"),
        ("Contact", "customerNumber"),
        ("Contact", "createdAt"),
        ("Contact", "optInState"),
        ("ContactEdge", "node"),
        ("ContactEdge", "cursor"),
        ("ContactConnection", "edges"),
        ("ContactConnection", "nodes"),
        ("Contact", "reachableNow"),  # takes info
        ("Contact", "portalStatus"),  # relations: synchronous through preloaded DataLoaders
        ("Contact", "tags"),
        ("PortalUser", "contact"),
    ]:
        field = admin.get_type(type_name).fields[field_name]  # type: ignore[union-attr]
        assert shortcut_for(field) is not None, (type_name, field_name)
    for type_name, field_name in [("Query", "contacts"), ("Query", "portalUsers")]:
        field = admin.get_type(type_name).fields[field_name]  # type: ignore[union-attr]
        assert shortcut_for(field) is None, (type_name, field_name)
    viewer = portal_schema._schema.get_type("Viewer")
    assert viewer is not None


PAGE = "{ contacts(first: 5) { edges { cursor node { firstName customerNumber createdAt optInState tags { name } } } } }"


async def test_a_page_over_http_takes_the_fast_path(
    admin_api: GraphQLClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the root field goes through graphql-core's per-field machinery; every field of
    every row is read and completed by the fast path. An upgrade of graphql-core or Strawberry
    that routes around it fails here instead of making every page twice as slow."""
    await log_in_staff(admin_api, runtime)
    for number in range(5):
        await create(admin_api, firstName=f"Vorname {number}", lastName=f"Name {number}")
    through_graphql_core: list[str] = []
    declined: list[str] = []
    execute_field = FastPathExecutor.execute_field
    complete_resolved = FastPathExecutor._complete_resolved

    def counted_execute_field(self: FastPathExecutor, *args: Any) -> Any:
        through_graphql_core.append(args[2][0].node.name.value)
        return execute_field(self, *args)

    def counted_complete_resolved(self: FastPathExecutor, field_def: Any, *args: Any) -> Any:
        declined.append(field_def.ast_node.name.value if field_def.ast_node else "?")
        return complete_resolved(self, field_def, *args)

    monkeypatch.setattr(FastPathExecutor, "execute_field", counted_execute_field)
    monkeypatch.setattr(FastPathExecutor, "_complete_resolved", counted_complete_resolved)
    data = await admin_api.data(PAGE)
    assert [edge["node"]["firstName"] for edge in data["contacts"]["edges"]] == [
        f"Vorname {number}" for number in range(5)
    ]
    assert through_graphql_core == ["contacts"]
    assert declined == []
