"""All mapped classes; importing this module registers every table on ``Base.metadata``."""

from __future__ import annotations

from portal.models.api_key import ApiKey
from portal.models.audit import AuditEntry
from portal.models.base import Base, Timestamps, UTCDateTime, UUIDPrimaryKey
from portal.models.contact import (
    ConsentEvent,
    Contact,
    ContactEmail,
    ContactGroup,
    ContactGroupMember,
    ContactHistoryEntry,
    ContactTag,
    ExternalReference,
    IdCounter,
    Tag,
)
from portal.models.duplicate import DuplicateDismissal
from portal.models.email_template import EmailTemplateOverride
from portal.models.event import Event
from portal.models.export import ExportJob
from portal.models.impersonation import Impersonation
from portal.models.outbox import OutboxMessage
from portal.models.portal_status import PortalStatus, derived_portal_status
from portal.models.portal_user import (
    MatchingFlow,
    PortalSession,
    PortalSetting,
    PortalUser,
    UsedToken,
)
from portal.models.resource import Invitation, Resource, ResourceAssignment
from portal.models.staff import (
    StaffInvitation,
    StaffLoginChallenge,
    StaffRecoveryCode,
    StaffSession,
    StaffUser,
)
from portal.models.throttle import ThrottleCounter
from portal.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Base",
    "ConsentEvent",
    "Contact",
    "ContactEmail",
    "ContactGroup",
    "ContactGroupMember",
    "ContactHistoryEntry",
    "ContactTag",
    "DuplicateDismissal",
    "EmailTemplateOverride",
    "Event",
    "ExportJob",
    "ExternalReference",
    "IdCounter",
    "Impersonation",
    "Invitation",
    "MatchingFlow",
    "OutboxMessage",
    "PortalSession",
    "PortalSetting",
    "PortalStatus",
    "PortalUser",
    "Resource",
    "ResourceAssignment",
    "StaffInvitation",
    "StaffLoginChallenge",
    "StaffRecoveryCode",
    "StaffSession",
    "StaffUser",
    "Tag",
    "ThrottleCounter",
    "Timestamps",
    "UTCDateTime",
    "UUIDPrimaryKey",
    "UsedToken",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "derived_portal_status",
]
