"""Fixtures of the webhook tests: a live receiver on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.portal.webhooks.receiver import Receiver, ReceiverServer


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ReceiverServer()
    try:
        yield server.start()
    finally:
        server.stop()
