"""Descriptions that many parts of both schemas share, and the way to describe enum values.

The SDL is the frontend teams' contract (issue 17): what a typed error's fields or a payload's
``errors`` mean is the same everywhere, so it is written once here and said the same way.
Domain enums live in ``identity/`` and ``portal/`` (which never import Strawberry), so their
values get their GraphQL descriptions where the schema registers them, through
:func:`describe_values`.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Annotated

import strawberry

from identity.password_policy import MIN_PASSWORD_LENGTH
from identity.passwords import MAX_PASSWORD_LENGTH

ERROR_CODE = "Why the input was refused; stable, so frontends translate by this code."
ERROR_FIELD = (
    "Path of the refused argument or input field in GraphQL names (camelCase), dotted for "
    "nested input and list positions (`reachability.0.from`); null when the refusal concerns "
    "the request as a whole."
)
ERROR_MESSAGE = (
    "English explanation for developers and logs; show a translation chosen by `code` to users."
)
PAYLOAD_ERRORS = (
    "Why the mutation was refused; empty on success. A refused mutation changes nothing it "
    "was asked to change (a failed login still counts as an attempt)."
)
ID_ARGUMENT = "Global id (`Node.id`) of the {what}."


def describe_values(
    enum: type[Enum], descriptions: Mapping[str, str], *borrowed: Mapping[str, str]
) -> None:
    """Give the values of an enum registered with ``strawberry.enum`` their descriptions.

    ``descriptions`` holds the enum's own values: an unknown name there is a mistake and
    raises. A payload error enum built by ``error_codes()`` also carries codes of other domains;
    those take their description from the first of the ``borrowed`` catalogues that has one. A
    value left out stays undescribed and ``tests/schema/test_descriptions.py`` reports it.
    """
    definition = enum.__strawberry_definition__  # type: ignore[attr-defined]
    unknown = set(descriptions) - {value.name for value in definition.values}
    if unknown:
        raise ValueError(f"{definition.name} has no values {sorted(unknown)}")
    for value in definition.values:
        for catalogue in (descriptions, *borrowed):
            if value.name in catalogue:
                value.description = catalogue[value.name]
                break


# Error codes that several enums share: a domain's own enum, and the payload enums that
# error_codes() builds from several domains (each takes the descriptions of the codes it borrows).
CONTACT_ERROR_CODES = {
    "INVALID_EMAIL": "Not a valid email address (at most 254 characters).",
    "INVALID_PHONE": "Not a phone number of the portal's default region or in "
    "international form (+49 ...); at most 40 characters.",
    "INVALID_POSTAL_CODE": "Not a postal code of the contact's country (five digits in DE).",
    "INVALID_COUNTRY": "Not a two-letter ISO 3166-1 alpha-2 country code (DE).",
    "INVALID_LANGUAGE": "Not an ISO 639-1 language code (de, en, fr, ...).",
    "INVALID_FORMALITY": "Form of address other than formal or informal (a CSV cell; "
    "GraphQL inputs take FormOfAddress).",
    "INVALID_DATE": "Not an ISO 8601 date (YYYY-MM-DD).",
    "INVALID_URL": "Not a web address (at most 300 characters).",
    "INVALID_REACHABILITY": "Reachability windows malformed: weekday outside 0-6, a time "
    "not HH:MM, a window ending before it starts, or windows of one day overlapping.",
    "INVALID_SOURCE": "Unknown contact source.",
    "INVALID_AMOUNT": "Revenue amount is not a decimal number like 12.50.",
    "INVALID_CURRENCY": "Currency is not one of EUR, CHF, GBP, USD.",
    "REQUIRED": "A required value is missing or blank (e.g. a contact needs a first, last "
    "or company name).",
    "TOO_LONG": "Text longer than the field allows; the message names the limit.",
    "NOT_FOUND": "No contact (or group, tag, entry) with this id.",
    "STALE_VERSION": "The contact changed since the given `version` was read; reload it and "
    "apply the change again.",
    "INACTIVE": "The contact is deactivated.",
    "ALREADY_ACTIVE": "The contact is already active.",
    "ALREADY_INACTIVE": "The contact is already deactivated.",
    "NO_EMAIL": "The contact has no email address to write to.",
    "DUPLICATE_REFERENCE": "Another contact already has this external id in that system.",
    "NAME_TAKEN": "A group or tag with this name exists.",
    "CENTRAL_TAG": "Central tags are set by admins only.",
    "ALREADY_CONFIRMED": "The contact has already confirmed the newsletter.",
    "NOT_CONFIRMED": "The contact has not confirmed the newsletter.",
    "INVALID_TOKEN": "The emailed link is not valid (altered, or for something else).",
    "TOKEN_EXPIRED": "The emailed link has expired.",
    "INVALID_CURSOR": "The `after` cursor was not issued by this list.",
    "INVALID_PAGE_SIZE": "`first` is below 0 or above the list's maximum page size.",
}
INVITATION_ERROR_CODES = {
    "CONTACT_NOT_FOUND": "No contact with this id.",
    "CONTACT_HAS_NO_EMAIL": "The contact has no email address to send the invitation to.",
    "CONTACT_INACTIVE": "The contact is deactivated.",
    "EMAIL_BELONGS_TO_ANOTHER_CONTACT": "Another contact's portal login already uses this "
    "email address.",
    "ALREADY_ACTIVE": "The customer has already set up their access.",
    "CUSTOMER_HAS_LOGIN": "The contact has or had a portal login with a password of its own; "
    "replacing it needs the `portal_users:set_credentials` permission.",
    "SUSPENDED": "The contact's portal login is suspended.",
    "NOT_FOUND": "No such invitation (or the contact has no portal login).",
    "NOT_PENDING": "The invitation is no longer open (accepted, expired or revoked).",
    "INVALID_TOKEN": "The setup link is not valid (altered, revoked or superseded by a newer one).",
    "TOKEN_EXPIRED": "The setup link has expired; ask for a new one with requestNewInvitation.",
    "TOKEN_USED": "The setup link was used already (links are single use).",
    "PASSWORD_TOO_SHORT": "The password has fewer than 10 characters.",
    "PASSWORD_TOO_LONG": "The password has more than 1024 characters.",
    "PASSWORD_TOO_COMMON": "The password is a commonly used one or the email address itself.",
}
IMPERSONATION_ERROR_CODES = {
    "REASON_TOO_SHORT": "The reason has fewer letters and digits than the configured minimum.",
    "TOO_LONG": "The reason has more than 500 or the ticket reference more than 100 characters.",
    "USER_NOT_FOUND": "No portal user with this id.",
    "USER_SUSPENDED": "The portal user is suspended.",
    "USER_NOT_LINKED": "The portal user has no contact yet.",
    "USER_NOT_ACTIVE": "The portal user has not activated the account.",
    "CONTACT_HAS_NO_PORTAL_USER": "The contact has no portal login to view.",
    "INVALID_TOKEN": "The login token is not valid, or the staff member, the customer or the "
    "contact link changed since it was issued.",
    "TOKEN_EXPIRED": "The login token has expired (it is valid for two minutes).",
    "TOKEN_USED": "The login token was used already (single use).",
    "NOT_FOUND": "No such impersonation, or the current session is not a support session.",
    "ALREADY_ENDED": "The impersonation has ended already.",
}

# The paging arguments of every connection (``portal.pagination.check_page_size``).
PAGE_FIRST = (
    "How many items to return: 0 to 100 (outside is a BAD_USER_INPUT error); an explicit null "
    "means 20."
)
PAGE_AFTER = (
    "`pageInfo.endCursor` of the previous page, asked with the same filters and order; null "
    "for the first page. An unreadable cursor is a BAD_USER_INPUT error."
)
PageSize = Annotated[int | None, strawberry.argument(description=PAGE_FIRST)]
# The password arguments of the staff's and the customer's password changes and resets.
CurrentPassword = Annotated[str, strawberry.argument(description="The password in use now.")]
NewPassword = Annotated[
    str,
    strawberry.argument(
        description=f"{MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters, not a common "
        "password nor the email."
    ),
]
SetupToken = Annotated[
    str, strawberry.argument(description="The token from the emailed setup link.")
]
After = Annotated[str | None, strawberry.argument(description=PAGE_AFTER)]
ContactId = Annotated[
    strawberry.ID,
    strawberry.argument(description="Global id (`Contact.id`) of the contact to act on."),
]
PortalUserId = Annotated[
    strawberry.ID,
    strawberry.argument(description="Global id (`PortalUser.id`) of the portal user to act on."),
]
PORTAL_USER_ERROR_CODES = {
    "NOT_FOUND": "No portal user with this id.",
    "CONTACT_NOT_FOUND": "No contact with this id.",
    "ALREADY_ASSIGNED": "The portal user is already linked to a contact; unassign first.",
    "NOT_ASSIGNED": "The portal user has no contact to unassign.",
    "CONTACT_HAS_PORTAL_USER": "The contact already has another portal user.",
    "CONTACT_INACTIVE": "The contact is deactivated.",
    "ALREADY_ACTIVATED": "The portal user has activated the account already.",
    "ALREADY_SUSPENDED": "The portal user is suspended already.",
    "NOT_SUSPENDED": "The portal user is not suspended.",
    "SUSPENDED": "The portal user is suspended; reactivate them first.",
    "NOT_ACTIVATED": "The portal user never activated the account; resend the activation "
    "email instead.",
}
