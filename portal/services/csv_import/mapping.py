"""Which file column feeds which contact column: recognised headers (German, English and the
usual synonyms), the caller's explicit mapping, and what becomes of each column, so that no
column is ever dropped without a word."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from portal.services.csv_columns import CONTACT_COLUMNS, Column, header_index, header_key
from portal.services.csv_import.report import ColumnMapping, ColumnUse, RowProblem

_BY_KEY = {c.key: c for c in CONTACT_COLUMNS}
_INDEX = header_index(CONTACT_COLUMNS)
# Columns that find the contact a row updates (the email also sets a field).
MATCH_KEY_COLUMNS = frozenset({"uuid", "customer_number"})
# Columns an import writes although they are no plain contact field.
WRITTEN_COLUMNS = frozenset({"active", "tags", "house_number", "references"})


class ColumnKey(StrEnum):
    """The columns of the contacts CSV (``CONTACT_COLUMNS``), as an explicit mapping names
    them."""

    UUID = "uuid"
    CUSTOMER_NUMBER = "customer_number"
    SALUTATION = "salutation"
    TITLE = "title"
    FIRST_NAME = "first_name"
    LAST_NAME = "last_name"
    COMPANY_NAME = "company_name"
    EMAIL = "email"
    PHONE1 = "phone1"
    PHONE2 = "phone2"
    MOBILE = "mobile"
    FAX = "fax"
    STREET = "street"
    HOUSE_NUMBER = "house_number"
    POSTAL_CODE = "postal_code"
    CITY = "city"
    COUNTRY = "country"
    LANGUAGE = "language"
    FORMALITY = "formality"
    DATE_OF_BIRTH = "date_of_birth"
    WEBSITE = "website"
    NOTES = "notes"
    DIRECTORY_VISIBLE = "directory_visible"
    ACTIVE = "active"
    SOURCE = "source"
    REGISTERED_AT = "registered_at"
    NEWSLETTER_INVITED_AT = "newsletter_invited_at"
    NEWSLETTER_CONFIRMED_AT = "newsletter_confirmed_at"
    NEWSLETTER_REVOKED_AT = "newsletter_revoked_at"
    NEWSLETTER = "newsletter"
    TAGS = "tags"
    GROUPS = "groups"
    ADDITIONAL_EMAILS = "additional_emails"
    REACHABILITY = "reachability"
    REFERENCES = "references"
    RESOURCE_IDS = "resource_ids"
    RESOURCE_COUNT = "resource_count"
    STATUS = "status"


if {key.value for key in ColumnKey} != set(_BY_KEY):  # pragma: no cover (caught by any import)
    raise RuntimeError("ColumnKey and CONTACT_COLUMNS name different columns")


def column_by_key(key: str) -> Column | None:
    return _BY_KEY.get(key)


def _use(column: Column | None) -> ColumnUse:
    if column is None:
        return ColumnUse.IGNORED
    if column.key in MATCH_KEY_COLUMNS:
        return ColumnUse.MATCH_KEY
    if column.field is not None or column.key in WRITTEN_COLUMNS:
        return ColumnUse.IMPORTED
    return ColumnUse.READ_ONLY


def map_columns(
    header: list[str], explicit: Mapping[str, str | None] | None = None
) -> tuple[list[ColumnMapping], list[RowProblem]]:
    """Each column of ``header`` with its contact column, and the problems that refuse the
    file: a mapping that names a header the file does not have or a column that does not
    exist, or two file columns feeding the same contact column (which cell would win?).
    ``explicit`` maps file headers (compared as :func:`header_key` does) to column keys, or to
    None to ignore a column; it overrides the recognised headers."""
    problems: list[RowProblem] = []
    chosen: dict[str, str | None] = {}
    present = {header_key(h) for h in header}
    for name, key in (explicit or {}).items():
        if header_key(name) not in present:
            problems.append(
                RowProblem(1, name, "UNKNOWN_MAPPED_HEADER",
                           f"The mapping names the column {name!r}, which the file does not have.")
            )  # fmt: skip
        elif key is not None and key not in _BY_KEY:
            problems.append(
                RowProblem(1, name, "UNKNOWN_MAPPED_FIELD", f"No contact column {key!r}.")
            )
        chosen[header_key(name)] = key
    mappings = []
    for position, text in enumerate(header):
        normalized = header_key(text)
        if normalized in chosen:
            key = chosen[normalized]
            column = _BY_KEY.get(key) if key is not None else None
            mappings.append(ColumnMapping(position, text, column, _use(column), explicit=True))
        else:
            column = _INDEX.get(normalized)
            mappings.append(ColumnMapping(position, text, column, _use(column)))
    seen: dict[str, str] = {}
    for mapping in mappings:
        if mapping.column is None:
            continue
        if mapping.column.key in seen:
            problems.append(
                RowProblem(1, mapping.header, "DUPLICATE_COLUMN",
                           f"The columns {seen[mapping.column.key]!r} and {mapping.header!r} both "
                           f"feed {mapping.column.en!r}; map one of them to another field or "
                           "ignore it.")
            )  # fmt: skip
        else:
            seen[mapping.column.key] = mapping.header
    return mappings, problems
