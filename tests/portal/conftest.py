"""Fixtures of the CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh working folder for ``portal ...``: the embedded default database under it, no
    settings from the machine's environment, cheap argon2."""
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "PORTAL_DATABASE_URL", "PORTAL_ENV", "PORTAL_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PORTAL_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("PORTAL_ARGON2_MEMORY_KIB", "8")
    return tmp_path
