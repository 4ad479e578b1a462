"""Types of the customer API's identity part."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import strawberry

from identity.errors import PortalAuthErrorCode
from identity.impersonation import ImpersonationErrorCode
from identity.invitations import InvitationErrorCode
from identity.states import MappingStatus, RegistrationStatus
from portal.models import PortalUser
from portal.services.contacts import ContactErrorCode
from schema.common.descriptions import (
    CONTACT_ERROR_CODES,
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    IMPERSONATION_ERROR_CODES,
    INVITATION_ERROR_CODES,
    PAYLOAD_ERRORS,
    describe_values,
)
from schema.common.enums import MappingStatusEnum, RegistrationStatusEnum  # noqa: F401
from schema.common.errors import ErrorFields, error_codes

# Activation and the second identifier create the customer's contact, logging out ends an
# impersonation, asking for a new invitation goes through the invitation's checks.
PortalAuthErrorCodeEnum = error_codes(
    "PortalAuthErrorCode",
    PortalAuthErrorCode,
    *(ContactErrorCode.INVALID_PHONE, ContactErrorCode.INVALID_POSTAL_CODE),
    ContactErrorCode.INVALID_DATE,
    *(ContactErrorCode.INVALID_COUNTRY, ContactErrorCode.INVALID_FORMALITY),
    *(ContactErrorCode.INVALID_REACHABILITY, ContactErrorCode.INVALID_SOURCE),
    ContactErrorCode.INVALID_URL,
    *(InvitationErrorCode.ALREADY_ACTIVE, InvitationErrorCode.CONTACT_HAS_NO_EMAIL),
    *(InvitationErrorCode.CONTACT_INACTIVE, InvitationErrorCode.SUSPENDED),
    InvitationErrorCode.EMAIL_BELONGS_TO_ANOTHER_CONTACT,
    ImpersonationErrorCode.ALREADY_ENDED,
    description="Why an identity mutation of the customer API was refused.",
)
describe_values(
    PortalAuthErrorCodeEnum,
    {
        "INVALID_CREDENTIALS": "Email or password is wrong, or the account cannot log in "
        "(not activated, suspended, locked after failed attempts); deliberately one answer so "
        "that nobody learns which accounts exist.",
        "PENDING_CONTACT_ASSIGNMENT": "The password is right but no contact is linked yet; "
        "`flowToken` lets the customer answer a second identifier, else staff assign one.",
        "INVALID_EMAIL": "Not a valid email address (at most 254 characters).",
        "PASSWORD_TOO_SHORT": "The new password has fewer than 10 characters.",
        "PASSWORD_TOO_LONG": "The new password has more than 1024 characters.",
        "PASSWORD_TOO_COMMON": "The new password is a commonly used one or the email address "
        "itself.",
        "WRONG_PASSWORD": "The current password is wrong, or the account is locked after too "
        "many wrong attempts.",
        "TERMS_NOT_ACCEPTED": "Registration needs `acceptTerms: true`.",
        "INVALID_LANGUAGE": "Not a lower-case ISO 639-1 language code (de, en, ...).",
        "TOO_LONG": "Text longer than allowed (names 100, second identifiers 64 characters).",
        "REQUIRED": "A required value is blank (names at registration; at least one second "
        "identifier).",
        "INVALID_TOKEN": "The emailed link or flow token is not valid (altered, or issued for "
        "something else).",
        "TOKEN_EXPIRED": "The emailed link or flow token has expired; ask for a new one.",
        "TOKEN_USED": "The emailed link was used already (links are single use).",
        "REGISTRATION_CLOSED": "The business does not take new customers through the portal; "
        "the account was removed and an email explains why.",
        "EMAIL_TAKEN": "The new email belongs to another portal account.",
        "SAME_EMAIL": "The new email is the current one.",
    },
    CONTACT_ERROR_CODES,
    INVITATION_ERROR_CODES,
    IMPERSONATION_ERROR_CODES,
)


@strawberry.type(description="A problem with a customer identity mutation.")
class PortalAuthError(ErrorFields):
    codes: ClassVar = PortalAuthErrorCodeEnum
    code: PortalAuthErrorCodeEnum = strawberry.field(description=ERROR_CODE)  # type: ignore[valid-type]
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="The logged-in customer.")
class Viewer:
    email: str = strawberry.field(description="Login email.")
    registration_status: RegistrationStatus = strawberry.field(
        description="Where the account stands in registration (EMAIL_UPDATE_IN_PROGRESS while "
        "a new login email waits for confirmation)."
    )
    mapping_status: MappingStatus = strawberry.field(
        description="Whether the account is linked to a contact (logging in needs ASSIGNED)."
    )
    last_login_at: datetime | None = strawberry.field(description="Time of this or the last login.")
    language: str = strawberry.field(
        description="Language of the customer's emails, ISO 639-1 lower case (de, en)."
    )

    @classmethod
    def from_row(cls, user: PortalUser) -> Viewer:
        return cls(
            email=user.email,
            registration_status=RegistrationStatus(user.registration_status),
            mapping_status=MappingStatus(user.mapping_status),
            last_login_at=user.last_login_at,
            language=user.language,
        )


@strawberry.type(description="Result of a request whose answer must not reveal stored data.")
class AcceptedPayload:
    accepted: bool = strawberry.field(
        default=False,
        description="True when the request was well-formed. Says nothing about whether an "
        "account exists.",
    )
    errors: list[PortalAuthError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )
