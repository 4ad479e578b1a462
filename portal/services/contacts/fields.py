"""Validation and normalisation of contact fields, shared by create, update and import.

Input is a mapping of field names (snake_case) to values; only the given fields are checked and
turned into column values. Errors name the field as given (snake_case, as the columns).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from portal.errors import FieldError
from portal.languages import parse_language
from portal.normalization import (
    MAX_EMAIL_LENGTH,
    clean_text,
    is_valid_email,
    normalize_email,
    normalize_phone,
)
from portal.services.contacts.reachability import ReachabilityError, parse_reachability

FORMALITIES = ("formal", "informal")


class ContactErrorCode(StrEnum):
    INVALID_EMAIL = "INVALID_EMAIL"
    INVALID_PHONE = "INVALID_PHONE"
    INVALID_POSTAL_CODE = "INVALID_POSTAL_CODE"
    INVALID_COUNTRY = "INVALID_COUNTRY"
    INVALID_LANGUAGE = "INVALID_LANGUAGE"
    INVALID_FORMALITY = "INVALID_FORMALITY"
    INVALID_DATE = "INVALID_DATE"
    INVALID_URL = "INVALID_URL"
    INVALID_REACHABILITY = "INVALID_REACHABILITY"
    INVALID_SOURCE = "INVALID_SOURCE"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    NOT_FOUND = "NOT_FOUND"
    STALE_VERSION = "STALE_VERSION"
    INACTIVE = "INACTIVE"
    ALREADY_ACTIVE = "ALREADY_ACTIVE"
    ALREADY_INACTIVE = "ALREADY_INACTIVE"
    NO_EMAIL = "NO_EMAIL"
    DUPLICATE_REFERENCE = "DUPLICATE_REFERENCE"
    NAME_TAKEN = "NAME_TAKEN"
    CENTRAL_TAG = "CENTRAL_TAG"
    ALREADY_CONFIRMED = "ALREADY_CONFIRMED"
    NOT_CONFIRMED = "NOT_CONFIRMED"
    INVALID_TOKEN = "INVALID_TOKEN"
    TOKEN_EXPIRED = "TOKEN_EXPIRED"
    INVALID_CURSOR = "INVALID_CURSOR"
    INVALID_PAGE_SIZE = "INVALID_PAGE_SIZE"


class ContactSource(StrEnum):
    MANUAL = "MANUAL"
    CSV_IMPORT = "CSV_IMPORT"
    POS = "POS"
    ONLINE_ORDER = "ONLINE_ORDER"
    VOUCHER_PURCHASE = "VOUCHER_PURCHASE"
    SELF_REGISTRATION = "SELF_REGISTRATION"
    API = "API"


# What people write in a source column (a CSV import, a POS system): matched case-insensitively,
# with "-" and "_" read as spaces; each source's own name is accepted too.
SOURCE_ALIASES: dict[ContactSource, tuple[str, ...]] = {
    ContactSource.MANUAL: ("manual", "manuell", "staff console"),
    ContactSource.CSV_IMPORT: ("CSV import", "CSV", "Import"),
    ContactSource.POS: ("Kasse", "Kassensystem", "point of sale"),
    ContactSource.ONLINE_ORDER: ("online order", "Onlinebestellung", "Online-Bestellung",
                                 "Onlineshop", "Webshop"),
    ContactSource.VOUCHER_PURCHASE: ("voucher", "voucher purchase", "Gutschein", "Gutscheinkauf"),
    ContactSource.SELF_REGISTRATION: ("self registration", "Selbstregistrierung",
                                      "Registrierung"),
    ContactSource.API: ("Schnittstelle",),
}  # fmt: skip


def _source_key(text: str) -> str:
    return " ".join(text.casefold().replace("-", " ").replace("_", " ").split())


_SOURCES_BY_KEY = {
    _source_key(name): source
    for source, aliases in SOURCE_ALIASES.items()
    for name in (source.value, *aliases)
}
_SOURCE_HINT = "; ".join(
    f"{source.value} ({', '.join(aliases)})" for source, aliases in SOURCE_ALIASES.items()
)


def parse_source(value: object) -> ContactSource | None:
    """The source a value names (``VOUCHER_PURCHASE``, ``voucher``, ``Gutschein``), or None."""
    return _SOURCES_BY_KEY.get(_source_key(str(value))) if value is not None else None


_TEXT_LIMITS = {
    "salutation": 30,
    "title": 50,
    "first_name": 100,
    "last_name": 100,
    "company_name": 200,
    "street": 200,
    "city": 100,
    "notes": 10_000,
}
_PHONES = ("phone1", "phone2", "mobile", "fax")
_URL = re.compile(r"^(https?://)?[\w.-]+\.[a-z]{2,}(/\S*)?$", re.IGNORECASE)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_POSTAL = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,9}$")


def _email(
    value: str | None, field: str, errors: list[FieldError]
) -> tuple[str | None, str | None]:
    text = (value or "").strip()
    if not text:
        return None, None
    if len(text) > MAX_EMAIL_LENGTH or not is_valid_email(text):
        errors.append(
            FieldError(ContactErrorCode.INVALID_EMAIL, field, "Not a valid email address.")
        )
        return None, None
    return text, normalize_email(text)


def validate_fields(
    given: Mapping[str, Any],
    *,
    phone_region: str = "DE",
    country_default: str = "DE",
    known_phones: Mapping[str, str | None] | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Column values for the given fields, and every problem found. ``known_phones`` holds
    numbers already validated in ``phone_region`` (a large import's lookahead)."""
    columns: dict[str, Any] = {}
    errors: list[FieldError] = []

    def error(code: ContactErrorCode, name: str, message: str) -> None:
        errors.append(FieldError(code, name, message))

    for name, value in given.items():
        if name in _TEXT_LIMITS:
            text = clean_text(value or "", multiline=name == "notes")
            if len(text) > _TEXT_LIMITS[name]:
                error(ContactErrorCode.TOO_LONG, name, f"At most {_TEXT_LIMITS[name]} characters.")
            columns[name] = text
        elif name == "email":
            columns["email"], columns["email_normalized"] = _email(value, "email", errors)
        elif name in _PHONES:
            text = (value or "").strip()
            if not text:
                e164 = None
            elif known_phones is not None and text in known_phones:
                e164 = known_phones[text]
            else:
                e164 = normalize_phone(text, phone_region)
            if text and (e164 is None or len(text) > 40):
                error(ContactErrorCode.INVALID_PHONE, name, "Not a valid phone number.")
            columns[name], columns[f"{name}_e164"] = text, e164
        elif name == "postal_code":
            text = " ".join((value or "").split()).upper()
            country = str(given.get("country") or country_default).upper()
            valid = not text or (
                re.fullmatch(r"\d{5}", text) if country == "DE" else _POSTAL.fullmatch(text)
            )
            if not valid:
                error(ContactErrorCode.INVALID_POSTAL_CODE, name, "Not a valid postal code.")
            columns[name] = text
        elif name == "country":
            text = (value or "").strip().upper()
            if text and not _COUNTRY.fullmatch(text):
                error(ContactErrorCode.INVALID_COUNTRY, name, "Use a two-letter ISO code (DE).")
            columns[name] = text
        elif name == "website":
            text = clean_text(value or "")
            if text and (len(text) > 300 or not _URL.fullmatch(text)):
                error(ContactErrorCode.INVALID_URL, name, "Not a valid web address.")
            columns[name] = text
        elif name == "language":
            language = parse_language(value)
            if language is None:
                error(
                    ContactErrorCode.INVALID_LANGUAGE,
                    name,
                    "Use an ISO 639-1 language code (de, en, fr, tr, ...).",
                )
            columns[name] = language or value
        elif name == "formality":
            if value not in FORMALITIES:
                error(ContactErrorCode.INVALID_FORMALITY, name, "Use formal or informal.")
            columns[name] = value
        elif name == "date_of_birth":
            columns[name] = _date(value, name, error)
        elif name == "directory_visible":
            columns[name] = bool(value)
        elif name == "source":
            source = parse_source(value)
            if source is None:
                error(
                    ContactErrorCode.INVALID_SOURCE,
                    name,
                    f"Unknown source; use (any case) {_SOURCE_HINT}.",
                )
            columns[name] = source.value if source else value
        elif name == "reachability":
            try:
                columns[name] = parse_reachability(value or [])
            except ReachabilityError as exc:
                error(ContactErrorCode.INVALID_REACHABILITY, name, str(exc))
        elif name == "additional_emails":
            emails = []
            for index, item in enumerate(value or []):
                address, normalized = _email(item, f"additionalEmails.{index}", errors)
                if address and normalized:
                    emails.append((address, normalized))
            columns[name] = emails
        else:
            raise KeyError(f"unknown contact field {name!r}")
    return columns, errors


def _date(
    value: Any, name: str, error: Callable[[ContactErrorCode, str, str], None]
) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        error(ContactErrorCode.INVALID_DATE, name, "Use an ISO date (YYYY-MM-DD).")
        return None


def has_a_name(contact_values: Mapping[str, Any]) -> bool:
    return any(
        str(contact_values.get(key) or "").strip()
        for key in ("first_name", "last_name", "company_name")
    )
