"""The per-request context: one database session, the caller's identity, the DataLoaders."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from identity.api_keys import is_api_key, resolve_api_key
from identity.customer_auth import CustomerSession, resolve_customer_session
from identity.environment import IdentityEnvironment
from identity.permissions import StaffPermission, permissions_for_role
from identity.sessions import resolve_staff_session
from identity.throttling import Throttle
from portal.config import Settings
from portal.db import Database
from portal.email.rendering import EmailRenderer
from portal.models import ApiKey, StaffSession, StaffUser
from portal.services.actors import Actor, ActorType

if TYPE_CHECKING:
    from schema.common.loaders import Loaders

STAFF_COOKIE = "portal_staff_session"
CUSTOMER_COOKIE = "portal_session"


@dataclass(frozen=True)
class StaffPrincipal:
    """The authenticated staff user of a request: a logged-in staff session, or an import
    token (``api_key``) acting for the staff user who created it with fewer permissions."""

    user: StaffUser
    session: StaffSession | None
    permissions: frozenset[StaffPermission]
    api_key: ApiKey | None = None
    # PORTAL_STAFF_REQUIRE_2FA and no second factor yet: no permissions; only enrolment (and
    # me, log out) until one is confirmed.
    must_enrol: bool = False

    def can(self, permission: StaffPermission) -> bool:
        return permission in self.permissions


def bearer_token(request: Request, cookie_name: str) -> str | None:
    """The session token from ``Authorization: Bearer`` or, for browsers, the session cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(cookie_name) or None


@dataclass
class RequestContext:
    """What the resolvers of one request work with. The application (``portal.app``) builds it
    from its long-lived objects: the layers below the schema never see the application."""

    request: Request
    response: Response
    settings: Settings
    database: Database
    identity: IdentityEnvironment
    email_renderer: EmailRenderer
    # A query only reads: its session is read-only (no write lock on SQLite, see
    # portal.db.Database.new_session). Set by ReadOnlyQueries before execution starts.
    read_only: bool = False
    _session: AsyncSession | None = None
    _resolved: dict[str, Any] = field(default_factory=dict)
    _resolving: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def session(self) -> AsyncSession:
        """The request's one session (its unit of work), opened at first use; the HTTP
        boundary (portal.app.web) commits or rolls it back and closes it."""
        if self._session is None:
            self._session = self.database.new_session(read_only=self.read_only)
            self.request.state.db_session = self._session
        return self._session

    @cached_property
    def loaders(self) -> Loaders:
        from schema.common.loaders import Loaders

        return Loaders(self.session)

    @cached_property
    def throttle(self) -> Throttle:
        """Login lockout and rate limits, shared by every worker (see identity.throttling)."""
        return self.identity.throttle(self.session)

    @property
    def client_ip(self) -> str | None:
        return self.request.client.host if self.request.client else None

    @property
    def user_agent(self) -> str | None:
        return self.request.headers.get("user-agent")

    async def staff(self) -> StaffPrincipal | None:
        """The staff user behind this request's token, resolved once per request."""
        async with self._resolving:
            return await self._resolve_staff()

    async def _resolve_staff(self) -> StaffPrincipal | None:
        if "staff" not in self._resolved:
            principal = None
            token = bearer_token(self.request, STAFF_COOKIE)
            if token and is_api_key(token):
                resolved = await resolve_api_key(self.session, token)
                if resolved is not None:
                    key, creator, granted = resolved
                    principal = StaffPrincipal(creator, None, granted, api_key=key)
            elif token:
                found = await resolve_staff_session(
                    self.session, token, self.identity.staff_sessions
                )
                if found is not None:
                    record, user = found
                    if self.settings.staff_second_factor_required and user.totp_enabled_at is None:
                        principal = StaffPrincipal(user, record, frozenset(), must_enrol=True)
                    else:
                        principal = StaffPrincipal(user, record, permissions_for_role(user.role))
            self._resolved["staff"] = principal
        result: StaffPrincipal | None = self._resolved["staff"]
        return result

    async def customer(self) -> CustomerSession | None:
        """The logged-in customer behind this request's token, resolved once per request."""
        async with self._resolving:
            if "customer" not in self._resolved:
                self._resolved["customer"] = await self._resolve_customer()
        principal: CustomerSession | None = self._resolved["customer"]
        return principal

    async def _resolve_customer(self) -> CustomerSession | None:
        token = bearer_token(self.request, CUSTOMER_COOKIE)
        if not token:
            return None
        return await resolve_customer_session(self.session, token, self.identity.customer_sessions)

    async def customer_features(self) -> frozenset[str]:
        """The portal functions the customer's groups grant, resolved once per request."""
        from portal.services.resources import feature_permissions_of

        principal = await self.customer()
        if principal is None or principal.user.contact_id is None:
            return frozenset()
        async with self._resolving:
            if "features" not in self._resolved:
                self._resolved["features"] = await feature_permissions_of(
                    self.session, principal.user.contact_id
                )
        features: frozenset[str] = self._resolved["features"]
        return features

    def forget_customer(self) -> None:
        """Drop the cached principal after the session changed (login, logout, rotation)."""
        self._resolved.pop("customer", None)

    async def require_customer(self) -> CustomerSession:
        """The customer principal; ``IsCustomer`` has already guaranteed there is one."""
        principal = await self.customer()
        if principal is None:  # pragma: no cover - guarded by IsCustomer
            raise RuntimeError("resolver reached without an authenticated customer")
        return principal

    async def staff_actor(self) -> Actor:
        """The staff user of this request as the actor of history and audit entries."""
        principal = await self.require_staff()
        if principal.api_key is not None:
            return Actor(
                ActorType.IMPORT,
                id=principal.api_key.id,
                name=f"import token {principal.api_key.name}",
                ip_address=self.client_ip,
            )
        return Actor(
            ActorType.STAFF,
            id=principal.user.id,
            name=principal.user.display_name or principal.user.email,
            ip_address=self.client_ip,
        )

    async def customer_actor(self) -> Actor:
        """The actor of the customer's own changes; inside a (FULL) support session, the staff
        member acting for the customer: history and audit name support, not the customer."""
        principal = await self.require_customer()
        if principal.impersonation is not None:
            row = principal.impersonation
            return Actor(
                ActorType.STAFF,
                id=row.staff_user_id,
                name=f"{row.staff_name} (support, for {principal.user.email})",
                ip_address=self.client_ip,
                for_customer=principal.user.id,
            )
        return Actor(
            ActorType.CUSTOMER,
            id=principal.user.id,
            name=principal.user.email,
            ip_address=self.client_ip,
        )

    async def require_staff(self) -> StaffPrincipal:
        """The staff principal; permission classes have already guaranteed there is one."""
        principal = await self.staff()
        if principal is None:  # pragma: no cover - guarded by IsStaff / HasPermission
            raise RuntimeError("resolver reached without an authenticated staff user")
        return principal


class ReadOnlyQueries(SchemaExtension):
    """A query operation's unit of work only reads: its session (opened at first use, after
    this runs) is read-only. Mutations keep a read-write one."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if (
            isinstance(context, RequestContext)
            and self.execution_context.operation_type is OperationType.QUERY
        ):
            context.read_only = True
        yield
