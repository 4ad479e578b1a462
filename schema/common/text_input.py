"""Text arguments must not contain NUL (U+0000): PostgreSQL cannot store it, and no person
types it. Refused for the whole request before validation, on every database alike, so no
resolver has to think about it."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import BREAK, DocumentNode, GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

NUL = "\x00"


class _FindNul(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> Any:
        if NUL in node.value:
            self.found = True
            return BREAK
        return None


@lru_cache(maxsize=256)
def _document_holds_nul(document: DocumentNode) -> bool:
    """Whether a string literal of ``document`` holds NUL (cached: frontends send the same
    documents again and again, and the parse cache hands out the same node)."""
    finder = _FindNul()
    visit(document, finder)
    return finder.found


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


class RefuseNulCharacters(SchemaExtension):
    """A NUL in a string literal or a variable is ``BAD_USER_INPUT`` (reason ``NUL_CHARACTER``)."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if (
            context.graphql_document is not None
            and context.pre_execution_errors is None
            and (_document_holds_nul(context.graphql_document) or _holds_nul(context.variables))
        ):
            # Set before validation: strawberry then skips it and nothing executes.
            context.pre_execution_errors = [
                GraphQLError(
                    "Text must not contain the NUL character (U+0000).",
                    extensions={"code": "BAD_USER_INPUT", "reason": "NUL_CHARACTER"},
                )
            ]
        yield
