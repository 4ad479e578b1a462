"""Opaque bearer tokens (sessions, import tokens): random, shown to the client once, stored only
as a SHA-256 hash. Links in emails carry signed tokens instead (:mod:`identity.signed_tokens`):
those hold their own claims and expiry, these are only looked up."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32


def new_opaque_token(prefix: str) -> tuple[str, str]:
    """A fresh ``(token, token_hash)`` pair; the prefix tells token kinds apart in logs and
    secret scanners (``pst`` staff session, ``pcs`` customer session, ...)."""
    token = f"{prefix}_{secrets.token_urlsafe(TOKEN_BYTES)}"
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The stored form of a token. SHA-256 is enough: the token has 256 random bits, so there is
    nothing to brute-force, and lookups stay an index hit."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
