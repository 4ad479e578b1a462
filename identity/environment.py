"""What identity's flows need from the application that runs them.

identity never reaches up to the application (``portal.app``): the application builds one
:class:`IdentityEnvironment` at start-up and passes it, or the one piece a flow needs (the
password hasher, the token signer), into every flow that hashes, signs, links or opens a
session. Tests build one the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from identity.passwords import PasswordHasher
from identity.sessions import SessionPolicy
from identity.signed_tokens import SignedTokens
from identity.throttling import (
    DatabaseThrottleStore,
    RedisThrottleStore,
    Throttle,
    ThrottlePolicy,
    own_transaction_store,
)
from portal.config import Settings
from portal.db import Database


@dataclass(frozen=True)
class IdentityEnvironment:
    """The settings, database, password hasher, token signer, session and throttle policies of
    one application instance."""

    settings: Settings
    database: Database
    password_hasher: PasswordHasher
    tokens: SignedTokens
    customer_sessions: SessionPolicy
    staff_sessions: SessionPolicy
    throttle_policy: ThrottlePolicy
    # redis.asyncio.Redis when PORTAL_REDIS_URL is set: throttle counters live there.
    redis: Any = None

    @classmethod
    def from_settings(
        cls, settings: Settings, database: Database, *, redis: Any = None
    ) -> IdentityEnvironment:
        """Everything built from ``settings``; ``database`` and ``redis`` are the
        application's (shared with what is not identity)."""
        return cls(
            settings=settings,
            database=database,
            password_hasher=PasswordHasher(
                time_cost=settings.argon2_time_cost,
                memory_kib=settings.argon2_memory_kib,
                parallelism=settings.argon2_parallelism,
                max_threads=settings.password_hash_threads,
                max_queued=settings.password_hash_queue,
            ),
            tokens=SignedTokens([key.reveal() for key in settings.secret_keys], settings.clock),
            customer_sessions=SessionPolicy(
                lifetime=timedelta(hours=settings.customer_session_hours),
                idle_timeout=timedelta(minutes=settings.customer_session_idle_minutes),
            ),
            staff_sessions=SessionPolicy(
                lifetime=timedelta(hours=settings.staff_session_hours),
                idle_timeout=timedelta(minutes=settings.staff_session_idle_minutes),
            ),
            throttle_policy=ThrottlePolicy.from_settings(settings),
            redis=redis,
        )

    def throttle(self, session: AsyncSession) -> Throttle:
        """The throttle of one request: Redis when configured, else the request's session (and
        short transactions of its own for the checks before a hash, see
        :meth:`Throttle.committed_at_once`)."""
        policy, clock = self.throttle_policy, self.settings.clock
        if self.redis is not None:
            return Throttle(RedisThrottleStore(self.redis), policy, clock)
        return Throttle(
            DatabaseThrottleStore(session),
            policy,
            clock,
            committed_store=lambda: own_transaction_store(session, self.database),
        )

    def close(self) -> None:
        """Stop the hashing threads (the application closes Redis and the database)."""
        self.password_hasher.close()
