"""Portal settings staff change at run time, stored in the database; configuration gives the
defaults. Read once per request that needs them (a handful of rows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.config import Settings
from portal.errors import FieldError, InvalidInput
from portal.models import PortalSetting
from portal.models.base import session_now
from portal.normalization import is_valid_email

IDENTIFIER_NAMES = ("CUSTOMER_NUMBER", "PHONE", "POSTAL_CODE", "DATE_OF_BIRTH")


class RegistrationPolicy(StrEnum):
    ALLOW_WITH_CONTACT_CREATION = "ALLOW_WITH_CONTACT_CREATION"
    ALLOW_PENDING = "ALLOW_PENDING"
    DENY_NEW = "DENY_NEW"


class InvitationRequestPolicy(StrEnum):
    NOTIFY_STAFF = "NOTIFY_STAFF"  # staff decide whether to send a new link
    SEND_NEW_LINK = "SEND_NEW_LINK"  # a new link goes out at once


class PortalSettingsErrorCode(StrEnum):
    INVALID_VALUE = "INVALID_VALUE"
    OUT_OF_RANGE = "OUT_OF_RANGE"


# (minimum, maximum) of every duration setting, so a typo cannot make tokens live for years.
_RANGES: dict[str, tuple[int, int]] = {
    "activation_token_hours": (1, 24 * 14),
    "password_reset_minutes": (5, 24 * 60),
    "email_change_hours": (1, 24 * 7),
    "matching_flow_minutes": (5, 24 * 60),
    "max_second_identifier_attempts": (1, 20),
    "invitation_days": (1, 365),
}


@dataclass(frozen=True)
class PortalSettings:
    registration_policy: RegistrationPolicy
    second_identifiers: tuple[str, ...]
    activation_token_hours: int = 48
    password_reset_minutes: int = 60
    email_change_hours: int = 24
    matching_flow_minutes: int = 30
    max_second_identifier_attempts: int = 5
    # Staff emailed when a portal user enters pending review (or asks for a new invitation).
    pending_review_notify: tuple[str, ...] = ()
    invitation_days: int = 30
    invitation_request_policy: InvitationRequestPolicy = InvitationRequestPolicy.NOTIFY_STAFF

    @classmethod
    def defaults(cls, settings: Settings) -> PortalSettings:
        return cls(
            registration_policy=RegistrationPolicy(settings.registration_policy),
            second_identifiers=tuple(settings.second_identifiers),
        )


def validate_changes(changes: dict[str, Any]) -> list[FieldError]:
    """Field errors for a partial update (keys, and the errors' fields, are PortalSettings
    field names)."""
    errors: list[FieldError] = []
    for name, value in changes.items():
        if (name == "registration_policy" and value not in RegistrationPolicy.__members__) or (
            name == "invitation_request_policy" and value not in InvitationRequestPolicy.__members__
        ):
            errors.append(
                FieldError(PortalSettingsErrorCode.INVALID_VALUE, name, "Unknown policy.")
            )
        elif name == "second_identifiers":
            if len(set(value)) != len(value) or any(v not in IDENTIFIER_NAMES for v in value):
                errors.append(
                    FieldError(
                        PortalSettingsErrorCode.INVALID_VALUE,
                        name,
                        f"Use each of {', '.join(IDENTIFIER_NAMES)} at most once.",
                    )
                )
        elif name in _RANGES:
            low, high = _RANGES[name]
            if not isinstance(value, int) or not low <= value <= high:
                errors.append(
                    FieldError(
                        PortalSettingsErrorCode.OUT_OF_RANGE,
                        name,
                        f"Must be between {low} and {high}.",
                    )
                )
        elif name == "pending_review_notify" and not all(is_valid_email(v) for v in value):
            errors.append(
                FieldError(
                    PortalSettingsErrorCode.INVALID_VALUE, name, "Not valid email addresses."
                )
            )
    return errors


def _coerce(name: str, value: Any) -> Any:
    if name == "registration_policy":
        return RegistrationPolicy(value)
    if name == "invitation_request_policy":
        return InvitationRequestPolicy(value)
    if name in ("second_identifiers", "pending_review_notify"):
        return tuple(value)
    return value


async def load_portal_settings(session: AsyncSession, settings: Settings) -> PortalSettings:
    """The effective portal settings: stored values over configured defaults."""
    current = PortalSettings.defaults(settings)
    known = {f.name for f in fields(PortalSettings)}
    stored = {
        row.key: row.value
        for row in await session.scalars(select(PortalSetting))
        if row.key in known
    }
    return replace(current, **{k: _coerce(k, v) for k, v in stored.items()})


async def update_portal_settings(
    session: AsyncSession, settings: Settings, changes: dict[str, Any], actor: str
) -> tuple[PortalSettings, dict[str, list[Any]]]:
    """Store the given settings; returns the new settings and ``{name: [old, new]}``."""
    errors = validate_changes(changes)
    if errors:
        raise InvalidInput(errors)
    before = await load_portal_settings(session, settings)
    old = asdict(before)
    now = session_now(session)
    changed: dict[str, list[Any]] = {}
    for name, value in changes.items():
        stored_value = (
            list(value)
            if isinstance(value, list | tuple)
            else str(value)
            if isinstance(value, StrEnum)
            else value
        )
        row = await session.get(PortalSetting, name)
        if row is None:
            session.add(
                PortalSetting(key=name, value=stored_value, updated_at=now, updated_by=actor)
            )
        else:
            row.value = stored_value
            row.updated_at = now
            row.updated_by = actor
        old_value = old[name]
        if isinstance(old_value, tuple):
            old_value = list(old_value)
        if old_value != stored_value:
            changed[name] = [old_value, stored_value]
    await session.flush()
    return await load_portal_settings(session, settings), changed
