"""The custom scalars of both APIs, with their wire formats stated and enforced.

A frontend team generates a client from the SDL, so each scalar says (``@specifiedBy`` and its
description) exactly what travels: RFC 3339 date-times with an offset, ISO 8601 calendar dates,
decimals as strings without exponent. Input is held to the same format (Strawberry's defaults
accept far more: ``2026`` as a date-time, naive times, ``1e3`` or a JSON number as a decimal), so
a value the documentation refuses is refused with a message that says the format, never
guessed at. Output always has the documented form too (a naive time from SQLite is UTC).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.file_uploads import Upload
from strawberry.types.scalar import ScalarDefinition

RFC_3339 = "https://datatracker.ietf.org/doc/html/rfc3339#section-5.6"
ISO_8601_DATE = "https://www.iso.org/iso-8601-date-and-time-format.html"
# The lexical space of XML Schema's decimal; the description states the stricter subset.
DECIMAL_SPEC = "https://www.w3.org/TR/xmlschema11-2/#decimal"
RFC_9562 = "https://www.rfc-editor.org/rfc/rfc9562#section-4"
MULTIPART_SPEC = "https://github.com/jaydenseric/graphql-multipart-request-spec"
RFC_9562 = "https://www.rfc-editor.org/rfc/rfc9562"

DATE_TIME_PATTERN = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})", re.ASCII
)
UUID_PATTERN = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", re.ASCII)
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
DECIMAL_PATTERN = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?", re.ASCII)
MAX_DECIMAL_LENGTH = 64


def _strict(
    name: str, pattern: re.Pattern[str], form: str, parse: Callable[[str], Any]
) -> Callable[[object], Any]:
    """A parser that takes only strings of ``pattern`` (whole string) and says ``form`` when
    it refuses one."""

    def parse_value(value: object) -> Any:
        text = value if isinstance(value, str) else None
        if text is not None and pattern.fullmatch(text):
            try:
                return parse(text)
            except ValueError:
                pass  # the right shape but no such value (2026-02-30, hour 25)
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        raise StrawberryInputCoercionError(f"{name} cannot represent {shown}: expected {form}.")

    return parse_value


def _parse_date_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _serialize_date_time(value: datetime) -> str:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()


def _parse_decimal(text: str) -> Decimal:
    if len(text) > MAX_DECIMAL_LENGTH:
        raise ValueError(text)
    return Decimal(text)


def _serialize_decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"Decimal cannot represent {value}")
    return format(value, "f")


DateTimeScalar = ScalarDefinition(
    name="DateTime",
    description="A point in time as an RFC 3339 date-time string with an offset, e.g. "
    "`2026-12-03T09:30:00+00:00` or `2026-12-03T09:30:00.123456Z`: `YYYY-MM-DDTHH:MM:SS`, "
    "an optional fraction of 1-6 digits, then `Z` or `+HH:MM`/`-HH:MM` (required). Answers "
    "are always in UTC with `+00:00`. Any other form (no offset, a date alone, a space for "
    "`T`) is refused.",
    specified_by_url=RFC_3339,
    serialize=_serialize_date_time,
    parse_value=_strict(
        "DateTime",
        DATE_TIME_PATTERN,
        "an RFC 3339 date-time with offset, e.g. 2026-12-03T09:30:00Z",
        _parse_date_time,
    ),
    parse_literal=None,
    origin=datetime,
)
DateScalar = ScalarDefinition(
    name="Date",
    description="A calendar date as an ISO 8601 extended date string `YYYY-MM-DD` (RFC 3339 "
    "full-date), e.g. `1980-04-23`; no time, no offset, no week or ordinal dates.",
    specified_by_url=ISO_8601_DATE,
    serialize=date.isoformat,
    parse_value=_strict("Date", DATE_PATTERN, "an ISO 8601 date YYYY-MM-DD", date.fromisoformat),
    parse_literal=None,
    origin=date,
)
DecimalScalar = ScalarDefinition(
    name="Decimal",
    description="An exact decimal number as a string (never a JSON number, which would round): "
    "an optional `-`, digits without leading zeros, optionally `.` and at least one digit; no "
    "exponent, no `+`, no thousands separator, at most 64 characters. Regular expression: "
    "`^-?(0|[1-9][0-9]*)(\\.[0-9]+)?$`. Example: `19.90`. Answers keep the stored scale "
    "(`19.90`, not `19.9`).",
    specified_by_url=DECIMAL_SPEC,
    serialize=_serialize_decimal,
    parse_value=_strict(
        "Decimal", DECIMAL_PATTERN, "a decimal string such as 19.90 (no exponent)", _parse_decimal
    ),
    parse_literal=None,
    origin=Decimal,
)
UUIDScalar = ScalarDefinition(
    name="UUID",
    description="A UUID in the hyphenated 8-4-4-4-12 form of RFC 9562, e.g. "
    "`0b7e3a52-4c1d-4f7e-9a51-2f0d3c8e6b14`; answers are lower case, input may be either "
    "case (RFC 9562 reads it case-insensitively). No braces, no `urn:uuid:` prefix, no "
    "hyphen-less form. Not a global id: UUID fields sit beside `id`.",
    specified_by_url=RFC_9562,
    serialize=str,
    parse_value=_strict("UUID", UUID_PATTERN, "a UUID in 8-4-4-4-12 hexadecimal form", uuid.UUID),
    parse_literal=None,
    origin=uuid.UUID,
)
UploadScalar = ScalarDefinition(
    name="Upload",
    description="A file sent with the request as a part of a `multipart/form-data` POST, as "
    "the GraphQL multipart request specification describes (the variable is `null` in "
    "`operations` and `map` names the part). Cookie-authenticated uploads also need the "
    "`GraphQL-Require-Preflight` header.",
    specified_by_url=MULTIPART_SPEC,
    serialize=lambda value: value,
    parse_value=lambda value: value,
    parse_literal=None,
    origin=Upload,
)

# Passed to both schemas (``Schema(scalar_overrides=...)``).
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    datetime: DateTimeScalar,
    date: DateScalar,
    Decimal: DecimalScalar,
    uuid.UUID: UUIDScalar,
    Upload: UploadScalar,
}
