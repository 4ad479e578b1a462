"""The states a portal user moves through (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum


class RegistrationStatus(StrEnum):
    REGISTRATION_PENDING = "REGISTRATION_PENDING"  # created by staff, no password yet
    ACTIVATION_EMAIL_SENT = "ACTIVATION_EMAIL_SENT"  # registered, email not proven yet
    REGISTERED = "REGISTERED"
    EMAIL_UPDATE_IN_PROGRESS = "EMAIL_UPDATE_IN_PROGRESS"


class MappingStatus(StrEnum):
    PENDING = "PENDING"
    ASSIGNED = "ASSIGNED"


class PendingReason(StrEnum):
    NO_MATCH = "NO_MATCH"
    AMBIGUOUS = "AMBIGUOUS"
    SECOND_IDENTIFIER_FAILED = "SECOND_IDENTIFIER_FAILED"
    UNASSIGNED = "UNASSIGNED"  # staff removed the contact link
    # Staff activated it without the email link: its address is unproven, so no contact is
    # matched by it; staff choose one (issue 16, item 1).
    EMAIL_NOT_PROVEN = "EMAIL_NOT_PROVEN"
