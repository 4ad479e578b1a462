"""Throttling that holds across workers and machines: the state lives in the database (or in
Redis when ``PORTAL_REDIS_URL`` is set), never in a process.

Two mechanisms, after Keycloak's brute-force detection and OWASP ASVS V2.2:

* **Account lockout** (login, and the current-password checks of a logged-in customer: change
  password, change email, delete account): after ``lockout_threshold`` consecutive failures an
  account is locked for 1 minute, doubling with each further failure up to 15 minutes; attempts
  while locked are refused without looking at the password and neither count nor extend the
  lock; a success resets the count; whatever the number of client IPs, an account never takes
  more than ``account_failures_per_hour`` failures an hour. Unknown emails are throttled
  exactly like known ones, so the lock itself reveals nothing.
* **Rate limits** (fixed windows) per client IP for login, registration, password reset,
  activation resend, second-identifier answers and invitation requests, and one per address
  for every email that someone other than staff makes portal send to it (activation, "already
  registered", password reset, invitation re-request, email-change confirmation, newsletter
  confirmation): :meth:`Throttle.allow_mail_to`. A throttled request looks like an ordinary
  one: the generic login error, the same "accepted" for registration and emails, and for a
  second identifier exactly the answer of a wrong one (the attempt counts against the flow).

Subjects are keyed by a SHA-256 of ``scope:value`` (normalised email, IP), so the store holds no
personal data. Each attempt is counted when it is made, so 50 aliases or a batch of 50 count 50.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.config import Settings
from portal.db import Database, holds_connection
from portal.errors import Unavailable
from portal.models import ThrottleCounter
from portal.normalization import normalize_email

HOUR = timedelta(hours=1)


class ThrottleAction(StrEnum):
    """What a client attempts; each has its own limit (``PORTAL_THROTTLE_LIMITS``)."""

    LOGIN = "login"
    REGISTER = "register"
    PASSWORD_RESET = "password_reset"
    ACTIVATION_RESEND = "activation_resend"
    SECOND_IDENTIFIER = "second_identifier"
    INVITATION_REQUEST = "invitation_request"
    # Per address (normalised email) rather than per IP: the emails one address may receive.
    ADDRESS_EMAIL = "address_email"


# Names of earlier, separate per-address limits, read as the shared one.
_FORMER_NAMES = {
    "reset_email": ThrottleAction.ADDRESS_EMAIL,
    "activation_email": ThrottleAction.ADDRESS_EMAIL,
}


@dataclass(frozen=True)
class Limit:
    count: int
    window: timedelta


DEFAULT_LIMITS = (
    "login=30/300",
    "register=10/3600",
    "password_reset=10/3600",
    "activation_resend=10/3600",
    "second_identifier=20/3600",
    "invitation_request=10/3600",
    "address_email=5/3600",
)


def parse_limits(entries: tuple[str, ...]) -> dict[ThrottleAction, Limit]:
    """``action=count/seconds`` entries; raises ValueError naming a bad one."""
    limits: dict[ThrottleAction, Limit] = {}
    for entry in entries:
        name, _, spec = entry.partition("=")
        count, _, seconds = spec.partition("/")
        try:
            action = _FORMER_NAMES.get(name.strip()) or ThrottleAction(name.strip())
            limits[action] = Limit(int(count), timedelta(seconds=int(seconds)))
        except ValueError:
            raise ValueError(f"bad throttle limit {entry!r} (use action=count/seconds)") from None
    return limits


@dataclass(frozen=True)
class ThrottlePolicy:
    lockout_threshold: int = 5
    first_lockout: timedelta = timedelta(minutes=1)
    max_lockout: timedelta = timedelta(minutes=15)
    account_failures_per_hour: int = 100
    limits: Mapping[ThrottleAction, Limit] = field(
        default_factory=lambda: parse_limits(DEFAULT_LIMITS)
    )

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            lockout_threshold=settings.lockout_threshold,
            first_lockout=timedelta(seconds=settings.lockout_first_seconds),
            max_lockout=timedelta(seconds=settings.lockout_max_seconds),
            account_failures_per_hour=settings.account_failures_per_hour,
            limits=parse_limits(DEFAULT_LIMITS) | parse_limits(settings.throttle_limits),
        )

    def lockout_after(self, failures: int) -> timedelta | None:
        """How long the ``failures``-th consecutive failure locks the account (None: not)."""
        if failures < self.lockout_threshold:
            return None
        doublings = min(failures - self.lockout_threshold, 16)
        lock: timedelta = min(self.first_lockout * 2**doublings, self.max_lockout)
        return lock


def subject_key(scope: str, value: str) -> str:
    return hashlib.sha256(f"{scope}:{value}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class CounterState:
    count: int
    locked_until: datetime | None
    window_started_at: datetime
    window_count: int


def apply_failure(state: CounterState, now: datetime, policy: ThrottlePolicy) -> None:
    """One login failure of an unlocked account (pure; shared by both stores)."""
    if now - state.window_started_at >= HOUR:
        state.window_started_at, state.window_count = now, 0
    state.count += 1
    state.window_count += 1
    lock = policy.lockout_after(state.count)
    state.locked_until = now + lock if lock is not None else None
    if state.window_count >= policy.account_failures_per_hour:
        cap_end = state.window_started_at + HOUR
        state.locked_until = max(state.locked_until or cap_end, cap_end)


def apply_hit(state: CounterState, now: datetime, limit: Limit) -> bool:
    """Count one attempt in a fixed window; False once the window's limit is used up."""
    if now - state.window_started_at >= limit.window:
        state.window_started_at, state.window_count = now, 0
    if state.window_count >= limit.count:
        return False
    state.window_count += 1
    return True


class ThrottleStore(Protocol):
    async def read(self, key: str) -> CounterState | None: ...

    async def update(
        self, key: str, now: datetime, change: Callable[[CounterState], Any]
    ) -> Any: ...

    async def delete(self, key: str) -> None: ...


COUNTED_ATTEMPTS = "throttle_counted_attempts"  # session info: the counter updates made


async def replay_counted_attempts(database: Database, rolled_back: AsyncSession) -> None:
    """Write again, in a transaction of their own, the counter updates of a session that was
    rolled back (an unexpected error anywhere in the request): otherwise a request that makes
    one of its fields fail could try passwords without being counted. Resets (a success) are
    not replayed: the success was rolled back with the rest."""
    updates = rolled_back.info.pop(COUNTED_ATTEMPTS, None)
    if not updates:
        return
    async with database.transaction() as session:
        store = DatabaseThrottleStore(session)
        for key, now, change in updates:
            await store.update(key, now, change)
        session.info.pop(COUNTED_ATTEMPTS, None)


class DatabaseThrottleStore:
    """Counters in the request's own session: they commit with the request, and concurrent
    requests for one subject serialise on the row lock (PostgreSQL) or the writer lock
    (SQLite), so parallel attempts cannot read the same count."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def read(self, key: str) -> CounterState | None:
        row = await self.session.get(ThrottleCounter, key, populate_existing=True)
        if row is None:
            return None
        return CounterState(row.count, row.locked_until, row.window_started_at, row.window_count)

    async def update(self, key: str, now: datetime, change: Callable[[CounterState], Any]) -> Any:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(
            insert(ThrottleCounter)
            .values(
                key=key,
                count=0,
                window_started_at=now,
                window_count=0,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["key"])
        )
        row = await self.session.scalar(
            select(ThrottleCounter)
            .where(ThrottleCounter.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None
        state = CounterState(row.count, row.locked_until, row.window_started_at, row.window_count)
        result = change(state)
        row.count, row.locked_until = state.count, state.locked_until
        row.window_started_at, row.window_count = state.window_started_at, state.window_count
        await self.session.flush()
        # Kept for replay_counted_attempts: a request that fails unexpectedly rolls back
        # everything it wrote, and an attempt must count all the same.
        self.session.info.setdefault(COUNTED_ATTEMPTS, []).append((key, now, change))
        return result

    async def delete(self, key: str) -> None:
        row = await self.session.get(ThrottleCounter, key)
        if row is not None:
            await self.session.delete(row)
            await self.session.flush()


class ThrottleStoreUnavailable(Unavailable):
    """Redis, where the throttle counters live, does not answer: a request that must count an
    attempt is refused (503) rather than let through uncounted or answered with a 500."""

    message = "Sign-in is unavailable right now; try again shortly."


@contextmanager
def _redis_outage() -> Iterator[None]:
    """Redis not answering (down, unreachable, timing out, refusing writes) as
    :class:`ThrottleStoreUnavailable`."""
    from redis.exceptions import RedisError

    try:
        yield
    except (RedisError, OSError) as outage:
        raise ThrottleStoreUnavailable(retry_after_seconds=10) from outage


class RedisThrottleStore:
    """Counters in Redis (``PORTAL_REDIS_URL``): one hash per subject, updated in an optimistic
    WATCH/MULTI transaction, expiring a day after its last change. Times come from portal's
    clock, not Redis', so behaviour is the same as the database store's. When Redis does not
    answer, every operation raises :class:`ThrottleStoreUnavailable`."""

    TTL_SECONDS = 24 * 3600

    def __init__(self, client: Any) -> None:
        self.client = client  # redis.asyncio.Redis

    @staticmethod
    def _decode(raw: Mapping[bytes, bytes]) -> CounterState | None:
        if not raw:
            return None
        locked = raw.get(b"locked_until", b"")
        return CounterState(
            count=int(raw[b"count"]),
            locked_until=datetime.fromisoformat(locked.decode()) if locked else None,
            window_started_at=datetime.fromisoformat(raw[b"window_started_at"].decode()),
            window_count=int(raw[b"window_count"]),
        )

    async def read(self, key: str) -> CounterState | None:
        with _redis_outage():
            return self._decode(await self.client.hgetall(f"portal:throttle:{key}"))

    async def update(self, key: str, now: datetime, change: Callable[[CounterState], Any]) -> Any:
        with _redis_outage():
            return await self._update(key, now, change)

    async def _update(self, key: str, now: datetime, change: Callable[[CounterState], Any]) -> Any:
        from redis.exceptions import WatchError

        name = f"portal:throttle:{key}"
        async with self.client.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(name)
                    state = self._decode(await pipe.hgetall(name)) or CounterState(0, None, now, 0)
                    result = change(state)
                    pipe.multi()
                    pipe.hset(
                        name,
                        mapping={
                            "count": state.count,
                            "locked_until": state.locked_until.isoformat()
                            if state.locked_until
                            else "",
                            "window_started_at": state.window_started_at.isoformat(),
                            "window_count": state.window_count,
                        },
                    )
                    pipe.expire(name, self.TTL_SECONDS)
                    await pipe.execute()
                    return result
                except WatchError:  # another worker changed it between read and write
                    continue

    async def delete(self, key: str) -> None:
        with _redis_outage():
            await self.client.delete(f"portal:throttle:{key}")


def own_transaction_store(
    session: AsyncSession, database: Database
) -> AbstractAsyncContextManager[ThrottleStore]:
    """Where a request counts before it hashes a password: a short transaction of its own,
    committed (its row lock released, its connection returned) before the hash starts. On
    SQLite a request whose own session holds a connection holds the database's write lock:
    a second writer would wait for it, so that request counts in its own session."""

    @asynccontextmanager
    async def store() -> AsyncIterator[ThrottleStore]:
        if database.dialect == "sqlite" and holds_connection(session):
            yield DatabaseThrottleStore(session)
            return
        async with database.transaction() as own:
            counting = DatabaseThrottleStore(own)
            # Reads see what the request itself has written and not yet committed (an
            # earlier alias's failure that locked the account) when it has a connection.
            reading = DatabaseThrottleStore(session) if holds_connection(session) else counting
            yield _ReadsAndWrites(reading, counting)
            own.info.pop(COUNTED_ATTEMPTS, None)  # committed: nothing to replay

    return store()


class _ReadsAndWrites:
    """A store that reads through one store and writes through another."""

    def __init__(self, reads: ThrottleStore, writes: ThrottleStore) -> None:
        self.reads, self.writes = reads, writes

    async def read(self, key: str) -> CounterState | None:
        return await self.reads.read(key)

    async def update(self, key: str, now: datetime, change: Callable[[CounterState], Any]) -> Any:
        return await self.writes.update(key, now, change)

    async def delete(self, key: str) -> None:
        await self.writes.delete(key)


class Throttle:
    """The throttling decisions of one request."""

    def __init__(
        self,
        store: ThrottleStore,
        policy: ThrottlePolicy,
        now: Callable[[], datetime],
        committed_store: Callable[[], AbstractAsyncContextManager[ThrottleStore]] | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.now = now
        self._committed_store = committed_store

    @asynccontextmanager
    async def committed_at_once(self) -> AsyncIterator[Throttle]:
        """This throttle, with what it counts committed when the block ends: the checks a
        request makes before it hashes a password, so that it holds no row lock and no
        connection while it waits for the hash (Redis holds neither)."""
        if self._committed_store is None:
            yield self
            return
        async with self._committed_store() as store:
            yield Throttle(store, self.policy, self.now)

    @staticmethod
    def _account(scope: str, email: str) -> str:
        return subject_key(f"account:{scope}", normalize_email(email))

    async def account_locked(self, scope: str, email: str) -> bool:
        """Whether logins to this account (``scope``: customer or staff) are locked now."""
        state = await self.store.read(self._account(scope, email))
        return (
            state is not None and state.locked_until is not None and state.locked_until > self.now()
        )

    async def account_failed(self, scope: str, email: str) -> None:
        """Count a failed login of an account that was not locked."""
        policy = self.policy
        await self.store.update(
            self._account(scope, email), self.now(), lambda s: apply_failure(s, self.now(), policy)
        )

    async def account_succeeded(self, scope: str, email: str) -> None:
        """A successful login forgets the failures (the hourly cap is kept)."""

        def reset(state: CounterState) -> None:
            state.count, state.locked_until = 0, None

        key = self._account(scope, email)
        state = await self.store.read(key)
        if state is not None and (state.count or state.locked_until):
            await self.store.update(key, self.now(), reset)

    async def allow(self, action: ThrottleAction, subject: str | None) -> bool:
        """Count one attempt at ``action`` by ``subject`` (client IP or normalised email);
        False when its limit is used up. A missing subject is not limited."""
        limit = self.policy.limits.get(action)
        if limit is None or not subject:
            return True
        key = subject_key(f"limit:{action.value}", subject)
        allowed: bool = await self.store.update(
            key, self.now(), lambda s: apply_hit(s, self.now(), limit)
        )
        return allowed

    async def allow_mail_to(self, address: str) -> bool:
        """Count one email to ``address`` against the limit every mail to it shares, whatever
        sends it; False when the address has had its share. On PostgreSQL the counter row is
        locked until the request ends, so concurrent requests never send more."""
        return await self.allow(ThrottleAction.ADDRESS_EMAIL, normalize_email(address))
