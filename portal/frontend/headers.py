"""Security headers on every response: a strict Content-Security-Policy and its companions.

Pages allow their own origin only: no inline script or style, no ``eval``, no plugins, no
framing, forms and requests to this origin only. The customer pages also require Trusted
Types, so a DOM sink such as ``innerHTML`` throws instead of parsing markup (the pages build
the DOM node by node). Everything that is not a page (JSON, assets) gets ``default-src 'none'``.
A header a route set itself (GraphiQL's policy, a download's Referrer-Policy) is kept.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    )
)
# GraphiQL (React and CodeMirror) writes markup through innerHTML and embeds its fonts and
# icons as data: URLs; still no inline script or style and nothing from another origin.
GRAPHIQL_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
NON_PAGE_POLICY = "default-src 'none'; frame-ancestors 'none'"

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Page URLs carry one-time tokens (?token=...): never hand them to another site.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
PAGE_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response, and HSTS when served over https."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                is_page = headers.get("content-type", "").startswith("text/html")
                headers.setdefault(
                    "Content-Security-Policy", PAGE_POLICY if is_page else NON_PAGE_POLICY
                )
                for name, value in COMMON_HEADERS.items():
                    headers.setdefault(name, value)
                if is_page:
                    for name, value in PAGE_HEADERS.items():
                        headers.setdefault(name, value)
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
