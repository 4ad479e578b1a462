"""Contact inputs of the staff API: what createContact and updateContact accept."""

from __future__ import annotations

from typing import Any

import strawberry

from portal.services.contacts import ContactSource
from schema.admin.contacts import enums  # noqa: F401  (registers the enums' GraphQL names first)
from schema.common.contact_inputs import (
    CONTACT_INPUT_FIELDS,
    ContactFieldsInputBase,
    contact_fields_input,
)


@contact_fields_input(
    *CONTACT_INPUT_FIELDS,
    description="Fields of a contact; in updates, omitted fields stay unchanged.",
)
class ContactFieldsInput(ContactFieldsInputBase):
    """Staff may change every contact field an input can carry."""


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
        fields = super().given()
        fields.pop("id")
        fields.pop("version")
        return fields
