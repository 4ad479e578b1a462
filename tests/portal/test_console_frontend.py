"""The support console's pages over HTTP: one page per console path and the staff setup path
staff invitations link to, the switch that turns them off, and the files behind them
(catalogues in both languages that name every text the pages use and translate every error
code of the staff API the console's screens meet). What the pages do in a browser is in
tests/browser/test_console_journeys.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from identity.staff_invitations import SETUP_PATH
from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from portal.config import Settings
from portal.frontend import CONSOLE_PAGES, FRONTEND_DIR

CONSOLE = FRONTEND_DIR / "console"
HTML_SINKS = re.compile(
    r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"
)


def _catalogues(language: str) -> dict[str, Any]:
    """Every console text of ``language``: shared, console and each area catalogue."""
    texts: dict[str, Any] = json.loads(
        (FRONTEND_DIR / "shared" / "i18n" / f"{language}.json").read_text(encoding="utf-8")
    )
    for path in sorted((CONSOLE / "i18n").rglob(f"{language}.json")):
        texts.update(json.loads(path.read_text(encoding="utf-8")))
    return texts


async def test_every_console_path_serves_a_page_whose_module_exists(
    client: httpx.AsyncClient,
) -> None:
    assert CONSOLE_PAGES[SETUP_PATH] == "staff-setup"
    assert CONSOLE_PAGES["/console"] == "contacts"
    for path, module in CONSOLE_PAGES.items():
        page = await client.get(path, params={"token": "abc"})
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-store"
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe" not in policy
        assert "require-trusted-types-for 'script'" in policy
        src = re.search(r'<script type="module" src="([^"]+)"></script>', page.text)
        assert src is not None and src.group(1) == f"/assets/console/pages/{module}.js", path
        script = await client.get(src.group(1))
        assert script.status_code == 200, src.group(1)
        assert "javascript" in script.headers["content-type"]


async def test_the_console_can_be_turned_off_and_the_customer_pages_stay(
    settings: Settings,
) -> None:
    runtime = Runtime.build(settings.with_changes(staff_console=False))
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for path in (*CONSOLE_PAGES, "/assets/console/app.js"):
                assert (await http.get(path)).status_code == 404, path
            assert (await http.get("/login")).status_code == 200
            assert (await http.get("/assets/shared/dom.js")).status_code == 200
    finally:
        await runtime.close()


def test_settings_read_the_console_switch_from_the_environment() -> None:
    assert Settings.from_env({}, env_file=None).staff_console is True
    off = Settings.from_env({"PORTAL_STAFF_CONSOLE": "false"}, env_file=None)
    assert off.staff_console is False


def test_console_catalogues_have_the_same_keys_and_german_has_sie_and_du() -> None:
    folders = [CONSOLE / "i18n", *(p for p in (CONSOLE / "i18n").iterdir() if p.is_dir())]
    for folder in folders:
        english = json.loads((folder / "en.json").read_text(encoding="utf-8"))
        german = json.loads((folder / "de.json").read_text(encoding="utf-8"))
        assert set(english) == set(german), folder
        assert all(isinstance(text, str) and text for text in english.values()), folder
        for key, text in german.items():
            if isinstance(text, dict):
                assert set(text) == {"formal", "informal"} and all(text.values()), key
            else:
                assert isinstance(text, str) and text, key


def test_every_text_the_console_names_exists_in_both_languages() -> None:
    scripts = [*CONSOLE.rglob("*.js"), *(FRONTEND_DIR / "shared").glob("*.js")]
    keys = {
        key
        for path in scripts
        for key in re.findall(r'\.t\("([\w.-]+)"', path.read_text(encoding="utf-8"))
    }
    assert len(keys) > 100
    for language in ("en", "de"):
        texts = _catalogues(language)
        assert sorted(key for key in keys if key not in texts) == [], language


def _codes(sdl: str, *enums: str) -> set[str]:
    return {
        code
        for enum in enums
        for body in re.findall(rf"enum {enum} \{{([^}}]*)\}}", sdl)
        for code in re.findall(r"^\s+([A-Z_]+)\s*$", body, flags=re.MULTILINE)
    }


def test_every_error_code_the_console_screens_meet_has_a_text_in_both_languages() -> None:
    sdl = (Path(__file__).resolve().parents[2] / "schema" / "admin.graphql").read_text("utf-8")
    codes = _codes(
        sdl,
        "StaffAuthErrorCode",
        "SecondFactorErrorCode",
        "StaffAdminErrorCode",
        "ContactErrorCode",
    )
    codes |= {"UNAUTHENTICATED", "FORBIDDEN", "SECOND_FACTOR_ENROLMENT_REQUIRED", "NETWORK_ERROR"}
    assert len(codes) >= 50
    for language in ("en", "de"):
        texts = _catalogues(language)
        assert sorted(code for code in codes if f"error.{code}" not in texts) == [], language


def test_the_console_never_parses_markup() -> None:
    """The CSP's Trusted Types would make such a sink throw; this finds it before a browser."""
    for path in CONSOLE.rglob("*.js"):
        code = re.sub(r"^\s*//.*$", "", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
        assert HTML_SINKS.search(code) is None, path
