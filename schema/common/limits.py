"""Limits on what one GraphQL request may ask for, checked before anything executes.

Both APIs share one schema extension, :class:`GraphQLLimits`. It reads the limits from the
settings of the request's application (``PORTAL_GRAPHQL_*``), so the schemas stay module-level
objects while each app can be configured on its own:

- a document longer than ``max_document_bytes`` is refused before it is parsed (comments are
  not tokens and a string literal is one, so the token limit alone does not bound the work);
- the parser stops after ``max_tokens`` tokens (graphql-core's ``max_tokens``), so a huge
  document costs no more than that to refuse;
- before validation the document is measured once (fragments memoised, so fragment "bombs" are
  linear): nesting depth, aliases, root fields and an estimated cost, where a field counts 1 and
  the selection under a field with a ``first`` argument counts ``first`` times (a page of 100
  contacts with 10 fields costs about 1,000; a page of 100 under another page of 100 costs
  100 times more). A refused document is not validated further and never executed;
- outside development and test, introspection (``__schema``, ``__type``) is refused, and no
  error suggests a name ("Did you mean 'contacts'?"): :func:`suggests_names` tells the
  validation cache (``schema.common.caches``) and the executor (``schema.common.execution``),
  which pass graphql-core's ``hide_suggestions`` on; otherwise misspelt fields, arguments,
  types, enum values and input fields would map the schema without introspection.

Every refusal is a top-level error with ``extensions.code``: ``QUERY_TOO_LARGE``,
``QUERY_TOO_DEEP``, ``TOO_MANY_ALIASES``, ``TOO_MANY_ROOT_FIELDS``, ``QUERY_TOO_COMPLEX`` or
``INTROSPECTION_DISABLED``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSyntaxError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Source,
    ValueNode,
    VariableNode,
    get_named_type,
    value_from_ast_untyped,
)
from graphql.language import Lexer, TokenKind
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from portal.config import Settings
from portal.pagination import MAX_PAGE_SIZE

PAGE_SIZE_ARGUMENT = "first"


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; see the ``PORTAL_GRAPHQL_*`` settings."""

    max_tokens: int
    max_document_bytes: int
    max_depth: int
    max_aliases: int
    max_root_fields: int
    max_cost: int
    introspection: bool
    suggestions: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_tokens=settings.graphql_max_tokens,
            max_document_bytes=settings.graphql_max_document_bytes,
            max_depth=settings.graphql_max_depth,
            max_aliases=settings.graphql_max_aliases,
            max_root_fields=settings.graphql_max_root_fields,
            max_cost=settings.graphql_max_cost,
            introspection=not settings.is_production,
            suggestions=not settings.is_production,
        )


def settings_of(context: object) -> Settings:
    """The settings of a request's context (the defaults without one)."""
    settings = getattr(context, "settings", None)
    return settings if isinstance(settings, Settings) else Settings()


def suggests_names(context: object) -> bool:
    """Whether errors may suggest schema names to the request with this context."""
    return Limits.from_settings(settings_of(context)).suggestions


@dataclass(frozen=True)
class Shape:
    """What a selection set asks for: ``fields`` counts the fields at its own level (through
    fragments), ``depth`` the deepest chain of fields, ``cost`` the estimate described above."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0
    cost: int = 0

    def __add__(self, other: Shape) -> Shape:
        return Shape(
            depth=max(self.depth, other.depth),
            aliases=self.aliases + other.aliases,
            fields=self.fields + other.fields,
            cost=self.cost + other.cost,
        )


class _Measure:
    """Measures operations of a document that has been parsed but not yet validated: unknown
    fields, unknown or cyclic fragments count as nothing (validation reports them)."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.schema = schema
        self.given = variables
        self.variables: Mapping[str, Any] = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.measured: dict[str, Shape] = {}
        self.measuring: set[str] = set()

    def operation(self, operation: OperationDefinitionNode) -> Shape:
        # A variable's default (`$first: Int = 10`) applies when the request leaves it out;
        # fragments may use variables, so their measures hold for one operation only.
        defaults = {
            v.variable.name.value: value_from_ast_untyped(v.default_value)
            for v in operation.variable_definitions or ()
            if v.default_value is not None
        }
        self.variables = {**defaults, **self.given}
        self.measured.clear()
        root = self.schema.get_root_type(operation.operation)
        return self.selection_set(operation.selection_set, root)

    def selection_set(self, node: SelectionSetNode, parent: GraphQLNamedType | None) -> Shape:
        shape = Shape()
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                shape += self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                shape += self.selection_set(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                shape += self.fragment(selection.name.value)
        return shape

    def fragment(self, name: str) -> Shape:
        if name in self.measured:
            return self.measured[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.measuring:
            return Shape()
        self.measuring.add(name)
        inner = self.schema.get_type(definition.type_condition.name.value)
        shape = self.selection_set(definition.selection_set, inner)
        self.measuring.discard(name)
        self.measured[name] = shape
        return shape

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Shape:
        definition = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(node.name.value)
        inner = Shape()
        if node.selection_set is not None:
            child = get_named_type(definition.type) if definition else None
            inner = self.selection_set(node.selection_set, child)
        aliases = inner.aliases + (1 if node.alias else 0)
        if node.name.value.startswith("__"):
            # Introspection is refused in production; elsewhere GraphiQL's introspection query
            # (deeper than any application query) must pass, so only its aliases count.
            return Shape(aliases=aliases)
        return Shape(
            depth=1 + inner.depth,
            aliases=aliases,
            fields=1,
            cost=1 + self.page_size(node, definition) * inner.cost,
        )

    def page_size(self, node: FieldNode, definition: GraphQLField | None) -> int:
        """How many items a field returns at most: its ``first`` argument (clamped to the hard
        maximum page size every list enforces), 1 for a field without one."""
        value: object = None
        given = next((a for a in node.arguments or () if a.name.value == PAGE_SIZE_ARGUMENT), None)
        if given is not None:
            value = self.argument_value(given.value)
        elif definition is not None and PAGE_SIZE_ARGUMENT in definition.args:
            value = definition.args[PAGE_SIZE_ARGUMENT].default_value
        else:
            return 1
        if not isinstance(value, int) or isinstance(value, bool):
            return MAX_PAGE_SIZE  # null, unset or invalid: assume the most a list returns
        return max(0, min(value, MAX_PAGE_SIZE))

    def argument_value(self, node: ValueNode) -> object:
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        return None


def measure(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None = None
) -> tuple[tuple[OperationDefinitionNode, Shape], ...]:
    """Each operation of ``document`` and what it asks for.

    Of the variables, only integers (page sizes) change a measure; any other given value
    counts as "not a page size" (null) whatever it is. Measures are cached by document and
    those values: frontends send the same documents with the same page sizes over and over."""
    sizes = tuple(sorted((k, v if type(v) is int else None) for k, v in (variables or {}).items()))
    return _measure(schema, document, sizes)


@lru_cache(maxsize=512)
def _measure(
    schema: GraphQLSchema, document: DocumentNode, sizes: tuple[tuple[str, int | None], ...]
) -> tuple[tuple[OperationDefinitionNode, Shape], ...]:
    measurer = _Measure(schema, document, dict(sizes))
    return tuple(
        (definition, measurer.operation(definition))
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    )


def limit_errors(
    limits: Limits,
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None = None,
) -> list[GraphQLError]:
    """The errors of every operation of ``document`` that asks for more than ``limits``."""
    errors: list[GraphQLError] = []
    for operation, shape in measure(schema, document, variables):
        checks = (
            ("QUERY_TOO_DEEP", shape.depth, limits.max_depth, "The query is nested {} levels "
             "deep; at most {} are allowed."),
            ("TOO_MANY_ALIASES", shape.aliases, limits.max_aliases, "The query uses {} aliases; "
             "at most {} are allowed."),
            ("TOO_MANY_ROOT_FIELDS", shape.fields, limits.max_root_fields, "The operation has "
             "{} root fields; at most {} are allowed."),
            ("QUERY_TOO_COMPLEX", shape.cost, limits.max_cost, "The query's estimated cost is {}"
             "; at most {} is allowed (lists count once per requested item: lower `first`)."),
        )  # fmt: skip
        for code, actual, maximum, message in checks:
            if actual > maximum:
                errors.append(
                    GraphQLError(
                        message.format(actual, maximum),
                        [operation],
                        extensions={"code": code, "actual": actual, "maximum": maximum},
                    )
                )
    return errors


def document_bytes(query: str) -> int:
    """The UTF-8 length of a document (at most 4 bytes per character: no encoding needed
    while the character count alone is within a quarter of any limit)."""
    return len(query.encode("utf-8", "surrogatepass"))


def exceeds_token_limit(query: str, max_tokens: int) -> bool:
    """Whether ``query`` has more than ``max_tokens`` tokens (lexes at most that many)."""
    lexer = Lexer(Source(query))
    try:
        for _ in range(max_tokens + 1):
            if lexer.advance().kind == TokenKind.EOF:
                return False
    except GraphQLSyntaxError:
        return False
    return True


class NoIntrospection(NoSchemaIntrospectionCustomRule):
    """graphql-core's rule refusing ``__schema`` and ``__type``, with an error code and once
    per document (the rule itself reports every field below them too)."""

    reported = False

    def report_error(self, error: GraphQLError) -> None:
        if self.reported:
            return
        self.reported = True
        super().report_error(
            GraphQLError(
                "Introspection is disabled.",
                error.nodes,
                extensions={"code": "INTROSPECTION_DISABLED"},
            )
        )


class GraphQLLimits(SchemaExtension):
    """Applies the :class:`Limits` from the request's settings (defaults without a context)."""

    limits: Limits

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        self.limits = Limits.from_settings(settings_of(context.context))
        context.parse_options["max_tokens"] = self.limits.max_tokens
        if context.query is not None and document_bytes(context.query) > (
            maximum := self.limits.max_document_bytes
        ):
            # Before parsing: Strawberry answers an error raised here without parsing.
            raise GraphQLError(
                f"The document is larger than {maximum} bytes.",
                extensions={"code": "QUERY_TOO_LARGE", "maximumBytes": maximum},
            )
        if not self.limits.introspection:
            context.validation_rules = (*context.validation_rules, NoIntrospection)
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        context = self.execution_context
        failed = context.graphql_document is None and bool(context.pre_execution_errors)
        # graphql-core aborts with a syntax error; recognise it by lexing (bounded), not by text.
        if failed and context.query and exceeds_token_limit(context.query, self.limits.max_tokens):
            for error in context.pre_execution_errors or ():
                error.extensions = {"code": "QUERY_TOO_LARGE", "maximum": self.limits.max_tokens}

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            graphql_schema = context.schema._schema  # strawberry keeps graphql-core's schema here
            errors = limit_errors(
                self.limits, graphql_schema, context.graphql_document, context.variables
            )
            if errors:
                # Strawberry skips validation when errors are already set: a refused document
                # costs no more than measuring it.
                context.pre_execution_errors = errors
        yield
