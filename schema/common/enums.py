"""Domain enums both APIs expose, registered with Strawberry once.

Registering one Python enum in two places makes two GraphQL definitions of the same name, so an
enum that both the customer and the staff API use is registered here and only here.
"""

from __future__ import annotations

import strawberry

from identity.matching import SecondIdentifier
from identity.states import MappingStatus, RegistrationStatus
from portal.services.contacts import ContactErrorCode

ContactErrorCodeEnum = strawberry.enum(
    ContactErrorCode, name="ContactErrorCode", description="Why a contact change was refused."
)
RegistrationStatusEnum = strawberry.enum(
    RegistrationStatus,
    name="RegistrationStatus",
    description="Where a portal user stands in registration.",
)
MappingStatusEnum = strawberry.enum(
    MappingStatus, name="MappingStatus", description="Whether a portal user is linked to a contact."
)
SecondIdentifierEnum = strawberry.enum(
    SecondIdentifier,
    name="SecondIdentifier",
    description="A value that picks one contact among several sharing an email.",
)
