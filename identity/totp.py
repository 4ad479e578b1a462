"""Time-based one-time passwords (RFC 6238) with pyotp: 6 digits, 30-second steps, SHA-1 (what
every authenticator app reads from an ``otpauth://`` URI), one step of clock drift either way.

A code is accepted once: the caller stores the step of the last accepted code, and a code of
that step or an older one is refused (:func:`accepted_step`), so a code seen over a shoulder or
replayed within its window does not work again. Secrets are stored sealed with Fernet under a
key derived (HKDF-SHA256) from each ``PORTAL_SECRET_KEY``, so a database dump alone does not
yield codes; the newest key seals, every configured key opens.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

import pyotp
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

DIGITS = 6
STEP_SECONDS = 30
# Steps either side of now that are accepted (phone clocks drift; RFC 6238 section 5.2).
DRIFT_STEPS = 1
_KEY_PURPOSE = b"portal.staff-totp-secrets.v1"


def new_secret() -> str:
    """A random base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app scans (as a QR code) or imports."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer
    )


def normalize_code(code: str) -> str:
    """A code as typed, without spaces and dashes ("123 456" is 123456)."""
    return "".join(ch for ch in code if ch not in " -\t")


def looks_like_totp(code: str) -> bool:
    normalized = normalize_code(code)
    return len(normalized) == DIGITS and normalized.isascii() and normalized.isdigit()


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to, when it is valid at ``now`` and newer than
    ``last_step``; None otherwise. Every candidate step is compared in constant time."""
    if not looks_like_totp(code):
        return None
    code = normalize_code(code)
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = totp.timecode(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        matches = hmac.compare_digest(totp.generate_otp(step), code)
        if matches and (last_step is None or step > last_step) and found is None:
            found = step
    return found


def code_at(secret: str, when: datetime) -> str:
    """The code an authenticator app shows at ``when`` (tests and the demo use it)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).at(when)


@lru_cache(maxsize=8)
def _fernet(secret_keys: tuple[str, ...]) -> MultiFernet:
    def derived(secret: str) -> Fernet:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE).derive(
            secret.encode()
        )
        return Fernet(base64.urlsafe_b64encode(key))

    return MultiFernet([derived(secret) for secret in secret_keys])


def seal_secret(secret: str, secret_keys: Sequence[str]) -> str:
    """``secret`` encrypted for storage."""
    return _fernet(tuple(secret_keys)).encrypt(secret.encode()).decode("ascii")


def open_secret(sealed: str, secret_keys: Sequence[str]) -> str | None:
    """The secret of a sealed value; None when no configured key opens it (keys rotated away:
    the member's second factor must be reset by an admin)."""
    try:
        return _fernet(tuple(secret_keys)).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None
