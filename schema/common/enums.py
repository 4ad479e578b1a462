"""Domain enums both APIs expose, registered with Strawberry once.

Registering one Python enum in two places makes two GraphQL definitions of the same name, so an
enum that both the customer and the staff API use is registered here and only here.
"""

from __future__ import annotations

from enum import StrEnum

import strawberry

from identity.impersonation import ImpersonationMode
from identity.matching import SecondIdentifier
from identity.states import MappingStatus, RegistrationStatus
from portal.email.outbox import Formality
from portal.services.actors import ActorType
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
FormOfAddressEnum = strawberry.enum(
    Formality,
    name="FormOfAddress",
    description="How German texts address the person: FORMAL (Sie) or INFORMAL (Du). Other "
    "languages ignore it.",
)
ImpersonationModeEnum = strawberry.enum(
    ImpersonationMode,
    name="ImpersonationMode",
    description="What support may do while logged in as a customer: READ_ONLY (look) or FULL "
    "(also change, recorded as support's changes).",
)
ActorTypeEnum = strawberry.enum(
    ActorType,
    name="ActorType",
    description="Who made a change: STAFF, CUSTOMER, SYSTEM (the portal itself) or IMPORT.",
)


@strawberry.enum(description="The direction of a list's order: ASC (smallest first) or DESC.")
class OrderDirection(StrEnum):
    ASC = "ASC"
    DESC = "DESC"
