"""Contact inputs of the staff API: what createContact and updateContact accept."""

from __future__ import annotations

from typing import Any

import strawberry

from portal.email.outbox import Formality
from portal.services.contacts import ContactSource
from schema.admin.contacts import enums  # noqa: F401  (registers the enums' GraphQL names first)
from schema.common.contacts import ReachabilityWindowInput, given_fields
from schema.common.enums import FormOfAddressEnum  # noqa: F401  (registers the enum)


@strawberry.input(description="Fields of a contact; in updates, omitted fields stay unchanged.")
class ContactFieldsInput:
    salutation: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET
    first_name: str | None = strawberry.UNSET
    last_name: str | None = strawberry.UNSET
    company_name: str | None = strawberry.UNSET
    street: str | None = strawberry.UNSET
    postal_code: str | None = strawberry.UNSET
    city: str | None = strawberry.UNSET
    country: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    additional_emails: list[str] | None = strawberry.UNSET
    phone1: str | None = strawberry.UNSET
    phone2: str | None = strawberry.UNSET
    mobile: str | None = strawberry.UNSET
    fax: str | None = strawberry.UNSET
    website: str | None = strawberry.UNSET
    date_of_birth: str | None = strawberry.field(default=strawberry.UNSET, description="ISO date.")
    notes: str | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    formality: Formality | None = strawberry.UNSET
    reachability: list[ReachabilityWindowInput] | None = strawberry.UNSET
    directory_visible: bool | None = strawberry.UNSET

    def given(self) -> dict[str, Any]:
        return given_fields(self)


@strawberry.input(description="A new contact.")
class CreateContactInput(ContactFieldsInput):
    source: ContactSource | None = strawberry.UNSET


@strawberry.input(description="Changes to a contact; pass the version you read.")
class UpdateContactInput(ContactFieldsInput):
    id: strawberry.ID
    version: int

    def given(self) -> dict[str, Any]:
        fields = given_fields(self)
        fields.pop("id")
        fields.pop("version")
        return fields
