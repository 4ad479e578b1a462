"""argon2id hashing off the event loop, with the configured parameters; the password policy."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from argon2 import Type, extract_parameters
from sqlalchemy import select

from identity.password_policy import check_new_password
from identity.passwords import HASH_THREAD_NICENESS, MAX_PASSWORD_LENGTH, PasswordHasher
from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from portal.models import PortalUser
from tests.conftest import GraphQLClient
from tests.schema.portal.test_registration import REGISTER, registration


@pytest.fixture
def hasher() -> Iterator[PasswordHasher]:
    h = PasswordHasher(time_cost=1, memory_kib=8, parallelism=1, max_threads=2)
    yield h
    h.close()


async def test_hashes_are_argon2id_with_the_configured_parameters(hasher: PasswordHasher) -> None:
    encoded = await hasher.hash("Grüße aus Köln 🌷")
    params = extract_parameters(encoded)
    assert params.type is Type.ID
    assert (params.time_cost, params.memory_cost, params.parallelism) == (1, 8, 1)
    assert await hasher.verify(encoded, "Grüße aus Köln 🌷")
    assert not await hasher.verify(encoded, "Grüße aus Köln 🌷 ")
    assert not await hasher.verify("not a hash", "whatever")


async def test_hashing_runs_in_the_bounded_pool(
    hasher: PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []

    class Spy:
        def __init__(self, real: object) -> None:
            self.real = real

        def hash(self, password: str) -> str:
            threads.append(threading.current_thread().name)
            return self.real.hash(password)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(hasher, "_argon2", Spy(hasher._argon2))
    await hasher.hash("long enough password")
    assert threads and threads[0].startswith("argon2")
    assert threads[0] != threading.main_thread().name


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread niceness is Linux's")
async def test_hashing_threads_yield_the_cpu_to_requests(hasher: PasswordHasher) -> None:
    """argon2 runs at a lower priority than the event loop and the database, so a burst of
    logins slows itself rather than the requests being served."""
    loop = asyncio.get_running_loop()
    niceness = await loop.run_in_executor(
        hasher._executor,
        lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()),
    )
    assert niceness == os.getpriority(os.PRIO_PROCESS, 0) + HASH_THREAD_NICENESS
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < niceness


async def test_password_check_verifies_once_whatever_is_stored(hasher: PasswordHasher) -> None:
    stored = await hasher.hash("right password 2026")
    assert (await hasher.check(stored, "right password 2026")).matches
    assert not (await hasher.check(stored, "wrong password 2026")).matches
    assert not (await hasher.check(None, "right password 2026")).matches  # unknown account
    outdated = PasswordHasher(time_cost=2, memory_kib=8, parallelism=1, max_threads=1)
    try:
        renewed = await outdated.check(stored, "right password 2026")
    finally:
        outdated.close()
    assert renewed.matches and renewed.new_hash is not None
    assert extract_parameters(renewed.new_hash).time_cost == 2


async def test_outdated_parameters_need_a_rehash(hasher: PasswordHasher) -> None:
    stronger = PasswordHasher(time_cost=2, memory_kib=16, parallelism=1)
    try:
        old = await hasher.hash("long enough password")
        assert stronger.needs_rehash(old)
        assert not hasher.needs_rehash(old)
    finally:
        stronger.close()


class Argon2Spy:
    """Stands in for the argon2 library object and records the length of every password it
    is given to hash or verify."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.lengths: list[int] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def hash(self, password: str) -> str:
        self.lengths.append(len(password))
        return str(self.real.hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        self.lengths.append(len(password))
        return bool(self.real.verify(password_hash, password))


async def test_oversized_passwords_are_refused_before_hashing(
    hasher: PasswordHasher, monkeypatch: pytest.MonkeyPatch
) -> None:
    encoded = await hasher.hash("x" * MAX_PASSWORD_LENGTH)
    spy = Argon2Spy(hasher._argon2)
    monkeypatch.setattr(hasher, "_argon2", spy)
    megabyte = "x" * (1024 * 1024)
    with pytest.raises(ValueError, match="too long"):
        await hasher.hash("x" * (MAX_PASSWORD_LENGTH + 1))
    with pytest.raises(ValueError, match="too long"):
        await hasher.hash(megabyte)
    assert not await hasher.verify(encoded, megabyte)
    assert spy.lengths == []  # argon2 never saw them
    # The longest allowed password is hashed and verified in full.
    assert await hasher.verify(encoded, "x" * MAX_PASSWORD_LENGTH)
    assert spy.lengths == [MAX_PASSWORD_LENGTH]


async def test_settings_argon2_parameters_reach_the_stored_hash(runtime: Runtime) -> None:
    # Parameters unlike the test defaults (t=1, m=8, p=1) and unlike the library's.
    configured = runtime.settings.with_changes(
        argon2_time_cost=2, argon2_memory_kib=24, argon2_parallelism=3
    )
    tuned = Runtime.build(configured)
    try:
        transport = httpx.ASGITransport(app=create_app(runtime=tuned))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            await GraphQLClient(http, "/graphql").data(REGISTER, registration())
        async with tuned.database.transaction() as session:
            stored = await session.scalar(select(PortalUser.password_hash))
    finally:
        await tuned.close()
    assert stored is not None
    prefix = re.match(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", stored)
    assert prefix is not None, stored
    assert tuple(int(n) for n in prefix.groups()) == (24, 2, 3)


def test_password_policy() -> None:
    assert check_new_password("short")[0].code == "PASSWORD_TOO_SHORT"
    assert check_new_password("x" * (MAX_PASSWORD_LENGTH + 1))[0].code == "PASSWORD_TOO_LONG"
    assert check_new_password("zehn Zeich") == []
    # Combining characters count as what the user sees.
    assert check_new_password("e\u0301" * 9)[0].code == "PASSWORD_TOO_SHORT"
    # Common passwords, however they are cased or padded, and the account's own email.
    for common in ("password123", "Passwort123", " QWERTZUIOP ", "passwort1234!"):
        assert [e.code for e in check_new_password(common)] == ["PASSWORD_TOO_COMMON"], common
    assert check_new_password("Passwort123-ganz-anders") == []
    own = check_new_password(" Kunde@Example.de", email="kunde@example.de")
    assert [(e.code, e.field) for e in own] == [("PASSWORD_TOO_COMMON", "password")]
    assert check_new_password("kunde@example.de") == []  # fine for anyone else
