"""The ``portal`` command line, run as a user would (in-process with click's runner)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from portal.app.cli import main
from portal.app.demo import (
    DEMO_ADMIN_EMAIL,
    DEMO_CONTACT_COUNT,
    DEMO_CUSTOMER_EMAIL,
    demo_drafts,
)
from portal.config import Settings
from portal.db import Database
from portal.models import Contact, StaffUser
from schema.sdl import render_sdl_files


def _count(model: type, where: object = None) -> int:
    async def count() -> int:
        database = Database.from_url(Settings.from_env().database_url)
        try:
            async with database.transaction() as session:
                query = select(func.count()).select_from(model)
                if where is not None:
                    query = query.where(where)  # type: ignore[arg-type]
                return int(await session.scalar(query) or 0)
        finally:
            await database.dispose()

    return asyncio.run(count())


def test_db_upgrade_then_staff_create_with_password_on_stdin(cli_env: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (cli_env / "var" / "portal.db").exists()
    result = runner.invoke(
        main,
        ["staff", "create", "--email", "Chef@Example.com", "--role", "admin", "--password-stdin"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    assert "created admin Chef@Example.com" in result.output
    assert "a long enough password" not in result.output
    assert _count(StaffUser, StaffUser.email_normalized == "chef@example.com") == 1

    again = runner.invoke(
        main,
        ["staff", "create", "--email", "chef@example.com", "--role", "support", "--password-stdin"],
        input="another long password\n",
    )
    assert again.exit_code != 0
    assert "exists" in again.output


def test_staff_create_refuses_a_short_password(cli_env: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"])
    result = runner.invoke(
        main,
        ["staff", "create", "--email", "a@example.com", "--role", "admin", "--password-stdin"],
        input="short\n",
    )
    assert result.exit_code != 0
    assert "At least 10 characters" in result.output


def test_demo_loads_once(cli_env: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    assert f"{DEMO_CONTACT_COUNT} contacts created" in first.output
    assert DEMO_ADMIN_EMAIL in first.output
    second = runner.invoke(main, ["demo"])
    assert second.exit_code == 0
    assert "0 contacts created" in second.output
    assert _count(Contact) == DEMO_CONTACT_COUNT
    assert _count(StaffUser) == 1


def test_the_demo_customer_the_readme_names_is_a_demo_contact() -> None:
    assert demo_drafts()[0].email == DEMO_CUSTOMER_EMAIL
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert DEMO_CUSTOMER_EMAIL in readme


def test_demo_is_refused_in_production(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_SECRET_KEY", "p" * 40)
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://portal.example.com")
    monkeypatch.setenv("PORTAL_ALLOW_SQLITE_IN_PRODUCTION", "true")
    monkeypatch.setenv("PORTAL_ARGON2_TIME_COST", "2")
    monkeypatch.setenv("PORTAL_ARGON2_MEMORY_KIB", str(19 * 1024))
    result = CliRunner().invoke(main, ["demo"])
    assert result.exit_code != 0
    assert "never loaded in production" in result.output


def test_production_start_refuses_weak_settings(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_ENV", "production")
    result = CliRunner().invoke(main, ["db", "upgrade"])
    assert result.exit_code != 0
    assert "refusing to start in production" in result.output


def test_schema_export_writes_and_checks(cli_env: Path) -> None:
    runner = CliRunner()
    out = cli_env / "sdl"
    out.mkdir()
    stale = runner.invoke(main, ["schema", "export", "--dir", str(out), "--check"])
    assert stale.exit_code != 0
    assert "stale SDL" in stale.output
    written = runner.invoke(main, ["schema", "export", "--dir", str(out)])
    assert written.exit_code == 0
    for name, text in render_sdl_files().items():
        assert (out / name).read_text(encoding="utf-8") == text
    assert runner.invoke(main, ["schema", "export", "--dir", str(out), "--check"]).exit_code == 0


def test_secret_generate_prints_a_strong_key(cli_env: Path) -> None:
    result = CliRunner().invoke(main, ["secret", "generate"])
    assert result.exit_code == 0
    assert len(result.output.strip()) >= 60


def test_mail_deliver_once(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_MAIL_DIR", str(cli_env / "mail"))
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"])

    async def queue() -> None:
        from portal.email.outbox import enqueue_email

        database = Database.from_url(Settings.from_env().database_url)
        try:
            async with database.transaction() as session:
                await enqueue_email(
                    session,
                    template="password_changed",
                    to="kunde@example.de",
                    language="en",
                    context={"first_name": "Kim"},
                )
        finally:
            await database.dispose()

    asyncio.run(queue())
    result = runner.invoke(main, ["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "sent 1, retrying 0, failed 0" in result.output
    assert "mail to kunde@example.de: Your password was changed" in result.output
    assert len(list((cli_env / "mail").glob("*.eml"))) == 1


def test_webhooks_deliver_once(cli_env: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"])

    async def record() -> None:
        from portal.services.actors import SYSTEM
        from portal.services.events import EventType, record_event

        database = Database.from_url(Settings.from_env().database_url)
        try:
            async with database.transaction() as session:
                await record_event(session, EventType.CONTACT_CREATED, SYSTEM)
        finally:
            await database.dispose()

    asyncio.run(record())
    result = runner.invoke(main, ["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    # No endpoint yet: the event is fanned out to nobody, and not again.
    assert "events fanned out 1, delivered 0, retrying 0, failed 0" in result.output
    again = runner.invoke(main, ["webhooks", "deliver"])
    assert "events fanned out 0" in again.output


def test_contacts_import_with_progress_and_report(cli_env: Path) -> None:
    runner = CliRunner()
    runner.invoke(main, ["db", "upgrade"])
    good = cli_env / "kontakte.csv"
    good.write_bytes(
        "Nachname;E-Mail;Ort\r\nGroß;g@example.de;Köln\r\nKlein;k@example.de;Bonn\r\n".encode(
            "cp1252"
        )
    )
    result = runner.invoke(main, ["contacts", "import", str(good), "--match", "EMAIL"])
    assert result.exit_code == 0, result.output
    assert "2 rows: 2 created, 0 updated, 0 unchanged, 0 failed; applied" in result.output
    assert _count(Contact) == 2
    broken = cli_env / "kaputt.csv"
    broken.write_text("Last name,Email\r\nNeu,kaputt\r\n", encoding="utf-8")
    result = runner.invoke(main, ["contacts", "import", str(broken), "--match", "EMAIL"])
    assert result.exit_code == 1
    assert "line 2: Email: INVALID_EMAIL" in result.output
    assert _count(Contact) == 2
