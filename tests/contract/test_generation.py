"""Generation itself is the first contract check: an operation the frontend teams rely on that
the SDL no longer serves makes ariadne-codegen refuse, and the suite fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contract.conftest import ROOT, codegen_executable, generate


def test_an_sdl_without_a_field_the_operations_read_fails_generation(tmp_path: Path) -> None:
    executable = codegen_executable()
    committed = (ROOT / "schema" / "portal.graphql").read_text(encoding="utf-8")
    assert "  formality: FormOfAddress!\n" in committed
    broken = tmp_path / "portal.graphql"
    broken.write_text(committed.replace("  formality: FormOfAddress!\n", ""), encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match="could not generate the portal client"):
        generate(executable, "portal", tmp_path, sdl=broken)
