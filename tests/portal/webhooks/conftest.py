"""Fixtures of the webhook tests: a live receiver on a free loopback port, a frozen clock that
starts at the real time (receivers verify ``webhook-timestamp`` against their own clock, within
five minutes), short timeouts and retry delays."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from portal.clock import FrozenClock
from portal.config import Settings
from tests.portal.webhooks.receiver import Receiver, ReceiverServer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ReceiverServer()
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_changes(webhook_timeout_seconds=0.5, webhook_retry_base_seconds=10)
