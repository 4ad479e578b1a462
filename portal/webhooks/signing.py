"""Signing secrets and signatures per the Standard Webhooks specification.

Each endpoint has a secret ``whsec_<base64 of 32 random bytes>``, shown to staff once (at
creation and at each rotation) and stored sealed: encrypted with a key derived from
``PORTAL_SECRET_KEY`` (see :func:`portal.email.sealing.fernet_for`), so a copy of the database
alone does not let anyone sign as portal. A request carries ``webhook-id`` (the event's id, the
same on every retry: receivers deduplicate by it), ``webhook-timestamp`` (Unix seconds) and
``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``, computed by the
``standardwebhooks`` library. While a rotated-out secret is still in its overlap period the
header holds both signatures, space separated, so a receiver may switch secrets at any moment
of it.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime

from cryptography.fernet import InvalidToken
from standardwebhooks.webhooks import Webhook

from portal.config import Settings
from portal.email.sealing import fernet_for

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
_KEY_PURPOSE = b"portal.webhook-secrets.v1"


class SecretUnavailable(Exception):
    """A stored secret was sealed with a key no longer configured."""


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_hint(secret: str) -> str:
    """What staff see to recognise a secret later: its first characters."""
    return secret[: len(SECRET_PREFIX) + 4] + "…"


class SecretSealer:
    """Seals and opens signing secrets with keys derived from the secret keys."""

    def __init__(self, secret_keys: Sequence[str]) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is needed to seal webhook secrets")
        self._fernet = fernet_for(tuple(secret_keys), _KEY_PURPOSE)

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretSealer:
        return cls([key.reveal() for key in settings.secret_keys])

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SecretUnavailable("sealed with a secret key no longer configured") from None


def signature_header(secrets_: Sequence[str], message_id: str, at: datetime, body: str) -> str:
    """``webhook-signature``: one ``v1,<signature>`` per secret, space separated."""
    return " ".join(Webhook(secret).sign(message_id, at, body) for secret in secrets_)


def signed_headers(
    secrets_: Sequence[str], message_id: str, at: datetime, body: str
) -> dict[str, str]:
    """The headers of one delivery of ``body``."""
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature_header(secrets_, message_id, at, body),
    }
