"""argon2id hashing off the event loop."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from argon2 import Type, extract_parameters

from identity.password_policy import check_new_password
from identity.passwords import MAX_PASSWORD_LENGTH, PasswordHasher


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


async def test_outdated_parameters_need_a_rehash(hasher: PasswordHasher) -> None:
    stronger = PasswordHasher(time_cost=2, memory_kib=16, parallelism=1)
    try:
        old = await hasher.hash("long enough password")
        assert stronger.needs_rehash(old)
        assert not hasher.needs_rehash(old)
    finally:
        stronger.close()


async def test_oversized_passwords_are_refused_before_hashing(hasher: PasswordHasher) -> None:
    with pytest.raises(ValueError, match="too long"):
        await hasher.hash("x" * (MAX_PASSWORD_LENGTH + 1))
    encoded = await hasher.hash("x" * MAX_PASSWORD_LENGTH)
    assert not await hasher.verify(encoded, "x" * (1024 * 1024))


def test_password_policy() -> None:
    assert check_new_password("short")[0].code == "PASSWORD_TOO_SHORT"
    assert check_new_password("x" * (MAX_PASSWORD_LENGTH + 1))[0].code == "PASSWORD_TOO_LONG"
    assert check_new_password("zehn Zeich") == []
    # Combining characters count as what the user sees.
    assert check_new_password("e\u0301" * 9)[0].code == "PASSWORD_TOO_SHORT"
