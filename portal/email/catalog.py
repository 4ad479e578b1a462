"""Every message portal sends: its template and the context keys callers must pass.

Recipient keys (``first_name``, ``last_name``, ``salutation``, ``title``) are optional for all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class EmailTemplate(StrEnum):
    """Every message portal ships (a folder under ``templates/``), by name."""

    ACCOUNT_ACTIVATION = "account_activation"
    ALREADY_REGISTERED = "already_registered"
    REGISTRATION_DENIED = "registration_denied"
    PASSWORD_RESET = "password_reset"
    PASSWORD_CHANGED = "password_changed"
    EMAIL_CHANGE_CONFIRMATION = "email_change_confirmation"
    EMAIL_CHANGE_NOTICE = "email_change_notice"
    INVITATION = "invitation"
    NEWSLETTER_OPT_IN = "newsletter_opt_in"
    IMPERSONATION_NOTICE = "impersonation_notice"
    ACCOUNT_READY = "account_ready"
    PASSWORD_SET_BY_STAFF = "password_set_by_staff"
    STAFF_PENDING_REVIEW = "staff_pending_review"
    EXPORT_READY = "export_ready"
    STAFF_INVITATION = "staff_invitation"
    STAFF_ROLE_CHANGED = "staff_role_changed"
    STAFF_DEACTIVATED = "staff_deactivated"
    STAFF_SECOND_FACTOR_RESET = "staff_second_factor_reset"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"


@dataclass(frozen=True)
class MessageSpec:
    required: tuple[str, ...] = ()
    # The context key holding the link the message's button points to, if it has one.
    action_key: str | None = None
    # The kind of file the delivery worker attaches when it sends (see portal.email.attachments).
    attachment: str | None = None

    def missing(self, context: Mapping[str, object]) -> list[str]:
        return [key for key in self.required if key not in context]


# Keyed by EmailTemplate (a str, so looked up by the stored name too), one entry for each.
MESSAGES: dict[str, MessageSpec] = {
    EmailTemplate.ACCOUNT_ACTIVATION: MessageSpec(
        ("activation_url", "activation_hours"), "activation_url"
    ),
    EmailTemplate.ALREADY_REGISTERED: MessageSpec(("password_reset_url",), "password_reset_url"),
    EmailTemplate.REGISTRATION_DENIED: MessageSpec(),
    EmailTemplate.PASSWORD_RESET: MessageSpec(("reset_url",), "reset_url"),
    EmailTemplate.PASSWORD_CHANGED: MessageSpec(),
    EmailTemplate.EMAIL_CHANGE_CONFIRMATION: MessageSpec(("confirm_url",), "confirm_url"),
    EmailTemplate.EMAIL_CHANGE_NOTICE: MessageSpec(("new_email",)),
    EmailTemplate.INVITATION: MessageSpec(("setup_url", "username", "expires_at"), "setup_url"),
    EmailTemplate.NEWSLETTER_OPT_IN: MessageSpec(("confirm_url",), "confirm_url"),
    EmailTemplate.IMPERSONATION_NOTICE: MessageSpec(("staff_name", "started_at")),
    EmailTemplate.ACCOUNT_READY: MessageSpec(("login_url",), "login_url"),
    EmailTemplate.PASSWORD_SET_BY_STAFF: MessageSpec(("set_at", "login_url"), "login_url"),
    EmailTemplate.STAFF_PENDING_REVIEW: MessageSpec(("portal_user_email", "reason")),
    EmailTemplate.EXPORT_READY: MessageSpec(("export_job_id", "export_kind"), attachment="export"),
    # To staff members (identity.staff_admin, identity.second_factor).
    EmailTemplate.STAFF_INVITATION: MessageSpec(
        ("setup_url", "username", "role", "inviter_name", "expires_at"), "setup_url"
    ),
    EmailTemplate.STAFF_ROLE_CHANGED: MessageSpec(("old_role", "new_role", "changed_by")),
    EmailTemplate.STAFF_DEACTIVATED: MessageSpec(("deactivated_by",)),
    EmailTemplate.STAFF_SECOND_FACTOR_RESET: MessageSpec(("reset_by",)),
    # To administrators (portal.webhooks.delivery).
    EmailTemplate.WEBHOOK_ENDPOINT_DISABLED: MessageSpec(
        ("endpoint_url", "failures", "last_error")
    ),
}

# Templates staff may override per language (subject and body) in the staff API.
OVERRIDABLE = (EmailTemplate.INVITATION,)
LANGUAGES = ("de", "en")


def variant(language: str, formality: str) -> str:
    """The template variant: German in both forms of address, English in one."""
    if language == "de":
        return "de_informal" if formality == "informal" else "de_formal"
    return "en"
