"""Typed payload errors and the mutation wrapper that makes every mutation all-or-nothing.

Every mutation payload has ``errors: [<Domain>Error!]!``; each error has ``code`` (an enum per
domain), ``field`` (input path or null) and ``message``. The domain names the fields it refuses
as Python does (``current_password``, ``contact_id``); :func:`input_path`, the one place that
knows GraphQL's names, turns them into the client's input paths (``currentPassword``).

:class:`Atomic` runs a mutation in a SAVEPOINT, turns :class:`portal.errors.InvalidInput` into
the payload's errors, and rolls the savepoint back whenever the payload carries errors, so a
refused mutation never writes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum, StrEnum
from typing import Any, ClassVar, Protocol

import strawberry
from graphql import GraphQLError
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types import Info
from strawberry.types.field import StrawberryField

from identity.errors import PortalAuthErrorCode, StaffAuthErrorCode
from portal.errors import FieldError, InvalidInput


def graphql_name(python_name: str) -> str:
    """The GraphQL name Strawberry gives an argument, input field or field of this Python name
    (``first_name`` -> ``firstName``, ``phone1_e164`` -> ``phone1E164``)."""
    head, *rest = python_name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def input_path(field: str | None) -> str | None:
    """The client's input path of a domain field name (dotted parts for nested input)."""
    if field is None:
        return None
    return ".".join(graphql_name(part) for part in field.split("."))


class PayloadError(Protocol):
    codes: ClassVar[type[Enum]]

    def __init__(self, *, code: Any, field: str | None, message: str) -> None: ...


def codes_of(domain: type) -> list[str]:
    """The code values of a domain code set: an enum's member values, or the upper-case string
    attributes of a plain class of constants (``PasswordErrorCode``)."""
    if issubclass(domain, Enum):
        return [str(member.value) for member in domain]
    constants = vars(domain).items()
    return [value for key, value in constants if key.isupper() and isinstance(value, str)]


def error_codes(name: str, domain: type, *more: type | str, description: str) -> type[StrEnum]:
    """The GraphQL enum of a payload error's ``code``: the payload's own ``domain`` code set,
    then the codes of other domains its mutations can answer (a whole code set, or single codes
    such as ``ContactErrorCode.TOO_LONG``), each value once. A mutation that calls into a second
    domain (a portal-user change that creates a contact) then answers that domain's refusals as
    typed errors; ``tests/schema/test_error_codes.py`` finds every code a mutation can reach
    and fails when its payload's enum lacks one."""
    values = dict.fromkeys(codes_of(domain))
    for source in more:
        values.update(dict.fromkeys([source] if isinstance(source, str) else codes_of(source)))
    union = StrEnum(name, {str(value): str(value) for value in values})  # type: ignore[misc]
    union.__module__ = domain.__module__
    return strawberry.enum(union, name=name, description=description)


class ErrorFields:
    """Mixin for error types: builds one from a domain :class:`FieldError`."""

    codes: ClassVar[type[Enum]]

    @classmethod
    def from_field_error(cls, error: FieldError) -> Any:
        try:
            code = cls.codes(str(error.code))
        except ValueError:
            # A gap in the union (tests/schema/test_error_codes.py exists to find it first).
            raise TypeError(
                f"{cls.__name__} cannot carry {error.code}: add its domain's codes "
                f"to the error_codes(...) of {cls.codes.__name__}"
            ) from None
        return cls(code=code, field=input_path(error.field), message=error.message)  # type: ignore[call-arg]


def _payload_error_class(payload_cls: type) -> type[ErrorFields]:
    definition = payload_cls.__strawberry_definition__  # type: ignore[attr-defined]
    for f in definition.fields:
        if f.python_name == "errors":
            error_cls = f.type.of_type  # StrawberryList -> element type
            if isinstance(error_cls, type) and issubclass(error_cls, ErrorFields):
                return error_cls
    raise TypeError(f"{payload_cls.__name__} has no 'errors: list[<ErrorFields>]' field")


class Atomic(FieldExtension):
    """Run the mutation inside a savepoint; typed errors roll it back and fill the payload."""

    def apply(self, field: StrawberryField) -> None:
        self.payload_type: type = field.type  # type: ignore[assignment]
        self.error_type = _payload_error_class(self.payload_type)

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info[Any, Any],
        **kwargs: Any,
    ) -> Any:
        session = info.context.session
        savepoint = await session.begin_nested()
        try:
            result = await next_(source, info, **kwargs)
        except InvalidInput as exc:
            await savepoint.rollback()
            errors = [self.error_type.from_field_error(e) for e in exc.errors]
            return self.payload_type(errors=errors)
        except BaseException:
            await savepoint.rollback()
            raise
        # A payload may keep its writes despite errors when the error is an outcome that itself
        # changed state (e.g. a login that opened a second-identifier flow).
        if getattr(result, "errors", None) and not getattr(result, "keep_writes", False):
            await savepoint.rollback()
        else:
            await savepoint.commit()
        return result


def bad_user_input(exc: InvalidInput) -> GraphQLError:
    """A query argument problem (bad cursor, page size) as a top-level error."""
    first = exc.errors[0]
    return GraphQLError(
        first.message,
        extensions={
            "code": "BAD_USER_INPUT",
            "reason": first.code,
            "field": input_path(first.field),
        },
    )


def counted_failure(failed: InvalidInput) -> bool:
    """Whether a refused current-password check counted against the account's lockout (staff
    or customer): that count must be kept although the mutation's other writes roll back."""
    wrong = (StaffAuthErrorCode.WRONG_PASSWORD, PortalAuthErrorCode.WRONG_PASSWORD)
    return any(e.code in wrong for e in failed.errors)
