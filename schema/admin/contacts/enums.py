"""The GraphQL names and descriptions of the contact enums of the staff API.

Imported by the modules that use these enums before they declare a field with one: strawberry
would otherwise name an enum it meets first in an annotation on its own, and then refuse the
second definition.
"""

from __future__ import annotations

import strawberry

from portal.services.contacts import ContactOrderField, ContactSource, OptInState
from portal.services.contacts.status import PortalStatus

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
ContactOrderFieldEnum = strawberry.enum(ContactOrderField, name="ContactOrderField")
