"""The GraphQL names and descriptions of the contact enums of the staff API.

Imported by the modules that use these enums before they declare a field with one: strawberry
would otherwise name an enum it meets first in an annotation on its own, and then refuse the
second definition.
"""

from __future__ import annotations

import strawberry

from portal.services.contacts import ContactOrderField, ContactSource, OptInState
from portal.services.contacts.status import PortalStatus
from schema.common.descriptions import describe_values

PortalStatusEnum = strawberry.enum(
    PortalStatus,
    name="PortalStatus",
    description="Where the contact stands in the portal, derived from facts: PROSPECT (no "
    "portal user), RESOURCE_ASSIGNED, INVITED (portal user, never logged in), ACTIVE, SUSPENDED.",
)
ContactSourceEnum = strawberry.enum(
    ContactSource, name="ContactSource", description="How the contact came in."
)
OptInStateEnum = strawberry.enum(OptInState, name="OptInState", description="Newsletter consent.")
ContactOrderFieldEnum = strawberry.enum(
    ContactOrderField, name="ContactOrderField", description="What the contacts list sorts by."
)

describe_values(
    PortalStatus,
    {
        "PROSPECT": "No portal user and no shared resources.",
        "RESOURCE_ASSIGNED": "No portal user yet, but resources are shared with the contact.",
        "INVITED": "Has a portal user who has never logged in.",
        "ACTIVE": "Has a portal user who has logged in at least once.",
        "SUSPENDED": "The portal user is suspended and cannot log in.",
    },
)
describe_values(
    ContactSource,
    {
        "MANUAL": "Entered by staff in the console.",
        "CSV_IMPORT": "Came from a CSV import.",
        "POS": "Came from a point-of-sale (till) system.",
        "ONLINE_ORDER": "Came from an online shop order.",
        "VOUCHER_PURCHASE": "Came from a voucher purchase.",
        "SELF_REGISTRATION": "Created when a customer registered in the portal.",
        "API": "Created by another system through an API key.",
    },
)
describe_values(
    OptInState,
    {
        "NONE": "Never invited to the newsletter.",
        "INVITED": "A confirmation link was sent; not confirmed yet.",
        "CONFIRMED": "Subscribed: confirmed by link and not withdrawn.",
        "REVOKED": "Consent was withdrawn (the confirmation date is kept as evidence).",
    },
)
describe_values(
    ContactOrderField,
    {
        "NAME": "Last name, then first name, then company name (case-insensitive).",
        "CUSTOMER_NUMBER": "Customer number, numerically.",
        "CREATED_AT": "When the contact was created.",
        "LAST_VISIT": "The portal user's last login; contacts without one count as never.",
    },
)
