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
    # The portal user a staff member acts for (support inside a FULL impersonation).
    for_customer: uuid.UUID | None = None

    @property
    def history_source(self) -> str:
        """Where a change came from, as the contact's history names it."""
        return "support" if self.for_customer is not None else _HISTORY_SOURCES[self.type]

    @property
    def customer_sees_changes(self) -> bool:
        """Whether the customer sees this actor's changes in their history: their own, and
        support's made for them (shown as "changed by support")."""
        return self.type is ActorType.CUSTOMER or self.for_customer is not None


_HISTORY_SOURCES = {
    ActorType.STAFF: "staff console",
    ActorType.CUSTOMER: "portal",
    ActorType.SYSTEM: "system",
    ActorType.IMPORT: "CSV import",
}


SYSTEM = Actor(ActorType.SYSTEM, name="system")
