"""The outbox row shares the fate of the transaction that wrote it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.db import Database
from portal.email.outbox import enqueue_email
from portal.email.sealing import LinkSealer, LinkUnavailable
from portal.models import OutboxMessage

CONTEXT = {"activation_url": "https://portal.example.test/activate?token=t", "activation_hours": 48}


async def _messages(runtime: Runtime) -> list[OutboxMessage]:
    async with runtime.database.transaction() as session:
        return list(await session.scalars(select(OutboxMessage)))


async def test_committed_change_leaves_a_pending_message(runtime: Runtime) -> None:
    async with runtime.database.transaction() as session:
        await enqueue_email(
            session,
            template="account_activation",
            to="kunde@example.de",
            language="de",
            formality="informal",
            context=CONTEXT,
        )
    (message,) = await _messages(runtime)
    assert (message.status, message.attempts, message.to_address) == (
        "pending",
        0,
        "kunde@example.de",
    )
    # Stored sealed: no usable link at rest, the application's key opens it.
    assert "token=t" not in str(message.context)
    sealer = LinkSealer.from_settings(runtime.settings)
    assert sealer.open(message.context["activation_url"]).endswith("token=t")
    assert message.next_attempt_at == runtime.settings.clock()


async def test_rolled_back_change_sends_nothing(runtime: Runtime) -> None:
    with pytest.raises(RuntimeError):
        async with runtime.database.transaction() as session:
            await enqueue_email(
                session,
                template="account_activation",
                to="kunde@example.de",
                language="de",
                context=CONTEXT,
            )
            raise RuntimeError("registration failed after the email was queued")
    assert await _messages(runtime) == []


async def test_unknown_templates_and_missing_context_fail_loudly(runtime: Runtime) -> None:
    async with runtime.database.transaction() as session:
        with pytest.raises(ValueError, match="needs context"):
            await enqueue_email(session, template="account_activation", to="a@b.de", language="de")
        with pytest.raises(ValueError, match="needs context"):
            await enqueue_email(session, template="no_such_mail", to="a@b.de", language="de")


async def test_a_sealed_link_is_stored_encrypted_and_opens_with_any_configured_key(
    runtime: Runtime,
) -> None:
    old, new = "o" * 40, "n" * 40
    async with runtime.database.transaction() as session:
        await enqueue_email(
            session,
            template="account_activation",
            to="kunde@example.de",
            language="de",
            context=CONTEXT,
            sealer=LinkSealer([old], runtime.settings.clock),
        )
    (message,) = await _messages(runtime)
    stored = message.context["activation_url"]
    assert CONTEXT["activation_url"] not in repr(message.context)
    assert message.context["activation_hours"] == 48  # only the link is sealed
    # Rotation: the newest key seals, every configured key opens.
    rotated = LinkSealer([new, old])
    assert rotated.open_links("account_activation", message.context) == CONTEXT
    assert LinkSealer([new]).seal("x") != LinkSealer([old]).seal("x")
    with pytest.raises(LinkUnavailable):
        LinkSealer([new]).open(stored)
    # A tampered ciphertext is refused, not decrypted to something else.
    token = stored["sealed"]
    middle = len(token) // 2
    flipped = token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]
    with pytest.raises(LinkUnavailable):
        rotated.open({"sealed": flipped})


async def test_a_link_is_never_queued_unsealed(database_url: str) -> None:
    """Application sessions carry the link sealer; a session without one cannot queue a link
    (it would sit readable in the outbox), while emails without links queue as before."""
    bare = Database.from_url(database_url)
    try:
        async with bare.new_session() as session:
            with pytest.raises(ValueError, match="no LinkSealer"):
                await enqueue_email(
                    session, template="account_activation", to="kunde@example.de",
                    language="de", context=CONTEXT,
                )  # fmt: skip
            await session.rollback()
    finally:
        await bare.dispose()
