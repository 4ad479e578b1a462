"""The built-in pages over HTTP: one page per emailed path, security headers, GraphiQL from
vendored files, the switch that turns the pages off, and the files behind them (vendored
versions, catalogues that translate every error code). What the pages do in a browser is in
tests/browser."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from identity.frontend_links import (
    ACTIVATION_PATH,
    EMAIL_CHANGE_PATH,
    LOGIN_PATH,
    PASSWORD_RESET_PATH,
)
from identity.impersonation import SUPPORT_LOGIN_PATH
from identity.invitations import SETUP_PATH
from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from portal.config import Settings
from portal.frontend import CUSTOMER_PAGES, FRONTEND_DIR
from portal.services.contacts.consent import NEWSLETTER_CONFIRM_PATH

ROOT = Path(__file__).resolve().parents[2]
EMAILED_PATHS = (
    ACTIVATION_PATH,
    PASSWORD_RESET_PATH,
    EMAIL_CHANGE_PATH,
    LOGIN_PATH,
    SETUP_PATH,
    NEWSLETTER_CONFIRM_PATH,
    SUPPORT_LOGIN_PATH,
)
HTML_SINKS = re.compile(
    r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"
)


async def _client(runtime: Runtime) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(runtime=runtime)), base_url="http://testserver"
    )


@pytest.fixture
async def development(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An app in development mode (GraphiQL on)."""
    runtime = Runtime.build(settings.with_changes(env="development"))
    try:
        async with await _client(runtime) as http:
            yield http
    finally:
        await runtime.close()


def directives(policy: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


async def test_every_emailed_path_serves_a_customer_page(client: httpx.AsyncClient) -> None:
    assert set(EMAILED_PATHS) <= set(CUSTOMER_PAGES)
    for path in (*EMAILED_PATHS, "/", "/register", "/account"):
        page = await client.get(path, params={"token": "abc"})
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
        module = re.search(r'<script type="module" src="([^"]+)"></script>', page.text)
        assert module is not None, path
        script = await client.get(module.group(1))
        assert script.status_code == 200, module.group(1)
        assert "javascript" in script.headers["content-type"]
        assert script.headers["cache-control"] == "no-cache"


async def test_pages_carry_a_strict_content_security_policy_and_companions(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/login")
    policy = directives(page.headers["content-security-policy"])
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["require-trusted-types-for"] == "'script'"
    assert "unsafe" not in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"  # page URLs carry tokens
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["cross-origin-opener-policy"] == "same-origin"
    # The suite's public URL is https: browsers are told to stay there.
    assert page.headers["strict-transport-security"].startswith("max-age=")

    api = await client.post("/graphql", json={"query": "{ portalInfo { name } }"})
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert api.headers["x-content-type-options"] == "nosniff"


async def test_only_the_asset_folders_are_served(client: httpx.AsyncClient) -> None:
    for path in (
        "/assets/__init__.py",
        "/assets/headers.py",
        "/assets/shared/../__init__.py",
        "/assets/shared/%2e%2e/__init__.py",
        "/assets/vendor/VERSIONS",  # GraphiQL's files are not served outside development
        "/assets/vendor/react@18.2.0/umd/react.production.min.js",
    ):
        assert (await client.get(path)).status_code == 404, path
    # The console's one vendored module (the enrolment's QR code) is, cached for good.
    encoder = await client.get("/assets/vendor/qrcode-generator@2.0.4/dist/qrcode.mjs")
    assert encoder.status_code == 200
    assert encoder.headers["content-type"].startswith("text/javascript")
    assert encoder.headers["cache-control"].endswith("immutable")
    styles = await client.get("/assets/shared/styles.css")
    assert styles.status_code == 200
    assert styles.headers["content-type"].startswith("text/css")


async def test_graphiql_is_served_from_vendored_files_only(development: httpx.AsyncClient) -> None:
    for path in ("/graphql", "/admin/graphql"):
        page = await development.get(path, headers={"accept": "text/html"})
        assert page.status_code == 200
        assert "unpkg" not in page.text and "cdn" not in page.text.lower()
        assert "<style" not in page.text
        assert re.search(r"<script(?![^>]*\bsrc=)", page.text) is None  # no inline script
        policy = directives(page.headers["content-security-policy"])
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert "unsafe" not in page.headers["content-security-policy"]
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert len(assets) == 8
        for asset in assets:
            assert asset.startswith("/assets/"), asset
            fetched = await development.get(asset)
            assert fetched.status_code == 200, asset
        vendored = next(a for a in assets if "/vendor/graphiql@" in a and a.endswith(".js"))
        assert (await development.get(vendored)).headers["cache-control"].endswith("immutable")


async def test_the_customer_pages_can_be_turned_off(settings: Settings) -> None:
    # The shared assets stay while the support console is on (tests/portal/test_console_frontend.py).
    runtime = Runtime.build(settings.with_changes(customer_pages=False, staff_console=False))
    try:
        async with await _client(runtime) as http:
            for path in (*EMAILED_PATHS, "/", "/assets/customer/app.js", "/assets/shared/dom.js"):
                assert (await http.get(path)).status_code == 404, path
            answer = await http.post("/graphql", json={"query": "{ portalInfo { name } }"})
            assert answer.json() == {"data": {"portalInfo": {"name": "Customer Portal"}}}
    finally:
        await runtime.close()


def test_settings_read_the_switch_from_the_environment() -> None:
    assert Settings.from_env({}, env_file=None).customer_pages is True
    assert (
        Settings.from_env({"PORTAL_CUSTOMER_PAGES": "false"}, env_file=None).customer_pages is False
    )


def _versions() -> dict[str, str]:
    """``{path: sha256}`` of every file VERSIONS lists."""
    text = (FRONTEND_DIR / "vendor" / "VERSIONS").read_text(encoding="utf-8")
    return dict(re.findall(r"^  (\S+)  sha256:([0-9a-f]{64})$", text, flags=re.MULTILINE))


def test_vendored_files_are_exactly_the_published_ones_with_their_licences() -> None:
    vendor = FRONTEND_DIR / "vendor"
    listed = _versions()
    assert len(listed) == 7
    for path, digest in listed.items():
        assert hashlib.sha256((vendor / path).read_bytes()).hexdigest() == digest, path
    present = {
        p.relative_to(vendor).as_posix()
        for p in vendor.rglob("*")
        if p.is_file() and p.name != "VERSIONS" and not p.name.startswith("LICENSE")
    }
    assert present == set(listed)
    for package_folder in {
        path.split("/")[0] if not path.startswith("@") else "/".join(path.split("/")[:2])
        for path in listed
    }:
        assert (vendor / package_folder / "LICENSE").is_file(), package_folder


def _catalogue(folder: str, language: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (FRONTEND_DIR / folder / "i18n" / f"{language}.json").read_text(encoding="utf-8")
    )
    return data


def _customer_texts(language: str) -> dict[str, Any]:
    return {**_catalogue("shared", language), **_catalogue("customer", language)}


def test_catalogues_have_the_same_keys_and_german_has_sie_and_du() -> None:
    for folder in ("shared", "customer"):
        english, german = _catalogue(folder, "en"), _catalogue(folder, "de")
        assert set(english) == set(german), folder
        assert all(isinstance(text, str) and text for text in english.values())
        for key, text in german.items():
            if isinstance(text, dict):
                assert set(text) == {"formal", "informal"} and all(text.values()), key
            else:
                assert isinstance(text, str) and text, key


def test_every_error_code_of_the_customer_api_has_a_message_in_both_languages() -> None:
    sdl = (ROOT / "schema" / "portal.graphql").read_text(encoding="utf-8")
    codes = {
        code
        for body in re.findall(r"enum \w+ErrorCode \{([^}]*)\}", sdl)
        for code in re.findall(r"^\s+([A-Z_]+)\s*$", body, flags=re.MULTILINE)
    }
    # Top-level codes the customer API answers with (permission classes, CSRF, production).
    codes |= {"UNAUTHENTICATED", "FORBIDDEN", "FORBIDDEN_WHILE_IMPERSONATING", "IMPERSONATION_READ_ONLY",
              "CSRF_REFUSED", "INTERNAL_SERVER_ERROR", "BAD_USER_INPUT", "TOO_MANY_REQUESTS",
              "SERVICE_UNAVAILABLE", "PAYLOAD_TOO_LARGE"}  # fmt: skip
    assert len(codes) >= 60
    for language in ("en", "de"):
        texts = _customer_texts(language)
        missing = sorted(code for code in codes if f"error.{code}" not in texts)
        assert missing == [], (language, missing)


def test_every_text_the_pages_name_exists() -> None:
    scripts = [
        p for folder in ("shared", "customer") for p in (FRONTEND_DIR / folder).rglob("*.js")
    ]
    keys = {
        key
        for path in scripts
        for key in re.findall(r'\.t\("([\w.-]+)"', path.read_text(encoding="utf-8"))
    }
    assert len(keys) > 100
    for language in ("en", "de"):
        texts = _customer_texts(language)
        assert sorted(key for key in keys if key not in texts) == [], language


def test_the_pages_never_parse_markup() -> None:
    """The CSP's Trusted Types would make such a sink throw; this finds it before a browser."""
    for folder in ("shared", "customer", "graphiql"):
        for path in (FRONTEND_DIR / folder).rglob("*.js"):
            code = re.sub(r"^\s*//.*$", "", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
            assert HTML_SINKS.search(code) is None, path


def test_no_frontend_file_is_ignored_by_git_so_the_wheel_ships_them_all() -> None:
    """hatch builds the wheel from what git does not ignore (a top-level ``dist/`` rule once
    hid the explorer plugin's ``dist/`` folder)."""
    files = [
        p.relative_to(ROOT).as_posix()
        for p in FRONTEND_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    git = shutil.which("git")
    assert git is not None
    ignored = subprocess.run(  # noqa: S603  (git, with our own file names)
        [git, "check-ignore", "--no-index", "--stdin"], cwd=ROOT, input="\n".join(files),
        capture_output=True, text=True, check=False,
    ).stdout.split()  # fmt: skip
    assert ignored == []
