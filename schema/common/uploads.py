"""Reading a file argument (the ``Upload`` scalar of the GraphQL multipart request spec)."""

from __future__ import annotations

from graphql import GraphQLError
from starlette.datastructures import UploadFile


async def read_upload(file: object, max_bytes: int, *, field: str = "file") -> bytes:
    """At most ``max_bytes`` of an uploaded file, which is closed afterwards.

    The ``Upload`` scalar accepts any value written in the query or sent as a JSON variable;
    only a multipart request attaches a file, anything else is bad input.
    """
    if not isinstance(file, UploadFile):
        raise GraphQLError(
            f"{field} must be a file sent with the GraphQL multipart request spec.",
            extensions={"code": "BAD_USER_INPUT", "reason": "NOT_A_FILE", "field": field},
        )
    try:
        return await file.read(max_bytes)
    finally:
        await file.close()
