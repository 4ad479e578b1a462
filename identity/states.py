"""The states portal users and staff accounts move through (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum

from portal.models import StaffUser


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


class StaffState(StrEnum):
    """Where a staff account stands: invited (no password yet), active, or deactivated."""

    INVITED = "INVITED"
    ACTIVE = "ACTIVE"
    DEACTIVATED = "DEACTIVATED"


def staff_state_of(staff: StaffUser) -> StaffState:
    """Derived from stored columns only (``is_active``, ``password_hash``)."""
    if not staff.is_active:
        return StaffState.DEACTIVATED
    return StaffState.INVITED if staff.password_hash is None else StaffState.ACTIVE
