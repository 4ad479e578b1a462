"""``portal contacts import`` with a file that cannot be read: the problem, exit status 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.app.cli import main


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Nachname;Ort\r\nM\x81ller;K\xf6ln\r\n", "line 2: -: INVALID_ENCODING"),
        (b'Nachname;Notizen\r\nA;"offen\r\nB;x\r\n', "line 2: -: MALFORMED_CSV"),
    ],
)
def test_an_unreadable_file_prints_its_problem_and_fails(
    cli_env: Path, data: bytes, expected: str
) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    path = cli_env / "kontakte.csv"
    path.write_bytes(data)
    result = runner.invoke(main, ["contacts", "import", str(path)])
    assert expected in result.output
    assert "nothing written" in result.output
    assert result.exit_code == 1, result.output


def test_help_names_match_and_policy_with_their_defaults(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["contacts", "import", "--help"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "--match [AUTO|UUID|CUSTOMER_NUMBER|EMAIL]" in text
    assert "[default: AUTO]" in text
    assert "[default: REJECT_EVERYTHING]" in text
    assert "--map HEADER=COLUMN" in text


def test_a_dry_run_prints_every_columns_mapping_and_a_real_run_the_ignored_ones(
    cli_env: Path,
) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    path = cli_env / "kontakte.csv"
    path.write_bytes(
        "Nachname;Telefon;Lieblingsfarbe;Fon;E-Mail\r\n"
        "Meier;0221 111111;grün;0221 222222;meier@example.de\r\n".encode()
    )
    dry = runner.invoke(main, ["contacts", "import", "--dry-run", str(path)])
    assert dry.exit_code == 0, dry.output
    assert "column 1 'Nachname': last_name (IMPORTED)" in dry.output
    assert "column 2 'Telefon': phone1 (IMPORTED)" in dry.output
    assert "column 3 'Lieblingsfarbe': ignored (IGNORED)" in dry.output
    assert (
        "ignored columns (not read; map them with --map HEADER=COLUMN): 'Lieblingsfarbe', 'Fon'"
        in dry.output
    )
    assert "match: AUTO" in dry.output
    real = runner.invoke(
        main, ["contacts", "import", "--map", "Fon=phone2", "--map", "Lieblingsfarbe=", str(path)]
    )
    assert real.exit_code == 0, real.output
    assert (
        "ignored columns (not read; map them with --map HEADER=COLUMN): 'Lieblingsfarbe'"
        in real.output
    )
    assert "1 rows: 1 created" in real.output
    again = runner.invoke(main, ["contacts", "import", "--map", "Fon=phone2", str(path)])
    assert "1 rows: 0 created, 0 updated, 1 unchanged" in again.output, again.output
    bad = runner.invoke(main, ["contacts", "import", "--map", "Fon", str(path)])
    assert bad.exit_code == 2 and "use HEADER=COLUMN" in bad.output
