"""Every message portal sends: its template and the context keys callers must pass.

Recipient keys (``first_name``, ``last_name``, ``salutation``, ``title``) are optional for all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class MessageSpec:
    required: tuple[str, ...] = ()
    # The context key holding the link the message's button points to, if it has one.
    action_key: str | None = None
    # The kind of file the delivery worker attaches when it sends (see portal.email.attachments).
    attachment: str | None = None

    def missing(self, context: Mapping[str, object]) -> list[str]:
        return [key for key in self.required if key not in context]


MESSAGES: dict[str, MessageSpec] = {
    "account_activation": MessageSpec(("activation_url", "activation_hours"), "activation_url"),
    "already_registered": MessageSpec(("password_reset_url",), "password_reset_url"),
    "registration_denied": MessageSpec(),
    "password_reset": MessageSpec(("reset_url",), "reset_url"),
    "password_changed": MessageSpec(),
    "email_change_confirmation": MessageSpec(("confirm_url",), "confirm_url"),
    "email_change_notice": MessageSpec(("new_email",)),
    "invitation": MessageSpec(("setup_url", "username", "expires_at"), "setup_url"),
    "newsletter_opt_in": MessageSpec(("confirm_url",), "confirm_url"),
    "impersonation_notice": MessageSpec(("staff_name", "started_at")),
    "account_ready": MessageSpec(("login_url",), "login_url"),
    "password_set_by_staff": MessageSpec(("set_at", "login_url"), "login_url"),
    "staff_pending_review": MessageSpec(("portal_user_email", "reason")),
    "export_ready": MessageSpec(("export_job_id", "export_kind"), attachment="export"),
    # To staff members (identity.staff_admin, identity.second_factor).
    "staff_invitation": MessageSpec(
        ("setup_url", "username", "role", "inviter_name", "expires_at"), "setup_url"
    ),
    "staff_role_changed": MessageSpec(("old_role", "new_role", "changed_by")),
    "staff_deactivated": MessageSpec(("deactivated_by",)),
    "staff_second_factor_reset": MessageSpec(("reset_by",)),
    # To administrators (portal.webhooks.delivery).
    "webhook_endpoint_disabled": MessageSpec(("endpoint_url", "failures", "last_error")),
}

# Templates staff may override per language (subject and body) in the staff API.
OVERRIDABLE = ("invitation",)
LANGUAGES = ("de", "en")


def variant(language: str, formality: str) -> str:
    """The template variant: German in both forms of address, English in one."""
    if language == "de":
        return "de_informal" if formality == "informal" else "de_formal"
    return "en"
