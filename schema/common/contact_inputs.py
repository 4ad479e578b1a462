"""The contact fields an input can change, declared once for both APIs.

Staff (createContact, updateContact) and customers (updateMyProfile) write the same contact
fields with the same types, descriptions and conversion to the values the contact service
takes; each API names the fields it lets its callers change (:func:`contact_fields_input`).
Every field is optional: omitted (UNSET) leaves it as it is.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import strawberry

from portal.email.outbox import Formality
from schema.common.contacts import CONTACT_FIELDS, ReachabilityWindowInput, given_fields
from schema.common.enums import FormOfAddressEnum  # noqa: F401  (registers the enum)

# Every contact field an input can carry with its GraphQL input type, in the order the inputs
# list them.
CONTACT_INPUT_FIELDS: dict[str, object] = {
    "salutation": str | None,
    "title": str | None,
    "first_name": str | None,
    "last_name": str | None,
    "company_name": str | None,
    "street": str | None,
    "postal_code": str | None,
    "city": str | None,
    "country": str | None,
    "email": str | None,
    "additional_emails": list[str] | None,
    "phone1": str | None,
    "phone2": str | None,
    "mobile": str | None,
    "fax": str | None,
    "website": str | None,
    "date_of_birth": str | None,
    "notes": str | None,
    "language": str | None,
    "formality": Formality | None,
    "reachability": list[ReachabilityWindowInput] | None,
    "directory_visible": bool | None,
}
# What a field holds (CONTACT_FIELDS), or where writing it says more than reading it.
_DESCRIPTIONS = {
    **CONTACT_FIELDS,
    "additional_emails": "Further email addresses; replaces the stored list (an empty list or "
    "null removes them all).",
    "date_of_birth": "Date of birth as an ISO date (YYYY-MM-DD).",
    "reachability": "Replaces all call windows; an empty list or null clears them.",
}

Input = TypeVar("Input", bound="ContactFieldsInputBase")


class ContactFieldsInputBase:
    """What the contact inputs share: the conversion to the contact service's values."""

    def given(self) -> dict[str, Any]:
        """The fields the client sent, as the contact service takes them."""
        return given_fields(self)


def contact_fields_input(*names: str, description: str) -> Callable[[type[Input]], type[Input]]:
    """Make the decorated class a GraphQL input with the contact fields ``names`` (in
    :data:`CONTACT_INPUT_FIELDS`' order, before the class's own fields)."""
    unknown = set(names) - CONTACT_INPUT_FIELDS.keys()
    assert not unknown, f"not contact input fields: {sorted(unknown)}"

    def decorate(cls: type[Input]) -> type[Input]:
        fields = [name for name in CONTACT_INPUT_FIELDS if name in names]
        own = inspect.get_annotations(cls)
        cls.__annotations__ = {name: CONTACT_INPUT_FIELDS[name] for name in fields} | own
        for name in fields:
            setattr(
                cls,
                name,
                strawberry.field(default=strawberry.UNSET, description=_DESCRIPTIONS[name]),
            )
        return strawberry.input(cls, description=description)

    return decorate
