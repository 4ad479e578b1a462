"""All mapped classes; importing this module registers every table on ``Base.metadata``."""

from __future__ import annotations

from portal.models.base import Base, Timestamps, UTCDateTime, UUIDPrimaryKey
from portal.models.contact import Contact, IdCounter
from portal.models.outbox import OutboxMessage
from portal.models.staff import StaffSession, StaffUser

__all__ = [
    "Base",
    "Contact",
    "IdCounter",
    "OutboxMessage",
    "StaffSession",
    "StaffUser",
    "Timestamps",
    "UTCDateTime",
    "UUIDPrimaryKey",
]
