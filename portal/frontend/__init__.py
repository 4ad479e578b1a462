"""The web pages portal serves itself: the customer portal at every path its emails link to,
the support console at ``/console``, and GraphiQL for both APIs.

Everything the browser runs is a static file in this package (``shared/``, ``customer/``,
``console/``, ``graphiql/``, ``vendor/``), plain ES modules with no build step; the pages call
the public APIs (customer pages ``/graphql``, the console ``/admin/graphql``) like any other
frontend would. This module only serves them: one HTML shell per
page path, the asset folders, and the security headers every response carries
(:mod:`portal.frontend.headers`).
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from portal.config import Settings

FRONTEND_DIR = Path(__file__).resolve().parent
ASSETS_PATH = "/assets"

# Page path -> its module in customer/pages/. The paths are the ones emails link to
# (identity.frontend_links, identity.invitations, identity.impersonation, the newsletter opt-in),
# checked by tests/portal/test_frontend.py.
CUSTOMER_PAGES: dict[str, str] = {
    "/": "home",
    "/login": "login",
    "/register": "register",
    "/activate": "activate",
    "/password/reset": "password-reset",
    "/setup": "setup",
    "/email/confirm": "email-confirm",
    "/newsletter/confirm": "newsletter-confirm",
    "/support-login": "support-login",
    "/account": "account",
}
# Page path -> its module in console/pages/. Ids travel in the query string (/console/contact?id=).
# /staff/setup is the path staff invitation mails link to (identity.staff_invitations).
CONSOLE_PAGES: dict[str, str] = {
    "/console": "contacts",
    "/console/login": "login",
    "/console/account": "account",
    "/console/contact": "contact",
    "/staff/setup": "staff-setup",
    # console-b's screens
    "/console/portal-users": "portal-users",
    "/console/support-sessions": "support-sessions",
    "/console/transfers": "transfers",
    "/console/duplicates": "duplicates",
    "/console/staff": "staff",
    "/console/settings": "settings",
}
# Asset folders each feature needs; nothing else in this package (Python files) is served.
CUSTOMER_ASSETS = ("shared", "customer")
CONSOLE_ASSETS = ("shared", "console")
GRAPHIQL_ASSETS = ("graphiql", "vendor")
# Vendored packages the console itself loads (the QR code of the two-factor enrolment); the rest
# of vendor/ (GraphiQL, React) is served only where GraphiQL is.
CONSOLE_VENDOR = ("qrcode-generator@2.0.4",)

PAGE_SHELL = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="{assets}/shared/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{assets}/shared/styles.css">
<script type="module" src="{assets}/{feature}/pages/{page}.js"></script>
</head>
<body>
<div id="app" data-portal-name="{title}">
<noscript><p>This page needs JavaScript. / Diese Seite braucht JavaScript.</p></noscript>
</div>
</body>
</html>
"""


def page_html(settings: Settings, page: str, feature: str = "customer") -> str:
    """The HTML shell of one page of ``feature`` (customer or console): the page's module
    draws everything else."""
    return PAGE_SHELL.format(
        lang=escape(settings.default_language),
        title=escape(settings.portal_name),
        assets=ASSETS_PATH,
        feature=escape(feature),
        page=escape(page),
    )


def _page_route(path: str, page: str, settings: Settings, feature: str = "customer") -> Route:
    body = page_html(settings, page, feature)

    async def serve_page(_request: Request) -> Response:
        # Links with tokens open these pages: never cache them (headers.py adds the rest).
        return HTMLResponse(body, headers={"Cache-Control": "no-store"})

    return Route(path, serve_page, methods=["GET", "HEAD"], name=f"page:{feature}:{page}")


class AssetFiles(StaticFiles):
    """Static files with a caching rule: vendored files have their version in the path and
    never change (cached for a year); our own files are revalidated on every load (ETag)."""

    def __init__(self, directory: Path, cache_control: str) -> None:
        super().__init__(directory=directory)
        self.cache_control = cache_control

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = self.cache_control
        return response


def _asset_mounts(folders: tuple[str, ...]) -> list[BaseRoute]:
    return [
        Mount(
            f"{ASSETS_PATH}/{folder}",
            app=AssetFiles(
                FRONTEND_DIR / folder,
                "public, max-age=31536000, immutable"
                if folder.split("/")[0] == "vendor"
                else "no-cache",
            ),
        )
        for folder in folders
    ]


def frontend_routes(settings: Settings) -> list[BaseRoute]:
    """The customer pages and their assets (unless ``PORTAL_CUSTOMER_PAGES=false``), the
    support console and its assets (unless ``PORTAL_STAFF_CONSOLE=false``) and the assets of
    GraphiQL (where GraphiQL is served)."""
    folders: list[str] = []
    routes: list[BaseRoute] = []
    if settings.customer_pages:
        routes += [_page_route(path, page, settings) for path, page in CUSTOMER_PAGES.items()]
        folders += CUSTOMER_ASSETS
    if settings.staff_console:
        routes += [
            _page_route(path, page, settings, "console") for path, page in CONSOLE_PAGES.items()
        ]
        folders += [folder for folder in CONSOLE_ASSETS if folder not in folders]
    if settings.graphiql_enabled:
        folders += GRAPHIQL_ASSETS
    elif settings.staff_console:
        folders += [f"vendor/{package}" for package in CONSOLE_VENDOR]
    return routes + _asset_mounts(tuple(folders))
