"""Normalised forms of the values portal compares: the matching keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

MAX_EMAIL_LENGTH = 254
# Deliberately permissive (RFC 5321 allows far more than forms should accept, but rejecting real
# addresses is worse than accepting odd ones): one @, a non-empty local part, a dotted domain.
_EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


def normalize_email(value: str) -> str:
    """The comparison form of an email address: NFC, stripped, lower-cased (local part too:
    no mail provider we meet treats case as significant, and users type it either way)."""
    return unicodedata.normalize("NFC", value).strip().lower()


def is_valid_email(value: str) -> bool:
    """Whether ``value`` (already stripped) is shaped like a deliverable address."""
    if len(value) > MAX_EMAIL_LENGTH or not value.isprintable():
        return False  # control and format characters (a bidi override) have no place in one
    if not _EMAIL_PATTERN.match(value):
        return False
    domain = value.rsplit("@", 1)[1]
    return ".." not in domain and not domain.startswith(".") and not domain.startswith("-")


def fold_for_search(value: str) -> str:
    """Case- and accent-insensitive search form: "Müller" and "MULLER" both become "muller"."""
    if value.isascii():  # nothing to decompose (most names, every email): skip the slow path
        return value.casefold().strip()
    decomposed = unicodedata.normalize("NFKD", value)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    return without_marks.replace("ß", "ss").casefold().strip()


@lru_cache(maxsize=4096)
def normalize_phone(value: str, region: str = "DE") -> str | None:
    """E.164 form of a phone number (``+4930123456``), or None when it is not a valid number.
    Numbers without a country code are read in ``region``. Cached: parsing is the slowest step
    of a contact's validation, and re-imported files repeat their numbers."""
    import phonenumbers

    text = value.strip()
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def normalize_phones(texts: list[str], region: str) -> dict[str, str | None]:
    """:func:`normalize_phone` of many numbers (a worker process's job in large imports)."""
    return {text: normalize_phone.__wrapped__(text, region) for text in texts}


def normalize_postal_code(value: str) -> str:
    """Comparison form of a postal code: no spaces, upper-case ("sw1a 1aa" -> "SW1A1AA")."""
    return "".join(value.split()).upper()


def normalize_customer_number(value: str) -> str:
    """Comparison form of a customer number as typed: trimmed."""
    return value.strip()


_NOT_DIGITS = re.compile(r"\D+")


def digits_only(value: str) -> str:
    """The ASCII digits of ``value`` ("+49 (30) 12-34" -> "49301234")."""
    return (
        _NOT_DIGITS.sub("", value)
        if value.isascii()
        else "".join(ch for ch in value if "0" <= ch <= "9")
    )


# Invisible formatting that a person needs in their writing: the zero-width (non-)joiner shape
# emoji sequences, Persian and Indic script. Every other format character (Unicode category
# Cf) is dropped: bidirectional embeddings, overrides, isolates and marks (which make a note
# read differently on screen than it is stored), zero-width spaces, word joiners, the BOM and
# tag characters (which hide text).
_KEPT_FORMAT = frozenset({"\u200c", "\u200d"})
# What str.splitlines() splits at.
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """Free text as staff and customers will read it: without control characters (C0, DEL,
    C1) and the invisible format characters that reorder or hide text, stripped.

    Tabs become spaces; line breaks (CR LF, CR, the Unicode separators) become ``\\n`` in
    ``multiline`` text (notes, descriptions) and spaces elsewhere. NUL stays: it is refused
    with a typed error wherever it arrives (a request's text, an imported cell), never dropped
    unseen, and should one slip past, the database's refusal is reported for its row.

    Every free-text value that staff read (contact fields, names, notes, reasons, tags,
    groups, references, imported cells) passes through here in the domain layer, whichever
    way it arrived.
    """
    if value.isprintable():  # no control, format or separator character: the usual case
        return value.strip()
    kept: list[str] = []
    for ch in value.replace("\r\n", "\n"):
        if ch in _LINE_BREAKS:
            kept.append("\n" if multiline else " ")
        elif ch == "\t":
            kept.append(" ")
        elif ch != "\x00" and unicodedata.category(ch) in ("Cc", "Cf") and ch not in _KEPT_FORMAT:
            continue
        else:
            kept.append(ch)
    return "".join(kept).strip()


def clean_name(value: str) -> str:
    """:func:`clean_text` on one line with runs of whitespace made one space: names of tags,
    groups, reasons."""
    return " ".join(clean_text(value).split())
