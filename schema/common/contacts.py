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
from schema.common.descriptions import ERROR_CODE, ERROR_FIELD, ERROR_MESSAGE
from schema.common.enums import ContactErrorCodeEnum  # noqa: F401  (registers the enum)
from schema.common.errors import ErrorFields

# What a contact's fields hold, said once for every type that reads or writes them (the
# customer's own record and profile input, the staff console's contact and its inputs). Text
# fields are never null: an unknown value is the empty string.
CONTACT_FIELDS = {
    "customer_number": "Customer number the business assigned when the contact was created; "
    "never changes. Digits only, as text.",
    "salutation": "Salutation as written in letters (Herr, Frau, ...); free text, at most 30 "
    "characters; empty when unknown.",
    "title": "Academic or honorary title (Dr., Prof.); at most 50 characters; empty when none.",
    "first_name": "Given name; at most 100 characters; empty when unknown.",
    "last_name": "Family name; at most 100 characters. A contact has a first, last or company "
    "name.",
    "company_name": "Company name for business customers; at most 200 characters; empty for "
    "private persons.",
    "street": "Street and house number; at most 200 characters.",
    "postal_code": "Postal code, upper case (five digits in DE); empty when unknown.",
    "city": "City; at most 100 characters.",
    "country": "ISO 3166-1 alpha-2 country code in upper case (DE); empty when unknown.",
    "email": "Primary email address as entered, the key portal logins are matched by; at most "
    "254 characters.",
    "phone1": "Main phone number as entered (at most 40 characters); empty when none.",
    "phone2": "Second phone number as entered (at most 40 characters); empty when none.",
    "mobile": "Mobile number as entered (at most 40 characters); empty when none.",
    "fax": "Fax number as entered (at most 40 characters); empty when none.",
    "website": "Web address (with or without http(s)://); at most 300 characters.",
    "date_of_birth": "Date of birth (ISO 8601 date).",
    "notes": "Internal notes of the staff; at most 10,000 characters, line breaks kept.",
    "language": "Language for emails and letters: ISO 639-1 code in lower case (de, en).",
    "formality": "Form of address in German texts: FORMAL (Sie) or INFORMAL (Du); other "
    "languages ignore it.",
    "reachability": "Weekly windows in which the contact may be called, sorted by weekday and "
    "time; empty when none are known.",
    "directory_visible": "Whether the contact appears in the customer directory that logged-in "
    "customers can search.",
    "additional_emails": "Further email addresses besides the primary one.",
}


@strawberry.type(description="A problem with a contact mutation's input.")
class ContactError(ErrorFields):
    codes: ClassVar = ContactErrorCode
    code: ContactErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="A weekly window in which the contact may be called.")
class ReachabilityWindow:
    weekday: int = strawberry.field(description="Day of the week: 0 = Monday ... 6 = Sunday.")
    start: str = strawberry.field(
        name="from", description="Start time HH:MM (inclusive) in the portal's time zone."
    )
    end: str = strawberry.field(
        name="to", description="End time HH:MM (exclusive; 24:00 for midnight)."
    )


@strawberry.input(description="A weekly window in which the contact may be called.")
class ReachabilityWindowInput:
    weekday: int = strawberry.field(description="Day of the week: 0 = Monday ... 6 = Sunday.")
    start: str = strawberry.field(
        name="from",
        description="Start time HH:MM (00:00-23:59) in the portal's time zone; before `to`.",
    )
    end: str = strawberry.field(
        name="to",
        description="End time HH:MM (exclusive; up to 24:00). Windows of one day must not overlap.",
    )

    def to_dict(self) -> dict[str, Any]:
        return {"weekday": self.weekday, "from": self.start, "to": self.end}


@strawberry.type(description="An amount of money in one currency.")
class Money:
    amount: Decimal = strawberry.field(
        description="The amount in the currency's main unit (euros, not cents), e.g. 12.50; "
        "may be negative for refunds."
    )
    currency: str = strawberry.field(
        description="ISO 4217 currency code: one of EUR, CHF, GBP, USD."
    )


@strawberry.type(description="Computed facts about a contact (never stored twice).")
class QuickInfo:
    registered_at: datetime | None = strawberry.field(
        description="When the business first recorded the contact (RFC 3339 date-time, UTC); "
        "null for contacts that came without that date."
    )
    last_visit_at: datetime | None = strawberry.field(description="Last portal login.")
    history_count: int = strawberry.field(description="Number of history entries counted.")
    last_revenue: Money | None = strawberry.field(
        description="Revenue of the newest history entry that has one; null when none has."
    )
    last_revenue_at: datetime | None = strawberry.field(
        description="When that entry occurred; null when no entry has revenue."
    )
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
