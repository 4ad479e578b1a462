"""Contact types of the staff API."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import strawberry

from portal.models import Contact as ContactRow
from portal.services.contacts import ContactDraft, ContactErrorCode
from schema.common.errors import ErrorFields
from schema.common.ids import to_global_id
from schema.common.node import Node

ContactErrorCodeEnum = strawberry.enum(
    ContactErrorCode, name="ContactErrorCode", description="Why a contact change was refused."
)


@strawberry.type(description="A problem with a contact mutation's input.")
class ContactError(ErrorFields):
    codes: ClassVar = ContactErrorCode
    code: ContactErrorCode
    field: str | None = strawberry.field(description="Input field (camelCase) or null.")
    message: str


@strawberry.type(name="Contact", description="A customer record of the business's CRM.")
class ContactNode(Node):
    uuid: strawberry.ID = strawberry.field(description="The contact's UUID.")
    customer_number: str = strawberry.field(
        description="Assigned by the system, sequential, never changed."
    )
    first_name: str
    last_name: str
    company_name: str
    email: str | None = strawberry.field(description="Primary email, as entered.")
    language: str = strawberry.field(description="Preferred language (de, en).")
    is_active: bool
    version: int = strawberry.field(
        description="Increases with every change; pass it back to updateContact."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: ContactRow) -> ContactNode:
        return cls(
            id=to_global_id("Contact", row.id),
            uuid=strawberry.ID(str(row.id)),
            customer_number=str(row.customer_number),
            first_name=row.first_name,
            last_name=row.last_name,
            company_name=row.company_name,
            email=row.email,
            language=row.language,
            is_active=row.is_active,
            version=row.version,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.input(description="A new contact.")
class CreateContactInput:
    first_name: str = ""
    last_name: str = ""
    company_name: str = ""
    email: str | None = None
    language: str = "de"

    def to_draft(self) -> ContactDraft:
        return ContactDraft(
            first_name=self.first_name,
            last_name=self.last_name,
            company_name=self.company_name,
            email=self.email,
            language=self.language,
        )
