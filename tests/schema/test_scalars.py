"""The custom scalars hold input to their documented wire formats and answer in them (issue 17,
item 1). Strawberry's defaults accepted ``2026`` or a naive time as a DateTime and ``1e3`` or a
JSON number as a Decimal; the SDL now states each format and the scalars refuse anything else
with a message naming the format."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from graphql import GraphQLError, GraphQLScalarType, parse_value

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from schema.admin.schema import admin_schema
from schema.common.scalars import DATE_TIME_PATTERN, DECIMAL_SPEC, RFC_3339
from schema.portal.schema import portal_schema
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, make_customer


def scalar(name: str) -> GraphQLScalarType:
    found = admin_schema._schema.type_map[name]
    assert isinstance(found, GraphQLScalarType)
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03T09:30:00Z", datetime(2026, 12, 3, 9, 30, tzinfo=UTC)),
        ("2026-12-03T09:30:00.5+00:00", datetime(2026, 12, 3, 9, 30, 0, 500000, tzinfo=UTC)),
        ("2026-12-03T10:30:00+01:00", datetime(2026, 12, 3, 9, 30, tzinfo=UTC)),
    ],
)
def test_date_times_in_rfc_3339_are_read_as_utc(text: str, expected: datetime) -> None:
    parsed = scalar("DateTime").parse_value(text)
    assert parsed == expected and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-03T09:30:00",  # no offset: which time zone?
        "2026-12-03",
        "2026",
        "2026-12-03 09:30:00Z",
        "2026-12-03T09:30Z",
        "2026-02-30T09:30:00Z",
        "2026-12-03T09:30:00.1234567Z",
        "\uff12\uff10\uff12\uff16-12-03T09:30:00Z",  # fullwidth digits are digits to Python, not to RFC 3339
        1764754200,
        "",
    ],
)
def test_other_date_time_forms_are_refused_with_the_format(value: Any) -> None:
    with pytest.raises(GraphQLError, match=r"DateTime cannot represent .*expected an RFC 3339"):
        scalar("DateTime").parse_value(value)


def test_date_times_answer_in_utc_with_an_offset() -> None:
    serialize = scalar("DateTime").serialize
    assert serialize(datetime(2026, 12, 3, 9, 30, tzinfo=UTC)) == "2026-12-03T09:30:00+00:00"
    later = datetime(2026, 12, 3, 10, 30, 0, 120, tzinfo=timezone(timedelta(hours=1)))
    assert serialize(later) == "2026-12-03T09:30:00.000120+00:00"
    # SQLite hands back naive values; they are UTC and say so.
    assert serialize(datetime(2026, 12, 3, 9, 30)) == "2026-12-03T09:30:00+00:00"


def test_dates_are_iso_8601_calendar_dates_only() -> None:
    parse = scalar("Date").parse_value
    assert parse("1980-04-23") == date(1980, 4, 23)
    for refused in ("19800423", "1980-W17-3", "1980-04-23T00:00:00Z", "1980-02-30", 1980):
        with pytest.raises(GraphQLError, match=r"Date cannot represent .*YYYY-MM-DD"):
            parse(refused)
    assert scalar("Date").serialize(date(1980, 4, 23)) == "1980-04-23"


@pytest.mark.parametrize("text", ["0", "19.90", "-0.5", "1234567890.000001"])
def test_decimals_are_exact_strings(text: str) -> None:
    parsed = scalar("Decimal").parse_value(text)
    assert parsed == Decimal(text) and scalar("Decimal").serialize(parsed) == text


@pytest.mark.parametrize(
    "value",
    ["1e3", "1E+2", "+1", "01.5", "1.", ".5", "1,5", "NaN", "Infinity", " 1", "1" * 65, 19.9, 20],
)
def test_other_decimal_forms_are_refused_with_the_format(value: Any) -> None:
    with pytest.raises(GraphQLError, match=r"Decimal cannot represent .*no exponent"):
        scalar("Decimal").parse_value(value)


def test_decimals_answer_without_exponent_and_refuse_non_numbers() -> None:
    serialize = scalar("Decimal").serialize
    assert serialize(Decimal("1E+2")) == "100"
    assert serialize(Decimal("0.00000001")) == "0.00000001"
    with pytest.raises(ValueError, match="NaN"):  # a field error, never the text "NaN"
        serialize(Decimal("NaN"))


def test_a_literal_in_the_document_is_held_to_the_same_format() -> None:
    literal = scalar("Decimal").parse_literal
    assert literal(parse_value('"19.90"')) == Decimal("19.90")
    with pytest.raises(GraphQLError, match="no exponent"):
        literal(parse_value("19.9"))


@pytest.mark.parametrize("schema", [portal_schema, admin_schema], ids=["portal", "admin"])
def test_both_apis_share_the_scalars(schema: Any) -> None:
    for name in ("DateTime", "Decimal"):
        assert schema._schema.type_map[name].specified_by_url == scalar(name).specified_by_url


async def test_answers_over_http_have_the_documented_forms(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    # On SQLite the stored times come back naive; the answer still carries the offset.
    await log_in_staff(admin_api, runtime)
    await make_customer(runtime, "zeit@example.de")
    data = await admin_api.data("{ portalUsers { edges { node { createdAt } } } }")
    created_at = data["portalUsers"]["edges"][0]["node"]["createdAt"]
    assert DATE_TIME_PATTERN.fullmatch(created_at) and created_at.endswith("+00:00")
    assert datetime.fromisoformat(created_at) == clock()
    scalars = await admin_api.data(
        '{ d: __type(name: "DateTime") { specifiedByURL } e: __type(name: "Decimal") '
        "{ specifiedByURL } }"
    )
    assert scalars["d"]["specifiedByURL"] == RFC_3339
    assert scalars["e"]["specifiedByURL"] == DECIMAL_SPEC


def test_uuids_are_the_hyphenated_form() -> None:
    parse = scalar("UUID").parse_value
    text = "0B7E3A52-4C1D-4F7E-9A51-2F0D3C8E6B14"
    assert scalar("UUID").serialize(parse(text)) == text.lower()
    for refused in ("0b7e3a524c1d4f7e9a512f0d3c8e6b14", "{0b7e3a52-4c1d-4f7e-9a51-2f0d3c8e6b14}",
                    "urn:uuid:0b7e3a52-4c1d-4f7e-9a51-2f0d3c8e6b14", 7):  # fmt: skip
        with pytest.raises(GraphQLError, match=r"UUID cannot represent .*8-4-4-4-12"):
            parse(refused)
