"""The long-lived objects of one application instance, built once by ``create_app``."""

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
)
from portal.config import Settings
from portal.db import Database
from portal.email.backends import MailBackend, backend_from_settings
from portal.email.rendering import EmailRenderer
from portal.email.sealing import LINK_SEALER, LinkSealer


@dataclass
class Runtime:
    settings: Settings
    database: Database
    password_hasher: PasswordHasher
    tokens: SignedTokens
    mail_backend: MailBackend
    email_renderer: EmailRenderer
    redis: Any = None  # redis.asyncio.Redis when PORTAL_REDIS_URL is set

    @classmethod
    def build(cls, settings: Settings, database: Database | None = None) -> Runtime:
        database = database or Database.from_url(
            settings.database_url, clock=settings.clock, echo=settings.sql_echo
        )
        # Every email queued with a link seals it (see portal.email.sealing).
        database.session_info[LINK_SEALER] = LinkSealer.from_settings(settings)
        return cls(
            settings=settings,
            database=database,
            password_hasher=PasswordHasher(
                time_cost=settings.argon2_time_cost,
                memory_kib=settings.argon2_memory_kib,
                parallelism=settings.argon2_parallelism,
                max_threads=settings.password_hash_threads,
            ),
            tokens=SignedTokens([key.reveal() for key in settings.secret_keys], settings.clock),
            mail_backend=backend_from_settings(settings),
            email_renderer=EmailRenderer(settings),
            redis=_redis_client(settings.redis_url) if settings.redis_url else None,
        )

    def throttle(self, session: AsyncSession) -> Throttle:
        """The throttle of one request: Redis when configured, else the request's session."""
        store = (
            RedisThrottleStore(self.redis) if self.redis is not None
            else DatabaseThrottleStore(session)
        )  # fmt: skip
        return Throttle(store, ThrottlePolicy.from_settings(self.settings), self.settings.clock)

    @property
    def staff_session_policy(self) -> SessionPolicy:
        return SessionPolicy(
            lifetime=timedelta(hours=self.settings.staff_session_hours),
            idle_timeout=timedelta(minutes=self.settings.staff_session_idle_minutes),
        )

    @property
    def customer_session_policy(self) -> SessionPolicy:
        return SessionPolicy(
            lifetime=timedelta(hours=self.settings.customer_session_hours),
            idle_timeout=timedelta(minutes=self.settings.customer_session_idle_minutes),
        )

    async def close(self) -> None:
        self.password_hasher.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.database.dispose()


def _redis_client(url: str) -> Any:
    from redis.asyncio import Redis

    return Redis.from_url(url)
