"""Contact types of the staff API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

import strawberry

from portal.email.outbox import Formality
from portal.models import Contact as ContactRow
from portal.models import ContactGroup, ContactHistoryEntry, Tag
from portal.models.base import PlainRow
from portal.services.actors import ActorType
from portal.services.contacts import ContactSource, OptInState
from portal.services.contacts.history import QuickInfo as QuickInfoFacts
from portal.services.contacts.reachability import is_reachable
from portal.services.contacts.search import RECORD_COLUMNS
from portal.services.contacts.status import PortalStatus
from schema.admin.contacts import enums  # noqa: F401  (registers the enums' GraphQL names first)
from schema.admin.resources.types import ResourceGrant
from schema.common.contacts import (
    CONTACT_FIELDS,
    Money,
    QuickInfo,
    ReachabilityWindow,
)
from schema.common.enums import ActorTypeEnum, FormOfAddressEnum  # noqa: F401
from schema.common.ids import to_global_id
from schema.common.info import Info
from schema.common.loaders import MaybeLoaded
from schema.common.node import Node
from schema.common.records import column, global_id, needs, record_of


def _e164(field: str) -> Any:
    """The E.164 column of a phone field (``phone1`` -> ``phone1E164``)."""
    return column(
        f"{field}_e164",
        str | None,
        name=f"{field}E164",
        description=f"`{field}` in E.164 form (+4930123456), the form searches and matching "
        "compare; null when empty or not a valid number.",
    )


@strawberry.type(name="ContactGroup", description="A named group of contacts.")
class GroupNode(Node):
    record: strawberry.Private[Mapping[Any, Any]]
    id = global_id("ContactGroup")
    name = column("name", str, description="Unique name of the group (case-insensitive).")
    description = column(
        "description", str, description="What the group is for; empty when not given."
    )

    @classmethod
    def from_row(cls, row: ContactGroup | PlainRow) -> GroupNode:
        return cls(record=record_of(row, ("id", "name", "description")))  # type: ignore[call-arg]


@strawberry.type(name="Tag", description="A free label; tags double as newsletter segments.")
class TagNode(Node):
    record: strawberry.Private[Mapping[Any, Any]]
    id = global_id("Tag")
    name = column("name", str, description="Unique name of the tag (case-insensitive).")
    is_central = column("is_central", bool, description="Set centrally (e.g. by a franchise).")

    @classmethod
    def from_row(cls, row: Tag | PlainRow) -> TagNode:
        return cls(record=record_of(row, ("id", "name", "is_central")))  # type: ignore[call-arg]


@strawberry.type(name="HistoryEntry", description="A dated entry of the contact's activity.")
class HistoryEntryNode(Node):
    occurred_at: datetime = strawberry.field(
        description="When it happened (a purchase's date, a change's time)."
    )
    source: str = strawberry.field(
        description="Where the entry came from, as free text: `staff console`, `portal`, "
        "`support`, `system`, `CSV import`, or what staff entered (a shop, `POS`)."
    )
    description: str = strawberry.field(
        description="What happened, as written by staff or the system."
    )
    actor_type: ActorType = strawberry.field(description="Who made the entry.")
    actor_name: str = strawberry.field(
        description="Display name of who made the entry (staff member, customer); empty for "
        "the system."
    )
    revenue: Money | None = strawberry.field(
        description="Amount booked with the entry (a purchase); null when none."
    )
    visible_to_customer: bool = strawberry.field(
        description="Whether the customer sees the entry in their portal history (and counts "
        "it in their own quick info)."
    )

    @classmethod
    def from_row(cls, row: ContactHistoryEntry) -> HistoryEntryNode:
        return cls(
            id=to_global_id("HistoryEntry", row.id),
            occurred_at=row.occurred_at,
            source=row.source,
            description=row.description,
            actor_type=ActorType(row.actor_type),
            actor_name=row.actor_name,
            revenue=Money(amount=row.revenue_amount, currency=row.revenue_currency or "EUR")
            if row.revenue_amount is not None
            else None,
            visible_to_customer=row.visible_to_customer,
        )


@strawberry.type(description="The contact's id in another system.")
class ExternalReferenceType:
    source_system: str = strawberry.field(
        description="Name of the other system, upper case (e.g. SHOP, ERP); 1 to 50 characters."
    )
    external_id: str = strawberry.field(
        description="The contact's id in that system; 1 to 100 characters, unique per system."
    )


@strawberry.type(name="Contact", description="A customer record of the business's CRM.")
class ContactNode(Node):
    """A contact, backed by its record (column values by name, see ``schema.common.records``):
    a list page reads only the columns its fields declare."""

    record: strawberry.Private[Mapping[Any, Any]]

    # Node's id, computed from the record (to mypy, a dataclass field overridden by a method).
    @strawberry.field(  # type: ignore[misc]
        description="Opaque global id; pass it back as is.", metadata=needs("id")
    )
    def id(self) -> strawberry.ID:
        return to_global_id("Contact", self.record["id"])

    @strawberry.field(description="The contact's UUID.", metadata=needs("id"))
    def uuid(self) -> strawberry.ID:
        return strawberry.ID(str(self.record["id"]))

    @strawberry.field(
        description="Assigned by the system, sequential, never changed.",
        metadata=needs("customer_number"),
    )
    def customer_number(self) -> str:
        return str(self.record["customer_number"])

    salutation = column("salutation", str, description=CONTACT_FIELDS["salutation"])
    title = column("title", str, description=CONTACT_FIELDS["title"])
    first_name = column("first_name", str, description=CONTACT_FIELDS["first_name"])
    last_name = column("last_name", str, description=CONTACT_FIELDS["last_name"])
    company_name = column("company_name", str, description=CONTACT_FIELDS["company_name"])
    street = column("street", str, description=CONTACT_FIELDS["street"])
    postal_code = column("postal_code", str, description=CONTACT_FIELDS["postal_code"])
    city = column("city", str, description=CONTACT_FIELDS["city"])
    country = column("country", str, description=CONTACT_FIELDS["country"])
    email = column(
        "email",
        str | None,
        description=CONTACT_FIELDS["email"] + " Null when the contact has none.",
    )
    phone1 = column("phone1", str, description="As entered; phone1E164 holds the E.164 form.")
    phone1_e164 = _e164("phone1")
    phone2 = column("phone2", str, description=CONTACT_FIELDS["phone2"])
    phone2_e164 = _e164("phone2")
    mobile = column("mobile", str, description=CONTACT_FIELDS["mobile"])
    mobile_e164 = _e164("mobile")
    fax = column("fax", str, description=CONTACT_FIELDS["fax"])
    fax_e164 = _e164("fax")
    website = column("website", str, description=CONTACT_FIELDS["website"])
    date_of_birth = column(
        "date_of_birth",
        date | None,
        description=CONTACT_FIELDS["date_of_birth"] + " Null when unknown.",
    )
    notes = column("notes", str, description=CONTACT_FIELDS["notes"])
    language = column(
        "language",
        str,
        description="Preferred language, any ISO 639-1 code (de, en, fr, tr, ...); emails come "
        "in it where templates exist, else in English.",
    )

    @strawberry.field(
        metadata=needs("formality"),
        description="How German texts address the contact: FORMAL (Sie) or INFORMAL (Du).",
    )
    def formality(self) -> Formality:
        return Formality(self.record["formality"])

    directory_visible = column(
        "directory_visible", bool, description="Listed in the member directory."
    )

    @strawberry.field(description="How the contact came in.", metadata=needs("source"))
    def source(self) -> ContactSource:
        return ContactSource(self.record["source"])

    registered_at = column(
        "registered_at",
        datetime | None,
        description="When the business first recorded the contact (set at creation; an import "
        "may bring an earlier date); null when unknown.",
    )
    is_active = column(
        "is_active",
        bool,
        description="False when deactivated: hidden from lists unless asked for, gets no "
        "newsletters.",
    )
    newsletter_invited_at = column(
        "newsletter_invited_at",
        datetime | None,
        description="When the last newsletter confirmation link was sent; null if never.",
    )
    newsletter_confirmed_at = column(
        "newsletter_confirmed_at",
        datetime | None,
        description="When the contact confirmed the newsletter by link; null if never. Kept "
        "after a withdrawal as evidence.",
    )
    newsletter_revoked_at = column(
        "newsletter_revoked_at",
        datetime | None,
        description="When the consent was withdrawn; null while it stands or was never given.",
    )
    version = column(
        "version", int, description="Increases with every change; pass it back to updateContact."
    )
    created_at = column("created_at", datetime, description="When the record was created.")
    updated_at = column("updated_at", datetime, description="When the record last changed.")

    @property
    def contact_id(self) -> UUID:
        contact_id: UUID = self.record["id"]
        return contact_id

    @strawberry.field(
        description="Weekly windows in which the contact may be called.",
        metadata=needs("reachability"),
    )
    def reachability(self) -> list[ReachabilityWindow]:
        return [
            ReachabilityWindow(weekday=w["weekday"], start=w["from"], end=w["to"])
            for w in self.record["reachability"] or ()
        ]

    @strawberry.field(
        description="Newsletter consent state.",
        metadata=needs("newsletter_confirmed_at", "newsletter_revoked_at", "newsletter_invited_at"),
    )
    def opt_in_state(self) -> OptInState:
        record = self.record
        # A revocation keeps the confirmation date: the revocation decides.
        if record["newsletter_revoked_at"]:
            return OptInState.REVOKED
        if record["newsletter_confirmed_at"]:
            return OptInState.CONFIRMED
        if record["newsletter_invited_at"]:
            return OptInState.INVITED
        return OptInState.NONE

    @strawberry.field(
        description="Whether now falls into a reachability window.",
        metadata=needs("reachability"),
    )
    def reachable_now(self, info: Info) -> bool:
        settings = info.context.settings
        return is_reachable(self.record["reachability"] or [], settings.clock(), settings.time_zone)

    # Relations: synchronous, through the request's DataLoaders. A list resolver preloads
    # the loaders its selection reads (schema.common.records.preload), so on a page these
    # complete at once; elsewhere they return an awaitable (schema.common.loaders.loaded).

    @strawberry.field(
        description="Derived from the portal user's state and the resources shared with the "
        "contact; stored with the contact and kept in step with those facts, so the list's "
        "`status` filter reads an index.",
        graphql_type=PortalStatus,
        metadata=needs("portal_status"),
    )
    def portal_status(self) -> PortalStatus:
        return PortalStatus(self.record["portal_status"])

    @strawberry.field(
        description="Groups the contact belongs to.",
        graphql_type=list[GroupNode],
        metadata=needs("id", loads=("groups_by_contact",)),
    )
    def groups(self, info: Info) -> MaybeLoaded[list[GroupNode]]:
        return info.context.loaders.groups_by_contact.then(
            self.contact_id,
            lambda rows: [GroupNode.from_row(g) for g in rows],
        )

    @strawberry.field(
        description="Tags of the contact.",
        graphql_type=list[TagNode],
        metadata=needs("id", loads=("tags_by_contact",)),
    )
    def tags(self, info: Info) -> MaybeLoaded[list[TagNode]]:
        return info.context.loaders.tags_by_contact.then(
            self.contact_id,
            lambda rows: [TagNode.from_row(t) for t in rows],
        )

    @strawberry.field(
        description="The resources assigned to the contact, each with the contact's permissions "
        "on it (the same as contactResources, through the page's DataLoader).",
        graphql_type=list[ResourceGrant],
        metadata=needs("id", loads=("assignments_by_contact",)),
    )
    def resources(self, info: Info) -> MaybeLoaded[list[ResourceGrant]]:
        return info.context.loaders.assignments_by_contact.then(
            self.contact_id,
            lambda rows: [ResourceGrant.from_row(r) for r in rows],
        )

    @strawberry.field(
        description="Further email addresses.",
        graphql_type=list[str],
        metadata=needs("id", loads=("emails_by_contact",)),
    )
    def additional_emails(self, info: Info) -> MaybeLoaded[list[str]]:
        return info.context.loaders.emails_by_contact.then(self.contact_id, list)

    @strawberry.field(
        description="Ids of the contact in other systems.",
        graphql_type=list[ExternalReferenceType],
        metadata=needs("id", loads=("references_by_contact",)),
    )
    def external_references(self, info: Info) -> MaybeLoaded[list[ExternalReferenceType]]:
        return info.context.loaders.references_by_contact.then(
            self.contact_id,
            lambda rows: [
                ExternalReferenceType(source_system=r.source_system, external_id=r.external_id)
                for r in rows
            ],
        )

    @strawberry.field(
        description="Registered at, last visit, history count, revenue.",
        graphql_type=QuickInfo,
        metadata=needs("id", "registered_at", loads=("quick_info_by_contact",)),
    )
    def quick_info(self, info: Info) -> MaybeLoaded[QuickInfo]:
        registered_at = self.record["registered_at"]

        def from_facts(facts: QuickInfoFacts | None) -> QuickInfo:
            if facts is None:
                return QuickInfo(
                    registered_at=registered_at, last_visit_at=None, history_count=0,
                    last_revenue=None, last_revenue_at=None, total_revenue=[],
                )  # fmt: skip
            return QuickInfo.from_facts(facts)

        return info.context.loaders.quick_info_by_contact.then(self.contact_id, from_facts)

    @classmethod
    def from_record(cls, record: Mapping[Any, Any]) -> ContactNode:
        """A node over a contact's column values by name: a row of a contact list (all or
        some of :data:`~portal.services.contacts.search.RECORD_COLUMNS`)."""
        return cls(record=record)  # type: ignore[call-arg]  # id is computed

    @classmethod
    def from_row(cls, row: ContactRow) -> ContactNode:
        """A node over an ORM contact's current values (single reads, mutation payloads)."""
        values = {c.key: getattr(row, c.key) for c in RECORD_COLUMNS}
        return cls(record=values)  # type: ignore[call-arg]  # id is computed
