"""Contact types both APIs expose (the customer's own record, the staff console's contacts).

Types the customer API (``schema.portal``) and the staff API (``schema.admin``) share live here,
so neither API imports the other.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import strawberry

from portal.services.contacts import ContactErrorCode
from portal.services.contacts.history import QuickInfo as QuickInfoFacts
from schema.common.enums import ContactErrorCodeEnum  # noqa: F401  (registers the enum)
from schema.common.errors import ErrorFields


@strawberry.type(description="A problem with a contact mutation's input.")
class ContactError(ErrorFields):
    codes: ClassVar = ContactErrorCode
    code: ContactErrorCode
    field: str | None = strawberry.field(description="Input field (camelCase) or null.")
    message: str


@strawberry.type(description="A weekly window in which the contact may be called.")
class ReachabilityWindow:
    weekday: int = strawberry.field(description="0 = Monday ... 6 = Sunday.")
    start: str = strawberry.field(name="from", description="HH:MM, portal time zone.")
    end: str = strawberry.field(name="to", description="HH:MM (exclusive).")


@strawberry.input(description="A weekly window in which the contact may be called.")
class ReachabilityWindowInput:
    weekday: int
    start: str = strawberry.field(name="from")
    end: str = strawberry.field(name="to")

    def to_dict(self) -> dict[str, Any]:
        return {"weekday": self.weekday, "from": self.start, "to": self.end}


@strawberry.type(description="An amount of money.")
class Money:
    amount: Decimal
    currency: str


@strawberry.type(description="Computed facts about a contact (never stored twice).")
class QuickInfo:
    registered_at: datetime | None
    last_visit_at: datetime | None = strawberry.field(description="Last portal login.")
    history_count: int
    last_revenue: Money | None
    last_revenue_at: datetime | None
    total_revenue: list[Money] = strawberry.field(description="Sum per currency.")

    @classmethod
    def from_facts(cls, facts: QuickInfoFacts) -> QuickInfo:
        last = facts.last_revenue
        return cls(
            registered_at=facts.registered_at,
            last_visit_at=facts.last_visit_at,
            history_count=facts.history_count,
            last_revenue=Money(amount=last.amount, currency=last.currency) if last else None,
            last_revenue_at=facts.last_revenue_at,
            total_revenue=[
                Money(amount=r.amount, currency=r.currency) for r in facts.total_revenue
            ],
        )


def given_fields(obj: object) -> dict[str, Any]:
    """The fields the client actually sent (UNSET ones are left out)."""
    result: dict[str, Any] = {}
    for name, value in vars(obj).items():
        if value is strawberry.UNSET:
            continue
        if name == "reachability" and value is not None:
            value = [w.to_dict() for w in value]
        elif name == "source" and value is not None:
            value = str(value.value if hasattr(value, "value") else value)
        result[name] = value
    return result
