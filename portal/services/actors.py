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


SYSTEM = Actor(ActorType.SYSTEM, name="system")
