"""Opaque global IDs (Relay): base64 of ``Type:uuid``. Clients must not parse them."""

from __future__ import annotations

import base64
import binascii
import uuid

import strawberry

_URLSAFE = bytes.maketrans(b"+/", b"-_")


def to_global_id(type_name: str, value: uuid.UUID | str) -> strawberry.ID:
    """The global id of the object ``value`` (a UUID, or its canonical text) of ``type_name``:
    unpadded base64url (``binascii`` directly: every node of a page computes one)."""
    raw = binascii.b2a_base64(f"{type_name}:{value}".encode(), newline=False)
    return strawberry.ID(raw.translate(_URLSAFE).rstrip(b"=").decode())


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
