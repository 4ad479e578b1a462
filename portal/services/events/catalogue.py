"""The closed set of lifecycle event types, and who can cause an event."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    """Every event portal records. The value is the Standard Webhooks ``type``; docs/events.md
    says when each is recorded and what its payload carries."""

    CONTACT_CREATED = "contact.created"
    CONTACT_UPDATED = "contact.updated"
    CONTACT_DEACTIVATED = "contact.deactivated"
    CONTACT_REACTIVATED = "contact.reactivated"
    CONTACT_DELETED = "contact.deleted"
    CONTACT_MERGED = "contact.merged"
    CONTACT_ERASED = "contact.erased"
    PORTAL_USER_REGISTERED = "portal_user.registered"
    PORTAL_USER_ACTIVATED = "portal_user.activated"
    PORTAL_USER_LINKED = "portal_user.linked"
    PORTAL_USER_PENDING_REVIEW = "portal_user.pending_review"
    PORTAL_USER_ASSIGNED = "portal_user.assigned"
    PORTAL_USER_SUSPENDED = "portal_user.suspended"
    PORTAL_USER_REACTIVATED = "portal_user.reactivated"
    PORTAL_USER_DELETED = "portal_user.deleted"
    CONSENT_CHANGED = "consent.changed"
    INVITATION_SENT = "invitation.sent"
    INVITATION_ACCEPTED = "invitation.accepted"
    IMPERSONATION_STARTED = "impersonation.started"
    IMPERSONATION_ENDED = "impersonation.ended"


class EventActorType(StrEnum):
    """Who caused an event, as payloads name it."""

    CUSTOMER = "customer"
    STAFF = "staff"
    SUPPORT = "support"  # a staff member acting as the customer (FULL impersonation)
    IMPORT = "import"  # an import token, or a CSV import from the command line
    SYSTEM = "system"


class PayloadLevel(StrEnum):
    """How much a subscriber receives: ids and changed field names only, or those plus the
    changed fields' new values (personal data)."""

    IDS = "ids"
    CHANGED_FIELDS = "changed_fields"
