"""Download links for exports: a signed token that names only the export job, valid 10
minutes. Whoever holds the link may download once it is issued (no cookie needed), so it
is short-lived and never logged by the server's access log beyond its path."""

from __future__ import annotations

import uuid
from datetime import timedelta

from identity.signed_tokens import SignedTokens, TokenPurpose

DOWNLOAD_LIFETIME = timedelta(minutes=10)
DOWNLOAD_PATH = "/admin/exports/download"


def download_link(tokens: SignedTokens, job_id: uuid.UUID) -> str:
    """The path (on the staff API's host) that streams export ``job_id``."""
    token, _ = tokens.issue(TokenPurpose.DOWNLOAD, job_id)
    return f"{DOWNLOAD_PATH}?token={token}"


def job_of_download_token(tokens: SignedTokens, token: str) -> uuid.UUID:
    """The export job a download token names; raises ``TokenInvalid`` when it is forged, of
    another purpose or older than 10 minutes."""
    return tokens.read(token, TokenPurpose.DOWNLOAD, DOWNLOAD_LIFETIME).subject
