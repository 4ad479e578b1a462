"""The audit log's closed vocabularies in the staff API: ``AuditAction`` and
``AuditSubjectType``, built from :mod:`portal.services.audit_actions`, so every action the
services can record is a value here and no other."""

from __future__ import annotations

import strawberry

from portal.services.audit_actions import AuditAction, AuditSubject
from schema.common.descriptions import describe_values

AuditActionEnum = strawberry.enum(
    AuditAction,
    name="AuditAction",
    description="What an audit entry records; stored as `<subject>.<verb>` (the enum value is "
    "that form upper-cased, dots as underscores).",
)
AuditSubjectEnum = strawberry.enum(
    AuditSubject, name="AuditSubjectType", description="The kind of record an audit entry is about."
)
describe_values(
    AuditSubject,
    {
        "CONTACT": "A contact (`Contact`).",
        "CONTACT_GROUP": "A contact group (`ContactGroup`).",
        "TAG": "A tag (`Tag`).",
        "RESOURCE": "A resource (`Resource`).",
        "PORTAL_USER": "A customer's portal login (`PortalUser`).",
        "STAFF_USER": "A staff member (`StaffUser`).",
        "API_KEY": "An API key (also the subject of an import run with one).",
        "EXPORT_JOB": "A CSV export.",
        "WEBHOOK_ENDPOINT": "A webhook endpoint (`WebhookEndpoint`).",
    },
)
describe_values(
    AuditAction,
    {
        "CONTACT_CREATE": "A contact was created.",
        "CONTACT_IMPORT": "Contacts were created by an import (one entry for the batch).",
        "CONTACT_UPDATE": "A contact's fields were changed.",
        "CONTACT_DEACTIVATE": "A contact was deactivated.",
        "CONTACT_REACTIVATE": "A contact was reactivated.",
        "CONTACT_DELETE": "A contact was deleted.",
        "CONTACT_SET_REFERENCE": "An external reference was set on a contact.",
        "CONTACT_REMOVE_REFERENCE": "An external reference was removed from a contact.",
        "CONTACT_SET_GROUPS": "A contact's groups were set.",
        "CONTACT_ADD_TAGS": "Tags were added to a contact.",
        "CONTACT_REMOVE_TAGS": "Tags were removed from a contact.",
        "CONTACT_NEWSLETTER_SENT": "A newsletter opt-in invitation was sent.",
        "CONTACT_NEWSLETTER_CONFIRMED": "A newsletter opt-in was confirmed.",
        "CONTACT_NEWSLETTER_REVOKED": "A newsletter opt-in was revoked.",
        "CONTACTS_DEACTIVATE_WITHOUT_OPT_IN": "Contacts without a newsletter opt-in were "
        "deactivated in bulk.",
        "CONTACTS_MERGE": "Contacts were merged into this one.",
        "CONTACTS_MERGED_INTO": "This contact was merged into another.",
        "DUPLICATES_DISMISS": "A pair of contacts was marked as no duplicates.",
        "GDPR_EXPORT": "A contact's personal data was exported.",
        "GDPR_ERASE": "A contact was erased.",
        "EXPORT_CONTACTS": "Contacts were exported as CSV.",
        "EXPORT_PORTAL_USERS": "Portal users were exported as CSV.",
        "IMPORT_ROWS_HELD": "An import with a token held rows back for staff review.",
        "GROUP_SAVE": "A group was created or renamed.",
        "GROUP_DELETE": "A group was deleted.",
        "GROUP_SET_PERMISSIONS": "The portal functions a group grants were set.",
        "TAG_SAVE": "A tag was created or changed.",
        "TAG_DELETE": "A tag was deleted.",
        "RESOURCE_SAVE": "A resource was created or changed.",
        "RESOURCE_DELETE": "A resource was deleted.",
        "RESOURCE_ASSIGN": "A resource was shared with a contact.",
        "RESOURCE_UPDATE_PERMISSIONS": "What a contact may do with a resource changed.",
        "RESOURCE_UNASSIGN": "A resource was no longer shared with a contact.",
        "PORTAL_USER_ASSIGN": "A portal user was linked to a contact.",
        "PORTAL_USER_ASSIGN_NEW_CONTACT": "A portal user was linked to a contact created for it.",
        "PORTAL_USER_UNASSIGN": "A portal user's link to its contact was removed.",
        "PORTAL_USER_SUSPEND": "A portal user was suspended.",
        "PORTAL_USER_REACTIVATE": "A portal user was reactivated.",
        "PORTAL_USER_RESEND_ACTIVATION": "The activation email was sent again.",
        "PORTAL_USER_PASSWORD_RESET_LINK_SENT": "Staff sent a password reset link.",
        "PORTAL_USER_ACTIVATE_MANUALLY": "Staff activated a portal user without the email link.",
        "PORTAL_USER_DELETE": "A portal user was deleted.",
        "PORTAL_USER_INVITE": "A contact was invited to the portal.",
        "PORTAL_USER_REVOKE_INVITATION": "An invitation was revoked.",
        "PORTAL_USER_SET_PASSWORD": "Staff set or generated a customer's password.",
        "IMPERSONATION_START": "Staff started an impersonation.",
        "IMPERSONATION_SESSION_STARTED": "The impersonated session was opened with its token.",
        "IMPERSONATION_ENDED": "An impersonation was ended by the support session.",
        "IMPERSONATION_REVOKED": "An impersonation was revoked by staff.",
        "IMPERSONATION_MUTATION": "A change was made inside an impersonated session.",
        "STAFF_INVITE": "A staff member was invited.",
        "STAFF_INVITE_RESENT": "A staff invitation was sent again.",
        "STAFF_ROLE_CHANGE": "A staff member's role changed.",
        "STAFF_DEACTIVATE": "A staff member was deactivated.",
        "STAFF_REACTIVATE": "A staff member was reactivated.",
        "STAFF_DELETE": "A staff member was deleted.",
        "STAFF_PASSWORD_CHANGE": "A staff member changed their password.",
        "STAFF_SECOND_FACTOR_DISABLE": "A staff member switched off their second factor.",
        "STAFF_SECOND_FACTOR_RESET": "An administrator reset a staff member's second factor.",
        "API_KEY_CREATE": "An API key was created.",
        "API_KEY_REVOKE": "An API key was revoked.",
        "WEBHOOK_ENDPOINT_CREATE": "A webhook endpoint was created.",
        "WEBHOOK_ENDPOINT_UPDATE": "A webhook endpoint was changed.",
        "WEBHOOK_ENDPOINT_DELETE": "A webhook endpoint was deleted.",
        "WEBHOOK_ENDPOINT_ROTATE_SECRET": "A webhook endpoint's signing secret was rotated.",
        "WEBHOOK_ENDPOINT_SEND_TEST_EVENT": "A test event was sent to a webhook endpoint.",
        "WEBHOOK_ENDPOINT_DISABLE": "The system switched off a webhook endpoint after repeated "
        "failures.",
        "WEBHOOK_DELIVERY_REDELIVER": "A webhook delivery was sent again.",
        "WEBHOOK_DELIVERY_REDELIVER_FAILED": "The failed deliveries of an endpoint were sent "
        "again.",
    },
)
