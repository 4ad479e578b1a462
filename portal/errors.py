"""Domain errors that the API layers turn into typed payload errors.

A service validates everything first and raises :class:`InvalidInput` with every problem it found,
so a caller gets the whole list at once and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass


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
