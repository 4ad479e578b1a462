"""``python -m benchmarks``: help and the list run nothing, names choose benchmarks and
databases, and an unknown name is refused (before any benchmark starts)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import DATABASES
from benchmarks.__main__ import BENCHMARKS, choose, main

ROOT = Path(__file__).resolve().parent.parent


def test_every_benchmark_script_is_listed() -> None:
    scripts = {path.stem for path in (ROOT / "benchmarks").glob("*.py")}
    helpers = {"__init__", "__main__", "apps", "harness", "seed", "served"}
    assert set(BENCHMARKS) == scripts - helpers


@pytest.mark.parametrize("argv", [["--help"], ["matching", "--help"]])
def test_help_runs_nothing(argv: list[str]) -> None:
    # A benchmark would take minutes; help answers at once.
    result = subprocess.run(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "benchmarks", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m benchmarks")
    assert "==" not in result.stdout
    for name in (*BENCHMARKS, *DATABASES):
        assert name in result.stdout


def test_the_list_names_each_benchmark_with_its_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name in BENCHMARKS:
        (line,) = [line for line in lines if line.startswith(f"{name} ")]
        assert len(line.split()) > 3  # the name and a sentence
    assert lines[-1] == "databases: sqlite, postgresql"


def test_names_choose_benchmarks_and_databases() -> None:
    assert choose([]) == (list(BENCHMARKS), ["sqlite", "postgresql"])
    assert choose(["postgresql", "overhead", "matching"]) == (
        ["matching", "overhead"],
        ["postgresql"],
    )
    assert choose(["sqlite"]) == (list(BENCHMARKS), ["sqlite"])
    with pytest.raises(ValueError, match="unknown benchmark or database: mysql"):
        choose(["matching", "mysql"])


def test_an_unknown_name_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["contact_page"])
    assert exit_info.value.code == 2
    assert "unknown benchmark or database: contact_page" in capsys.readouterr().err
