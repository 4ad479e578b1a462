"""Links in outbox messages, unusable at rest: a database dump must not reveal a working link.

A message whose template has a link (an invitation's setup link, a password reset, an
activation) stores that link encrypted with Fernet (AES-128-CBC, then HMAC-SHA256 over the
ciphertext) under a key derived with HKDF-SHA256 from each configured secret key
(``PORTAL_SECRET_KEY``): the newest key encrypts, every configured key decrypts, so rotating
the keys keeps queued messages deliverable until the old key is removed. The delivery worker
opens the link only to render the message and, once it is sent, replaces it with a marker:
a sent message keeps no link at all, sealed or not.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from portal.clock import Clock, system_clock
from portal.config import Settings
from portal.email.catalog import MESSAGES

LINK_SEALER = "link_sealer"  # the session ``info`` key of the application's LinkSealer
SEALED = "sealed"
REMOVED = "removed"
# What a sent message keeps where its link was: the outbox shows that there was one.
REMOVED_MARKER: dict[str, str] = {REMOVED: "after delivery"}
_KEY_PURPOSE = b"portal.outbox-links.v1"


class LinkUnavailable(Exception):
    """The link cannot be opened: removed after delivery, or sealed with a key since removed."""


def link_keys(template: str) -> tuple[str, ...]:
    """The context keys of ``template`` that hold a link (its button's target)."""
    spec = MESSAGES.get(template)
    return (spec.action_key,) if spec is not None and spec.action_key else ()


def links_removed(template: str, context: Mapping[str, Any]) -> bool:
    """Whether a link of this message was removed after it was sent."""
    return any(
        isinstance(context.get(key), Mapping) and REMOVED in context[key]
        for key in link_keys(template)
    )


def remove_links(template: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """``context`` with every link replaced by :data:`REMOVED_MARKER` (sealed or plain)."""
    return {
        key: dict(REMOVED_MARKER) if key in link_keys(template) else value
        for key, value in context.items()
    }


@lru_cache(maxsize=8)
def fernet_for(secret_keys: tuple[str, ...], purpose: bytes) -> MultiFernet:
    """Fernet keys derived (HKDF-SHA256, ``purpose`` as info) from each secret key, newest
    first: the first encrypts, any decrypts. Each purpose gets keys of its own, so a value
    sealed for one use cannot be opened as another's."""

    def derived(secret: str) -> Fernet:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
            secret.encode()
        )
        return Fernet(base64.urlsafe_b64encode(key))

    return MultiFernet([derived(secret) for secret in secret_keys])


class LinkSealer:
    """Seals and opens the links of outbox messages with keys derived from the secret keys
    (listed newest first, like ``PORTAL_SECRET_KEY``)."""

    def __init__(self, secret_keys: Sequence[str], clock: Clock = system_clock) -> None:
        if not secret_keys:
            raise ValueError("at least one secret key is needed to seal links")
        self._fernet = fernet_for(tuple(secret_keys), _KEY_PURPOSE)
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkSealer:
        return cls([key.reveal() for key in settings.secret_keys], settings.clock)

    def seal(self, link: str) -> dict[str, str]:
        token = self._fernet.encrypt_at_time(link.encode(), int(self._clock().timestamp()))
        return {SEALED: token.decode("ascii")}

    def open(self, value: object) -> str:
        """The link of a sealed value; a plain string (queued before sealing) as it is."""
        if isinstance(value, str):
            return value
        sealed = value.get(SEALED) if isinstance(value, Mapping) else None
        if not isinstance(sealed, str):
            raise LinkUnavailable("the link was removed after the message was sent")
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise LinkUnavailable("the link was sealed with a key no longer configured") from None

    def seal_links(self, template: str, context: Mapping[str, Any]) -> dict[str, Any]:
        """``context`` with the template's links sealed."""
        keys = link_keys(template)
        return {
            key: self.seal(value) if key in keys and isinstance(value, str) else value
            for key, value in context.items()
        }

    def open_links(self, template: str, context: Mapping[str, Any]) -> dict[str, Any]:
        """``context`` with the template's links opened, ready to render; raises
        :class:`LinkUnavailable` for a link that cannot be opened."""
        keys = link_keys(template)
        return {key: self.open(value) if key in keys else value for key, value in context.items()}
