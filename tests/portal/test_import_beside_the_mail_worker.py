"""On SQLite, a large import and the mail worker take turns at the one write lock: the import
commits its batches and gives way after each, and the worker polls without taking the lock when
nothing is due. Before: the worker logged "database is locked" during a 40,000-row import (its
busy handler kept missing the import's short gaps between batches)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select

from portal import db as portal_db
from portal.app.runtime import Runtime
from portal.db import Database
from portal.email.delivery import Mailer, deliver_due
from portal.email.outbox import enqueue_email
from portal.models import Contact, OutboxMessage
from portal.services.actors import Actor, ActorType
from portal.services.csv_import import ImportErrorPolicy, ImportOptions, import_contacts

ROWS = 600
MESSAGES = 12


async def test_the_mail_worker_delivers_while_an_import_commits_batch_after_batch(
    runtime: Runtime, is_postgres: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if is_postgres:
        pytest.skip("PostgreSQL has row locks; the one write lock is SQLite's")
    # A short busy timeout, so that a writer starved for three seconds fails the test
    # (production waits 30 s; the starvation is the same, only slower to show). A batch of 10
    # rows holds the lock for well under that.
    monkeypatch.setattr(portal_db, "SQLITE_BUSY_TIMEOUT_MS", 3000)
    database = Database.from_url(runtime.settings.database_url, clock=runtime.settings.clock)
    mailer = Mailer.from_settings(runtime.settings, database)
    try:
        async with database.transaction() as session:
            for number in range(MESSAGES):
                await enqueue_email(
                    session, template="password_changed", to=f"kunde{number}@example.de",
                    language="en", context={"portal_name": "Portal"},
                )  # fmt: skip
        lines = ["Nachname;Tags"] + [f"Kunde {i};vip" for i in range(ROWS)]
        data = ("\r\n".join(lines) + "\r\n").encode()
        importing = asyncio.Event()
        errors: list[BaseException] = []
        sent = 0

        async def worker() -> None:
            nonlocal sent
            await importing.wait()
            while sent < MESSAGES:
                try:
                    report = await deliver_due(mailer, limit=1)
                except Exception as exc:  # "database is locked"
                    errors.append(exc)
                    return
                sent += report.sent

        async def run_import() -> object:
            session = database.new_session()
            try:
                batches = 0

                async def on_batch() -> None:
                    nonlocal batches
                    batches += 1
                    importing.set()
                    await database.commit_and_give_way(session)

                report = await import_contacts(
                    session,
                    data,
                    ImportOptions(error_policy=ImportErrorPolicy.REJECT_FAILED_ROWS),
                    Actor(ActorType.IMPORT, name="test"),
                    on_batch=on_batch,
                    batch_size=10,
                )
                await session.commit()
                return report
            finally:
                await session.close()

        with caplog_errors() as logged:
            report, _ = await asyncio.gather(run_import(), worker())
        assert errors == []
        assert logged == []
        assert report.created == ROWS  # type: ignore[attr-defined]
        assert sent == MESSAGES
        async with database.transaction() as session:
            assert await session.scalar(select(func.count()).select_from(Contact)) == ROWS
            assert (
                await session.scalar(select(func.count()).where(OutboxMessage.status == "sent"))
                == MESSAGES
            )
    finally:
        await database.dispose()


class caplog_errors:
    """Records of level ERROR and above logged by portal while open."""

    def __enter__(self) -> list[logging.LogRecord]:
        self.records: list[logging.LogRecord] = []
        self.handler = logging.Handler(logging.ERROR)
        self.handler.emit = self.records.append  # type: ignore[method-assign]
        logging.getLogger("portal").addHandler(self.handler)
        return self.records

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("portal").removeHandler(self.handler)
