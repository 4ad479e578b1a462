"""What a new password must satisfy. Checked before hashing, so an oversized password costs
nothing; any Unicode is allowed and nothing is silently truncated or normalised away."""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib.resources import files

from identity.passwords import MAX_PASSWORD_LENGTH, PasswordHasher
from portal.errors import FieldError, InvalidInput

MIN_PASSWORD_LENGTH = 10


class PasswordErrorCode:
    TOO_SHORT = "PASSWORD_TOO_SHORT"
    TOO_LONG = "PASSWORD_TOO_LONG"
    TOO_COMMON = "PASSWORD_TOO_COMMON"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    text = files("identity").joinpath("data/common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def password_length(password: str) -> int:
    """Length in user-perceived characters (NFC), so "é" typed either way counts once."""
    return len(unicodedata.normalize("NFC", password))


def check_new_password(
    password: str, field: str = "password", *, email: str | None = None
) -> list[FieldError]:
    """Problems with ``password`` as a new password; empty when it is acceptable."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return [
            FieldError(
                PasswordErrorCode.TOO_LONG, field, f"At most {MAX_PASSWORD_LENGTH} characters."
            )
        ]
    if password_length(password) < MIN_PASSWORD_LENGTH:
        return [
            FieldError(
                PasswordErrorCode.TOO_SHORT, field, f"At least {MIN_PASSWORD_LENGTH} characters."
            )
        ]
    folded = password.strip().lower()
    if folded in common_passwords() or (email and folded == email.strip().lower()):
        return [
            FieldError(
                PasswordErrorCode.TOO_COMMON,
                field,
                "This password is too common or too easy to guess.",
            )
        ]
    return []


def require_new_password(password: str, field: str, *, email: str) -> None:
    """Raise :class:`InvalidInput` with the problems of ``password`` as the new password of
    the account of ``email`` (on ``field``); nothing when it is acceptable."""
    if errors := check_new_password(password, field, email=email):
        raise InvalidInput(errors)


async def hash_new_password(
    hasher: PasswordHasher, password: str, field: str, *, email: str
) -> str:
    """The hash of ``password`` as the new password of the account of ``email``, once it passes
    :func:`require_new_password`; hashed in the bounded queue (``hasher.admitted()``)."""
    require_new_password(password, field, email=email)
    async with hasher.admitted():
        return await hasher.hash(password)
