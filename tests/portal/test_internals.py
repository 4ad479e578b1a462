"""The check that stops an import when a library's internals that a shortcut relies on change:
it names each change, and it runs when the two shortcut modules are imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portal import config, sqlite_driver
from portal.internals import IncompatibleInternals, Internal, require
from schema.common import execution

ROOT = Path(__file__).resolve().parents[2]


class Library:
    """Stands for a library class as a shortcut found it."""

    def method(self, first: int, second: int) -> None:
        """A private method a shortcut overrides."""


def test_unchanged_internals_pass() -> None:
    require("shortcut", ["pytest"], [Internal(Library, "method", ("first", "second"))])


def test_each_change_is_named_with_the_installed_version() -> None:
    with pytest.raises(IncompatibleInternals) as info:
        require(
            "shortcut",
            ["pytest", "no-such-distribution"],
            [
                Internal(Library, "method", ("first",)),
                Internal(Library, "renamed"),
                Internal(Library, "method", ("first", "second")),
            ],
        )
    message = str(info.value)
    assert "shortcut relies on internals that changed in pytest " in message
    assert "no-such-distribution (not installed)" in message
    assert "Library.method takes (first, second), not (first)" in message
    assert "Library.renamed is gone" in message
    assert message.count("\n  - ") == 2


@pytest.mark.parametrize("module", [execution, sqlite_driver, config])
def test_the_shortcut_modules_check_what_they_rely_on(module: object) -> None:
    internals = module.INTERNALS  # type: ignore[attr-defined]
    assert internals
    require(module.__name__, [], internals)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("change", "module", "named"),
    [
        (
            "import strawberry.schema.schema as s\n"
            "s.StrawberryGraphQLCoreExecutionContext.execute_field = lambda self, field: None",
            "schema.common.execution",
            "execute_field takes (field), not (parent_type, source, field_details_list",
        ),
        (
            "import aiosqlite\ndel aiosqlite.Connection._execute",
            "portal.sqlite_driver",
            "Connection._execute is gone",
        ),
    ],
)
def test_an_upgrade_that_changes_them_fails_the_import(
    change: str, module: str, named: str
) -> None:
    """As an upgrade would: the library changes before the shortcut module is imported."""
    result = subprocess.run(  # noqa: S603  (our own interpreter and code)
        [sys.executable, "-c", f"{change}\nimport {module}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "portal.internals.IncompatibleInternals" in result.stderr
    assert named in result.stderr, result.stderr
