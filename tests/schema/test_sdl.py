"""The committed SDL files are the frontend teams' contract: they must match the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from schema.sdl import render_sdl_files

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"


@pytest.mark.parametrize("name", ["portal.graphql", "admin.graphql"])
def test_committed_sdl_matches_the_code(name: str) -> None:
    committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert committed == render_sdl_files()[name], (
        f"schema/{name} is stale: run `portal schema export` and commit the result"
    )


def test_customer_api_exposes_no_staff_field() -> None:
    files = render_sdl_files()
    for field in ("staffLogIn", "createContact", "contacts(", " me:"):
        assert field in files["admin.graphql"]
        assert field not in files["portal.graphql"]


@pytest.mark.parametrize("module", ["schema.portal.schema", "schema.admin.schema"])
def test_each_schema_builds_on_its_own(module: str) -> None:
    """Import order must not matter: each API's schema builds in a fresh interpreter."""
    import subprocess
    import sys

    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
