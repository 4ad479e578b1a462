"""The long-lived objects of one application instance, built once by ``create_app`` (and by
the command line): the database, identity's environment, the mailer, the webhook sender, the
Redis client.

Each layer below receives only its part: identity an
:class:`~identity.environment.IdentityEnvironment`, the delivery worker a
:class:`~portal.email.delivery.Mailer`, each request its
:class:`~schema.common.context.RequestContext`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from identity.environment import IdentityEnvironment
from portal.config import Settings
from portal.db import Database
from portal.email.delivery import Mailer
from portal.email.sealing import LINK_SEALER, LinkSealer
from portal.webhooks.delivery import WebhookSender


@dataclass
class Runtime:
    settings: Settings
    database: Database
    identity: IdentityEnvironment
    mailer: Mailer
    webhooks: WebhookSender
    redis: Any = None  # redis.asyncio.Redis when PORTAL_REDIS_URL is set

    @classmethod
    def build(cls, settings: Settings, database: Database | None = None) -> Runtime:
        database = database or Database.from_url(
            settings.database_url,
            clock=settings.clock,
            echo=settings.sql_echo,
            pool_timeout=settings.database_pool_timeout,
        )
        # Every email queued with a link seals it (see portal.email.sealing).
        database.session_info[LINK_SEALER] = LinkSealer.from_settings(settings)
        redis = _redis_client(settings.redis_url) if settings.redis_url else None
        return cls(
            settings=settings,
            database=database,
            identity=IdentityEnvironment.from_settings(settings, database, redis=redis),
            mailer=Mailer.from_settings(settings, database),
            webhooks=WebhookSender.from_settings(settings, database),
            redis=redis,
        )

    async def close(self) -> None:
        self.identity.close()
        await self.webhooks.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.database.dispose()


def _redis_client(url: str) -> Any:
    from redis.asyncio import Redis

    # A Redis that is down or unreachable fails a request within seconds (a typed 503, see
    # identity.throttling.ThrottleStoreUnavailable) instead of hanging it.
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
