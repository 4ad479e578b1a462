"""``portal contacts export``: the staff API's filters, to a file or standard output, inactive
contacts included by default, and a file the import reads back without a change."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner

from portal.app.cli import main


def seed(runner: CliRunner, folder: Path) -> None:
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    data = (
        b"Nachname;Vorname;E-Mail;Telefon;Aktiv;Tags\r\n"
        b"Aktiv;Anna;anna@example.de;0221 111111;1;vip\r\n"
        b"Ruhend;Rolf;rolf@example.de;;0;\r\n"
        b"Neu;Nina;nina@example.de;;1;\r\n"
    )
    (folder / "seed.csv").write_bytes(data)
    result = runner.invoke(main, ["contacts", "import", str(folder / "seed.csv")])
    assert result.exit_code == 0, result.output


def names(data: bytes, delimiter: str = ",", column: str = "Last name") -> list[str]:
    rows = csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter)
    return sorted(row[column] for row in rows)


def test_exports_active_and_inactive_contacts_to_stdout_by_default(cli_env: Path) -> None:
    runner = CliRunner()
    seed(runner, cli_env)
    result = runner.invoke(main, ["contacts", "export"])
    assert result.exit_code == 0, result.output
    assert names(result.stdout_bytes) == ["Aktiv", "Neu", "Ruhend"]
    assert "3 contacts exported" in result.stderr
    assert "exporting" in result.stderr  # the progress bar, apart from the data


def test_filters_narrow_the_export_and_a_file_is_written(cli_env: Path) -> None:
    runner = CliRunner()
    seed(runner, cli_env)
    target = cli_env / "aktive.csv"
    args = ["contacts", "export", "-o", str(target), "--language", "de", "--delimiter", ";"]
    result = runner.invoke(main, [*args, "--active"])
    assert result.exit_code == 0, result.output
    assert names(target.read_bytes(), ";", "Nachname") == ["Aktiv", "Neu"]
    assert runner.invoke(main, [*args, "--inactive"]).exit_code == 0
    assert names(target.read_bytes(), ";", "Nachname") == ["Ruhend"]
    assert runner.invoke(main, [*args, "--tag", "vip"]).exit_code == 0
    assert names(target.read_bytes(), ";", "Nachname") == ["Aktiv"]
    assert runner.invoke(main, [*args, "--search", "nina"]).exit_code == 0
    assert names(target.read_bytes(), ";", "Nachname") == ["Neu"]
    help_text = runner.invoke(main, ["contacts", "export", "--help"]).output
    for option in ("--search", "--status", "--active / --inactive", "--tag", "--group",
                   "--source", "--opt-in", "--output"):  # fmt: skip
        assert option in help_text


def test_an_exported_file_imports_back_without_a_change(cli_env: Path) -> None:
    runner = CliRunner()
    seed(runner, cli_env)
    target = cli_env / "alle.csv"
    assert runner.invoke(main, ["contacts", "export", "-o", str(target)]).exit_code == 0
    again = runner.invoke(main, ["contacts", "import", str(target)])
    assert again.exit_code == 0, again.output
    assert "3 rows: 0 created, 0 updated, 3 unchanged, 0 failed" in again.output
    assert "ignored columns" not in again.output
