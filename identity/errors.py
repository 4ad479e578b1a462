"""Error codes of the identity domain (stable; frontends translate by code)."""

from __future__ import annotations

from enum import StrEnum


class StaffAuthErrorCode(StrEnum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_EMAIL = "INVALID_EMAIL"
    PASSWORD_TOO_SHORT = "PASSWORD_TOO_SHORT"
    PASSWORD_TOO_LONG = "PASSWORD_TOO_LONG"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    INVALID_ROLE = "INVALID_ROLE"
