"""The schema class both APIs use: Strawberry's, without a logged traceback per refusal."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.types import ExecutionContext

from portal.errors import as_unavailable


class Schema(strawberry.Schema):
    """``strawberry.Schema`` whose error log leaves out refusals (``portal.errors.Unavailable``,
    a starved connection pool): they are answered with a typed code and logged in one line by
    the HTTP layer. A burst of 200 refused requests would otherwise format 200 tracebacks on
    the event loop, the work the refusal exists to avoid."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        logged = [error for error in errors if as_unavailable(error.original_error) is None]
        if logged:
            super().process_errors(logged, execution_context)
