"""Delivery: memory, file and real SMTP backends; retries with backoff by the clock; exactly
once with concurrent workers on PostgreSQL."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.email.backends import FileBackend, MemoryBackend, SmtpBackend
from portal.email.delivery import deliver_due
from portal.email.outbox import enqueue_email
from portal.email.sealing import LinkSealer
from portal.models import OutboxMessage

RESET = {"reset_url": "https://portal.example.test/password/reset?token=x", "first_name": "Anna"}


async def queue(runtime: Runtime, count: int = 1, to: str = "anna@example.de") -> None:
    async with runtime.database.transaction() as session:
        for index in range(count):
            await enqueue_email(
                session,
                template="password_reset",
                to=to.replace("@", f"+{index}@") if count > 1 else to,
                language="de",
                formality="informal",
                context=RESET,
            )


async def rows(runtime: Runtime) -> list[OutboxMessage]:
    async with runtime.database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage)))


def memory(runtime: Runtime) -> MemoryBackend:
    assert isinstance(runtime.mailer.backend, MemoryBackend)
    return runtime.mailer.backend


async def test_due_messages_are_rendered_sent_and_recorded(runtime: Runtime) -> None:
    await queue(runtime)
    report = await deliver_due(runtime.mailer)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    (message,) = memory(runtime).sent
    assert message["To"] == "anna@example.de"
    assert message["Subject"] == "Passwort zurücksetzen"
    assert "Customer Portal" in message["From"]
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert "Hallo Anna," in text.get_content()
    assert RESET["reset_url"] in html.get_content()
    (row,) = await rows(runtime)
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, runtime.settings.clock())
    # Nothing is sent twice.
    assert (await deliver_due(runtime.mailer)).sent == 0
    assert len(memory(runtime).sent) == 1


async def test_file_backend_writes_parseable_eml(runtime: Runtime, tmp_path: Path) -> None:
    await queue(runtime)
    backend = FileBackend(tmp_path / "mail")
    await deliver_due(runtime.mailer, backend)
    (path,) = (tmp_path / "mail").glob("*.eml")
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "anna@example.de"
    assert parsed.is_multipart()
    assert {part.get_content_type() for part in parsed.iter_parts()} == {"text/plain", "text/html"}


async def test_file_backend_prints_the_links_outside_production(
    runtime: Runtime, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo path: the activation link is clicked from the terminal."""
    await queue(runtime)
    await deliver_due(runtime.mailer, FileBackend(tmp_path / "mail", show_links=True))
    printed = capsys.readouterr().out
    assert f"  link: {RESET['reset_url']}" in printed.splitlines()
    await queue(runtime)
    await deliver_due(runtime.mailer, FileBackend(tmp_path / "quiet"))
    assert "link:" not in capsys.readouterr().out


class Recorder:
    def __init__(self, answer: str = "250 Message accepted for delivery") -> None:
        self.answer = answer
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.answer.startswith("250"):
            self.envelopes.append(envelope)
        return self.answer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def smtp_backend(runtime: Runtime, port: int) -> SmtpBackend:
    settings = runtime.settings.with_changes(
        smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", smtp_timeout_seconds=5
    )
    return SmtpBackend(settings)


async def test_smtp_delivery_to_a_real_server(
    runtime: Runtime, smtp_server: tuple[Recorder, int]
) -> None:
    recorder, port = smtp_server
    await queue(runtime)
    report = await deliver_due(runtime.mailer, smtp_backend(runtime, port))
    assert report.sent == 1
    (envelope,) = recorder.envelopes
    assert envelope.rcpt_tos == ["anna@example.de"]
    assert envelope.mail_from == runtime.settings.mail_from
    received = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert received["Subject"] == "Passwort zurücksetzen"


async def test_failing_server_is_retried_with_backoff_then_marked_failed(
    runtime: Runtime, smtp_server: tuple[Recorder, int], clock: FrozenClock
) -> None:
    recorder, port = smtp_server
    recorder.answer = "451 4.3.0 Try again later"
    backend = smtp_backend(runtime, port)
    await queue(runtime)
    base = timedelta(seconds=runtime.settings.mail_retry_base_seconds)
    report = await deliver_due(runtime.mailer, backend)
    assert report.retried == 1
    (row,) = await rows(runtime)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "451" in (row.last_error or "")
    assert row.next_attempt_at == clock() + base
    # Not due yet: nothing happens before the backoff has passed.
    assert (await deliver_due(runtime.mailer, backend)).retried == 0
    for attempt in range(2, runtime.settings.mail_max_attempts + 1):
        clock.advance(base * 2 ** (attempt - 2))
        report = await deliver_due(runtime.mailer, backend)
        assert report.retried + report.failed == 1
    (row,) = await rows(runtime)
    assert (row.status, row.attempts) == ("failed", runtime.settings.mail_max_attempts)
    assert row.sent_at is None
    # The server recovers; staff resend the failed message and it goes out.
    recorder.answer = "250 OK"
    async with runtime.database.transaction() as session:
        from portal.email.outbox import requeue

        stored = await session.get(OutboxMessage, row.id)
        assert stored is not None
        await requeue(session, stored.id)
    assert (await deliver_due(runtime.mailer, backend)).sent == 1
    assert len(recorder.envelopes) == 1


async def test_unreachable_server_keeps_the_message(runtime: Runtime) -> None:
    await queue(runtime)
    report = await deliver_due(runtime.mailer, smtp_backend(runtime, free_port()))
    assert report.retried == 1
    (row,) = await rows(runtime)
    assert row.status == "pending"
    assert row.last_error


async def test_an_expired_lease_is_claimed_again(runtime: Runtime, clock: FrozenClock) -> None:
    from portal.email.delivery import LEASE, claim_due

    await queue(runtime)
    assert len(await claim_due(runtime.mailer, 10)) == 1  # a worker claims, then dies
    assert await claim_due(runtime.mailer, 10) == []
    clock.advance(LEASE + timedelta(seconds=1))
    assert (await deliver_due(runtime.mailer)).sent == 1


async def test_two_concurrent_workers_send_each_message_once(
    runtime: Runtime, is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("row locking needs PostgreSQL")
    await queue(runtime, count=40)

    class SlowBackend(MemoryBackend):
        async def send(self, message: EmailMessage) -> None:
            await asyncio.sleep(0)  # let the other worker run between claims and sends
            await super().send(message)

    first, second = SlowBackend(), SlowBackend()
    reports = await asyncio.gather(
        deliver_due(runtime.mailer, first, limit=5),
        deliver_due(runtime.mailer, second, limit=5),
        deliver_due(runtime.mailer, first, limit=50),
        deliver_due(runtime.mailer, second, limit=50),
    )
    recipients = [m["To"] for m in first.sent + second.sent]
    assert sum(r.sent for r in reports) == 40
    assert len(recipients) == len(set(recipients)) == 40
    assert {row.status for row in await rows(runtime)} == {"sent"}


async def test_a_sent_message_keeps_no_link_sealed_or_not(runtime: Runtime) -> None:
    await queue(runtime)  # a link queued unsealed (before sealing, or by a caller without one)
    async with runtime.database.transaction() as session:
        await enqueue_email(
            session,
            template="password_reset",
            to="bernd@example.de",
            language="de",
            context=RESET,
            sealer=LinkSealer.from_settings(runtime.settings),
        )
    report = await deliver_due(runtime.mailer)
    assert report.sent == 2
    for message in memory(runtime).sent:
        html = message.get_body(("html",))
        assert html is not None and RESET["reset_url"] in html.get_content()
    for row in await rows(runtime):
        assert row.context["reset_url"] == {"removed": "after delivery"}
        assert row.context["first_name"] == "Anna"


async def test_a_link_sealed_with_a_removed_key_fails_instead_of_sending(
    runtime: Runtime,
) -> None:
    async with runtime.database.transaction() as session:
        await enqueue_email(
            session,
            template="password_reset",
            to="anna@example.de",
            language="de",
            context=RESET,
            sealer=LinkSealer(["a-key-that-was-rotated-out-long-ago-000000"]),
        )
    report = await deliver_due(runtime.mailer)
    assert (report.sent, report.failed) == (0, 1)
    assert memory(runtime).sent == []
    (row,) = await rows(runtime)
    assert row.status == "failed"
    assert "key no longer configured" in (row.last_error or "")
