"""The text of an opaque global id (Relay), below the GraphQL layer: what the staff API calls
an object, and what webhook payloads name it by (see :mod:`portal.services.events`)."""

from __future__ import annotations

import binascii
import uuid

_URLSAFE = bytes.maketrans(b"+/", b"-_")


def global_id_text(type_name: str, value: uuid.UUID | str) -> str:
    """Unpadded base64url of ``Type:uuid`` (``binascii`` directly: every node of a page
    computes one)."""
    raw = binascii.b2a_base64(f"{type_name}:{value}".encode(), newline=False)
    return raw.translate(_URLSAFE).rstrip(b"=").decode()
