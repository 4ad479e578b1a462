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
from schema.common.descriptions import CONTACT_ERROR_CODES, describe_values

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


describe_values(ContactErrorCode, CONTACT_ERROR_CODES)
describe_values(
    RegistrationStatus,
    {
        "REGISTRATION_PENDING": "Created by staff (invitation); the customer has not set a "
        "password yet.",
        "ACTIVATION_EMAIL_SENT": "Registered; the email address is not proven yet (activation "
        "link sent).",
        "REGISTERED": "Email proven; the customer can log in once a contact is assigned.",
        "EMAIL_UPDATE_IN_PROGRESS": "A change of the login email waits for confirmation by "
        "link; the current email stays valid until then.",
    },
)
describe_values(
    MappingStatus,
    {
        "PENDING": "No contact is linked yet: matching found none or several, or staff removed "
        "the link. Staff assign one; the customer cannot log in until then.",
        "ASSIGNED": "Linked to exactly one contact.",
    },
)
describe_values(
    SecondIdentifier,
    {
        "CUSTOMER_NUMBER": "The customer number printed on invoices and letters.",
        "PHONE": "A phone number stored on the contact (any of its numbers).",
        "POSTAL_CODE": "The postal code of the contact's address.",
        "DATE_OF_BIRTH": "The contact's date of birth (ISO date YYYY-MM-DD).",
    },
)
describe_values(
    Formality,
    {
        "FORMAL": "Sie.",
        "INFORMAL": "Du.",
    },
)
describe_values(
    ImpersonationMode,
    {
        "READ_ONLY": "Look only: every mutation of the customer API is refused.",
        "FULL": "Act for the customer (needs support:impersonate_full); changes are recorded "
        "as made by support for the customer.",
    },
)
describe_values(
    ActorType,
    {
        "STAFF": "A staff member (or an import token acting for one).",
        "CUSTOMER": "The customer through the portal.",
        "SYSTEM": "The portal itself (workers, automatic steps).",
        "IMPORT": "A CSV import.",
    },
)
describe_values(
    OrderDirection,
    {
        "ASC": "Smallest, earliest or A first.",
        "DESC": "Largest, latest or Z first.",
    },
)
