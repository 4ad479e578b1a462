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
