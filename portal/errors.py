"""Domain errors that the API layers turn into typed payload errors.

A service validates everything first and raises :class:`InvalidInput` with every problem it found,
so a caller gets the whole list at once and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import TimeoutError as PoolTimeout


@dataclass(frozen=True)
class FieldError:
    """One problem with the input: a stable ``code``, the ``field`` it concerns (or None) and an
    English ``message`` (frontends translate by code). The field is the domain's name for it,
    snake_case as in Python (``contact_id``, ``new_password``); the API turns it into the
    client's input path (``schema.common.errors.input_path``)."""

    code: str
    field: str | None
    message: str


class InvalidInput(Exception):
    """The input cannot be applied; ``errors`` says why, field by field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field or '-'}: {e.message}" for e in errors))
        self.errors = errors

    @classmethod
    def single(cls, code: str, field: str | None, message: str) -> InvalidInput:
        return cls([FieldError(code, field, message)])


class NotFound(Exception):
    """The object does not exist (or the caller may not know it exists)."""


class Unavailable(Exception):
    """The request is refused for now, not for what it asked: the server protects itself (too
    many requests waiting for a scarce resource) or a dependency is down. The HTTP layer
    answers a typed top-level error with ``extensions.code`` = ``code``, the HTTP ``status``
    and a ``Retry-After`` header; nothing the request did is kept."""

    code = "SERVICE_UNAVAILABLE"
    status = 503
    message = "The service is unavailable right now; try again shortly."

    def __init__(self, message: str | None = None, *, retry_after_seconds: int = 5) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.retry_after_seconds = retry_after_seconds


class TooManyRequests(Unavailable):
    """More requests wait for a bounded resource (password hashing) than it queues."""

    code = "TOO_MANY_REQUESTS"
    status = 429
    message = "Too many requests are waiting; try again in a moment."


def as_unavailable(error: BaseException | None) -> Unavailable | None:
    """The typed refusal an error stands for, if it is one: the server protecting itself
    (:class:`Unavailable`, e.g. a full hashing queue) or a shared resource that did not answer
    in time (no pooled database connection became free)."""
    if isinstance(error, Unavailable):
        return error
    if isinstance(error, PoolTimeout):
        return Unavailable("The database is busy; try again shortly.", retry_after_seconds=2)
    return None
