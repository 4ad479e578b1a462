"""``portal contacts import`` with a file that cannot be read: the problem, exit status 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli import main


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "PORTAL_DATABASE_URL", "PORTAL_ENV", "PORTAL_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "var"))
    return tmp_path


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
