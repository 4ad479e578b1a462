"""Session cookies (HttpOnly, SameSite=Lax, Secure in production) and the headers of answers
that redeem a one-time link."""

from __future__ import annotations

from datetime import timedelta

from schema.common.context import RequestContext


def set_session_cookie(
    ctx: RequestContext, name: str, token: str, lifetime: timedelta, path: str
) -> None:
    ctx.response.set_cookie(
        name,
        token,
        max_age=int(lifetime.total_seconds()),
        path=path,
        httponly=True,
        secure=ctx.settings.secure_cookies,
        samesite="lax",
    )


def clear_session_cookie(ctx: RequestContext, name: str, path: str) -> None:
    ctx.response.delete_cookie(
        name, path=path, httponly=True, secure=ctx.settings.secure_cookies, samesite="lax"
    )


def no_store(ctx: RequestContext) -> None:
    """A one-time link's redemption must not stay in caches or leak through the Referer."""
    ctx.response.headers["Cache-Control"] = "no-store"
    ctx.response.headers["Referrer-Policy"] = "no-referrer"
