"""Contact inputs of the staff API: what createContact and updateContact accept."""

from __future__ import annotations

from typing import Any

import strawberry

from portal.email.outbox import Formality
from portal.services.contacts import ContactSource
from schema.admin.contacts import enums  # noqa: F401  (registers the enums' GraphQL names first)
from schema.common.contacts import CONTACT_FIELDS, ReachabilityWindowInput, given_fields
from schema.common.enums import FormOfAddressEnum  # noqa: F401  (registers the enum)


@strawberry.input(description="Fields of a contact; in updates, omitted fields stay unchanged.")
class ContactFieldsInput:
    salutation: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["salutation"]
    )
    title: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["title"]
    )
    first_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["first_name"]
    )
    last_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["last_name"]
    )
    company_name: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["company_name"]
    )
    street: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["street"]
    )
    postal_code: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["postal_code"]
    )
    city: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["city"]
    )
    country: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["country"]
    )
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["email"]
    )
    additional_emails: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Further email addresses; replaces the stored list (an empty list or null "
        "removes them all).",
    )
    phone1: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["phone1"]
    )
    phone2: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["phone2"]
    )
    mobile: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["mobile"]
    )
    fax: str | None = strawberry.field(default=strawberry.UNSET, description=CONTACT_FIELDS["fax"])
    website: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["website"]
    )
    date_of_birth: str | None = strawberry.field(
        default=strawberry.UNSET, description="Date of birth as an ISO date (YYYY-MM-DD)."
    )
    notes: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["notes"]
    )
    language: str | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["language"]
    )
    formality: Formality | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["formality"]
    )
    reachability: list[ReachabilityWindowInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Replaces all call windows; an empty list or null clears them.",
    )
    directory_visible: bool | None = strawberry.field(
        default=strawberry.UNSET, description=CONTACT_FIELDS["directory_visible"]
    )

    def given(self) -> dict[str, Any]:
        return given_fields(self)


@strawberry.input(description="A new contact.")
class CreateContactInput(ContactFieldsInput):
    source: ContactSource | None = strawberry.field(
        default=strawberry.UNSET, description="How the contact came in; MANUAL when omitted."
    )


@strawberry.input(description="Changes to a contact; pass the version you read.")
class UpdateContactInput(ContactFieldsInput):
    id: strawberry.ID = strawberry.field(description="Global id (`Contact.id`) of the contact.")
    version: int = strawberry.field(
        description="`Contact.version` as read before editing; a different current version "
        "refuses the change with STALE_VERSION."
    )

    def given(self) -> dict[str, Any]:
        fields = given_fields(self)
        fields.pop("id")
        fields.pop("version")
        return fields
