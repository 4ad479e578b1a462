"""The long-lived objects of one application instance, built once by ``create_app``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from identity.passwords import PasswordHasher
from identity.sessions import SessionPolicy
from identity.signed_tokens import SignedTokens
from portal.config import Settings
from portal.db import Database
from portal.email.backends import MailBackend, backend_from_settings
from portal.email.rendering import EmailRenderer


@dataclass
class Runtime:
    settings: Settings
    database: Database
    password_hasher: PasswordHasher
    tokens: SignedTokens
    mail_backend: MailBackend
    email_renderer: EmailRenderer

    @classmethod
    def build(cls, settings: Settings, database: Database | None = None) -> Runtime:
        return cls(
            settings=settings,
            database=database
            or Database.from_url(
                settings.database_url, clock=settings.clock, echo=settings.sql_echo
            ),
            password_hasher=PasswordHasher(
                time_cost=settings.argon2_time_cost,
                memory_kib=settings.argon2_memory_kib,
                parallelism=settings.argon2_parallelism,
                max_threads=settings.password_hash_threads,
            ),
            tokens=SignedTokens([key.reveal() for key in settings.secret_keys], settings.clock),
            mail_backend=backend_from_settings(settings),
            email_renderer=EmailRenderer(settings),
        )

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
        await self.database.dispose()
