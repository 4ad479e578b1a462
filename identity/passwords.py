"""Argon2id password hashing, run in a bounded thread pool so it never blocks the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher as Argon2Hasher
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.db import Database, holds_connection
from portal.errors import TooManyRequests

# Checked before hashing: argon2 would happily hash a megabyte, which is a denial-of-service lever.
MAX_PASSWORD_LENGTH = 1024


# Niceness of the hashing threads (Linux: per thread). A login burst then takes longer, while
# the event loop and the database keep their CPU for the requests being served.
HASH_THREAD_NICENESS = 10


def _yield_to_requests() -> None:
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_THREAD_NICENESS)


class HashingBusy(TooManyRequests):
    """As many requests as the hashing queue holds are in it already: refused at once."""

    message = "Too many password checks are waiting; try again in a moment."


@dataclass(frozen=True)
class PasswordCheck:
    """The outcome of :meth:`PasswordHasher.check`."""

    matches: bool
    new_hash: str | None = None  # the password hashed with the current parameters


class PasswordHasher:
    """Hashes and verifies passwords with argon2id off the event loop.

    One instance per application; its thread pool bounds how many hashes run at once, so a burst
    of logins cannot take every core away from the requests being served, and
    :meth:`admitted` bounds how many requests wait for it.
    """

    def __init__(
        self,
        *,
        time_cost: int,
        memory_kib: int,
        parallelism: int = 1,
        max_threads: int = 4,
        max_queued: int = 32,
    ) -> None:
        self._argon2 = Argon2Hasher(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            type=Type.ID,
        )
        self._executor = ThreadPoolExecutor(
            max_workers=max_threads, thread_name_prefix="argon2", initializer=_yield_to_requests
        )
        # Verified against for unknown accounts, so "no such user" costs what a wrong password does.
        self._dummy_hash = self._argon2.hash("portal dummy password for timing equality")
        # Requests working towards a hash at once (see admitted()): enough to keep the pool
        # busy, no more; at most max_queued wait for or hold one of these turns.
        self._turns = asyncio.Semaphore(2 * max_threads)
        self.max_queued = max(max_queued, 1)
        self._admitted = 0

    @contextlib.asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """A request's turn to hash: ``async with hasher.admitted():`` around what leads to the
        hash (the throttle's checks, reading a stored hash) and the hash itself.

        At most ``max_queued`` requests are admitted (waiting or working); one more is
        refused at once with :class:`HashingBusy`, before it has done anything, so a burst of
        anonymous requests costs a refusal each, not a place in an unbounded queue. Of the
        admitted, at most twice as many as there are hashing threads work at once; the
        others wait holding nothing (no connection, no lock), and a burst costs the event
        loop a few of them at a time while other requests keep being served between them."""
        if self._admitted >= self.max_queued:
            raise HashingBusy(retry_after_seconds=1)
        self._admitted += 1
        try:
            async with self._turns:
                yield
        finally:
            self._admitted -= 1

    @property
    def queued(self) -> int:
        """Requests admitted now (waiting for a turn or working)."""
        return self._admitted

    @property
    def parameters(self) -> tuple[int, int, int]:
        """(time cost, memory in KiB, parallelism) of new hashes."""
        p = self._argon2
        return (p.time_cost, p.memory_cost, p.parallelism)

    async def hash(self, password: str) -> str:
        """An argon2id hash of ``password`` (encoded string with its parameters and salt)."""
        if len(password) > MAX_PASSWORD_LENGTH:
            raise ValueError("password too long to hash")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._argon2.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``; malformed hashes never match."""
        if len(password) > MAX_PASSWORD_LENGTH:
            return False
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, self._verify_sync, password_hash, password
        )

    async def verify_dummy(self, password: str) -> None:
        """Spend the time of one verification for an account that does not exist."""
        await self.verify(self._dummy_hash, password[:MAX_PASSWORD_LENGTH])

    async def check(self, stored_hash: str | None, password: str) -> PasswordCheck:
        """Exactly one verification whatever is stored: against ``stored_hash``, or against a
        dummy hash when there is none (an unknown account costs what a wrong password does);
        a matching password whose hash is outdated comes with a new one."""
        if stored_hash is None:
            await self.verify_dummy(password)
            return PasswordCheck(matches=False)
        if not await self.verify(stored_hash, password):
            return PasswordCheck(matches=False)
        new_hash = await self.hash(password) if self.needs_rehash(stored_hash) else None
        return PasswordCheck(matches=True, new_hash=new_hash)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether a stored hash was made with other parameters than the current ones."""
        try:
            return self._argon2.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def _verify_sync(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


@contextlib.asynccontextmanager
async def reader_before_locking(
    session: AsyncSession, database: Database
) -> AsyncIterator[AsyncSession]:
    """Where a request reads what it needs before it hashes: a snapshot (returned to the pool
    at the end of the block) while ``session`` (the request's unit of work) holds no
    connection, so the argon2 work that follows holds no connection and no lock (on SQLite,
    the request's first statement takes the database's write lock). A request whose session
    holds a connection already (it looked up a cookie's session first) reads through it:
    waiting for a second one could starve the pool. Whatever is read is checked again under
    a lock after the hash."""
    if holds_connection(session):
        yield session
    else:
        async with database.snapshot() as snapshot:
            yield snapshot


async def read_before_locking(
    session: AsyncSession, database: Database, query: Select[Any]
) -> str | None:
    """A stored password hash, read through :func:`reader_before_locking`."""
    async with reader_before_locking(session, database) as reader:
        stored: str | None = await reader.scalar(query)
    return stored
