"""Opaque global IDs (Relay): base64 of ``Type:uuid``. Clients must not parse them."""

from __future__ import annotations

import base64
import binascii
import uuid

import strawberry

from portal.global_ids import global_id_text


def to_global_id(type_name: str, value: uuid.UUID | str) -> strawberry.ID:
    """The global id of the object ``value`` (a UUID, or its canonical text) of ``type_name``
    (the same text webhook payloads carry)."""
    return strawberry.ID(global_id_text(type_name, value))


def parse_global_id(value: str) -> tuple[str, uuid.UUID] | None:
    """``(type name, uuid)`` of a global id, or None when it is not one of ours."""
    if len(value) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode((value + "=" * (-len(value) % 4)).encode()).decode()
        type_name, _, rest = raw.partition(":")
        return type_name, uuid.UUID(rest)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def from_global_id(expected_type: str, value: str) -> uuid.UUID | None:
    """The uuid inside a global id of ``expected_type``; None for any other id or garbage."""
    parsed = parse_global_id(value)
    if parsed is None or parsed[0] != expected_type:
        return None
    return parsed[1]


# No row has this id: what a filter by a foreign id matches.
_NO_ROW = uuid.UUID(int=0)


def filter_id(expected_type: str, value: str | None) -> uuid.UUID | None:
    """The uuid a list filters by: None when no filter is given; for a global id that is not
    an ``expected_type``'s, an id no row has, so the filter matches nothing (never "no
    filter")."""
    if value is None:
        return None
    return from_global_id(expected_type, value) or _NO_ROW
