"""Signed, expiring, single-use tokens for links in emails and one-time logins (itsdangerous).

- One salt per purpose: an activation token is refused where a reset token is expected.
- Key rotation: the newest secret signs, every configured secret verifies.
- Expiry by the injected clock; a timestamp from the future is refused too.
- The payload holds opaque ids only (subject uuid, token id), never personal data.
- Single use is enforced in the database (:func:`redeem_once`), not by the signature.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import Clock
from portal.models import UsedToken
from portal.models.base import session_now

MAX_TOKEN_LENGTH = 1000


class TokenPurpose(StrEnum):
    ACTIVATION = "activation"
    PASSWORD_RESET = "password-reset"
    EMAIL_CHANGE = "email-change"
    MATCHING_FLOW = "matching-flow"
    IMPERSONATION = "impersonation"
    DOWNLOAD = "download"


class TokenInvalid(Exception):
    """Malformed, tampered with, signed by an unknown key, or meant for another purpose."""


class TokenExpired(TokenInvalid):
    """Older than its lifetime, or dated in the future."""


class TokenAlreadyUsed(TokenInvalid):
    """Redeemed before."""


@dataclass(frozen=True)
class TokenClaims:
    purpose: TokenPurpose
    subject: uuid.UUID
    jti: str
    issued_at: datetime
    extra: dict[str, Any] = field(default_factory=dict)


class SignedTokens:
    """Issues and reads tokens for every purpose with one set of keys and one clock."""

    def __init__(self, secret_keys: Sequence[str], clock: Clock) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is needed to sign tokens")
        # itsdangerous signs with the last key and verifies with all; settings list newest first.
        self._keys = list(reversed(secret_keys))
        self._clock = clock

        class ClockedSigner(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock().timestamp())

        self._signer = ClockedSigner

    def _serializer(self, purpose: TokenPurpose) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            self._keys, salt=f"portal.{purpose.value}", signer=self._signer
        )

    def issue(
        self, purpose: TokenPurpose, subject: uuid.UUID, **extra: str | int
    ) -> tuple[str, str]:
        """A new token for ``subject``; returns ``(token, jti)``. ``extra`` must hold opaque
        values only (ids, modes), never personal data."""
        jti = secrets.token_hex(16)
        payload: dict[str, Any] = {"sub": subject.hex, "jti": jti}
        if extra:
            payload["x"] = extra
        token = self._serializer(purpose).dumps(payload)
        return str(token), jti

    def read(self, token: str, purpose: TokenPurpose, max_age: timedelta) -> TokenClaims:
        """The claims of a valid token; raises :class:`TokenExpired` or :class:`TokenInvalid`."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise TokenInvalid("malformed token")
        try:
            payload, signed_at = self._serializer(purpose).loads(
                token, max_age=int(max_age.total_seconds()), return_timestamp=True
            )
        except SignatureExpired:
            raise TokenExpired("token expired") from None
        except BadSignature:
            raise TokenInvalid("bad signature") from None
        try:
            return TokenClaims(
                purpose=purpose,
                subject=uuid.UUID(hex=payload["sub"]),
                jti=str(payload["jti"]),
                issued_at=signed_at,
                extra=dict(payload.get("x", {})),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise TokenInvalid("malformed payload") from None


async def redeem_once(session: AsyncSession, claims: TokenClaims) -> None:
    """Mark the token spent; raises :class:`TokenAlreadyUsed` if it was spent before (also by a
    concurrent request: the primary key lets exactly one insert win)."""
    try:
        async with session.begin_nested():
            session.add(
                UsedToken(
                    jti=claims.jti, purpose=claims.purpose.value, used_at=session_now(session)
                )
            )
    except IntegrityError:
        raise TokenAlreadyUsed("token already used") from None
