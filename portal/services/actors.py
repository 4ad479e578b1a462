"""Who did something: recorded in history and audit entries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class ActorType(StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"
    SYSTEM = "system"
    IMPORT = "import"


@dataclass(frozen=True)
class Actor:
    type: ActorType
    id: uuid.UUID | None = None
    name: str = ""
    ip_address: str | None = None

    @property
    def history_source(self) -> str:
        """Where a change came from, as the contact's history names it."""
        return _HISTORY_SOURCES[self.type]


_HISTORY_SOURCES = {
    ActorType.STAFF: "staff console",
    ActorType.CUSTOMER: "portal",
    ActorType.SYSTEM: "system",
    ActorType.IMPORT: "CSV import",
}


SYSTEM = Actor(ActorType.SYSTEM, name="system")
