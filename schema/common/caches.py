"""Parse and validation caches shared by both APIs (per process, bounded).

Frontends send the same few documents over and over; parsing and validating each again costs
about a millisecond per request. Both caches are keyed by everything that decides the result
(query text and token limit; schema, document, rules and whether errors may suggest names),
so a cached answer is the answer.
A document that fails to parse is not cached: strawberry parses it again and reports the
syntax error its usual way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import lru_cache

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, validate
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema import schema as strawberry_schema
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

from portal.internals import Internal, require
from schema.common.limits import suggests_names

MAX_DOCUMENTS = 512
# The rules Strawberry's own ``validate_document`` adds to the schema's; this module validates
# with graphql-core's ``validate`` instead, because only that takes ``hide_suggestions``.
STRAWBERRY_RULES: tuple[type[ASTValidationRule], ...] = (
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)
INTERNALS = (
    Internal(strawberry_schema, "validate_document", ("schema", "document", "validation_rules")),
)
require(__name__, ("strawberry-graphql",), INTERNALS)


@lru_cache(maxsize=MAX_DOCUMENTS)
def _parse(query: str, max_tokens: int | None) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


@lru_cache(maxsize=MAX_DOCUMENTS)
def _validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    hide_suggestions: bool,
) -> list[GraphQLError]:
    return validate(
        schema, document, (*rules, *STRAWBERRY_RULES), hide_suggestions=hide_suggestions
    )


class DocumentCaches(SchemaExtension):
    """Serve parsing and validation from the caches. Runs after the limit extensions, which
    set the token limit before parsing and refuse documents before validation."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None and context.graphql_document is None:
            with contextlib.suppress(GraphQLError):
                context.graphql_document = _parse(
                    context.query, context.parse_options.get("max_tokens")
                )
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.pre_execution_errors is None:
            errors = _validate(
                context.schema._schema,  # strawberry keeps graphql-core's schema here
                context.graphql_document,
                tuple(context.validation_rules),
                not suggests_names(context.context),
            )
            # Strawberry validates only while this is None: an empty list means valid.
            context.pre_execution_errors = list(errors)
        yield
