"""What a new password must satisfy. Checked before hashing, so an oversized password costs
nothing; any Unicode is allowed and nothing is silently truncated."""

from __future__ import annotations

import unicodedata

from identity.passwords import MAX_PASSWORD_LENGTH
from portal.errors import FieldError

MIN_PASSWORD_LENGTH = 10


def password_length(password: str) -> int:
    """Length in user-perceived characters (NFC), so "é" typed either way counts once."""
    return len(unicodedata.normalize("NFC", password))


def check_new_password(password: str, field: str = "password") -> list[FieldError]:
    """Problems with ``password`` as a new password; empty when it is acceptable."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return [
            FieldError("PASSWORD_TOO_LONG", field, f"At most {MAX_PASSWORD_LENGTH} characters.")
        ]
    if password_length(password) < MIN_PASSWORD_LENGTH:
        return [
            FieldError("PASSWORD_TOO_SHORT", field, f"At least {MIN_PASSWORD_LENGTH} characters.")
        ]
    return []
