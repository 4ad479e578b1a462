"""Links to the portal frontend in emails: always built from the configured public URL, never
from a request's Host or X-Forwarded-Host header (that would let an attacker point a password
reset link at their own server)."""

from __future__ import annotations

from urllib.parse import urlencode

from portal.config import Settings

ACTIVATION_PATH = "/activate"
PASSWORD_RESET_PATH = "/password/reset"
EMAIL_CHANGE_PATH = "/email/confirm"
LOGIN_PATH = "/login"


def frontend_link(settings: Settings, path: str, **query: str) -> str:
    """``<public url><path>?<query>``."""
    url = settings.public_url.rstrip("/") + path
    return f"{url}?{urlencode(query)}" if query else url
