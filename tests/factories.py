"""Test data created through the services (never by hand-written SQL)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from identity.environment import IdentityEnvironment
from identity.passwords import PasswordHasher
from identity.staff import create_staff_user
from portal.app.runtime import Runtime
from portal.email.sealing import LinkSealer
from portal.models import Contact, OutboxMessage, PortalUser
from portal.normalization import normalize_email
from portal.services.contacts import ContactDraft, create_contact
from tests.conftest import GraphQLClient

STAFF_PASSWORD = "correct horse battery staple"

STAFF_LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  staffLogIn(email: $email, password: $password) {
    token
    staffUser { email role }
    errors { code field message }
  }
}
"""


def reconfigure(runtime: Runtime, **changes: Any) -> None:
    """Change settings of a running test application: the runtime and the parts built from its
    settings (identity's environment, the mailer) take the new values, so every request from
    now on sees them. The password hasher keeps running (see :func:`use_password_hasher`)."""
    settings = runtime.settings.with_changes(**changes)
    rebuilt = IdentityEnvironment.from_settings(settings, runtime.database, redis=runtime.redis)
    rebuilt.close()
    runtime.settings = settings
    runtime.identity = replace(rebuilt, password_hasher=runtime.identity.password_hasher)
    runtime.mailer = replace(runtime.mailer, settings=settings)
    # The webhook sender keeps its connection pool; what it reads of the settings changes.
    runtime.webhooks.settings = settings
    runtime.webhooks.transport.configure(
        allow_private=settings.webhook_private_addresses_allowed,
        timeout_seconds=settings.webhook_timeout_seconds,
    )


def use_password_hasher(runtime: Runtime, hasher: PasswordHasher) -> None:
    """Hash and verify with ``hasher`` from now on (the running one is stopped)."""
    runtime.identity.close()
    runtime.identity = replace(runtime.identity, password_hasher=hasher)


@dataclass
class StaffAccount:
    email: str
    password: str
    role: str


async def make_staff(
    runtime: Runtime, email: str = "admin@example.com", role: str = "admin"
) -> StaffAccount:
    async with runtime.database.transaction() as session:
        await create_staff_user(
            session,
            runtime.identity.password_hasher,
            email=email,
            password=STAFF_PASSWORD,
            role=role,
        )
    return StaffAccount(email, STAFF_PASSWORD, role)


async def log_in_staff(
    api: GraphQLClient, runtime: Runtime, email: str = "admin@example.com", role: str = "admin"
) -> StaffAccount:
    """Create a staff account and make ``api`` send its bearer token from now on."""
    account = await make_staff(runtime, email, role)
    data = await api.data(STAFF_LOG_IN, {"email": email, "password": STAFF_PASSWORD})
    api.token = data["staffLogIn"]["token"]
    assert api.token
    return account


CUSTOMER_PASSWORD = "Sonnenblume-2026"


async def make_customer(
    runtime: Runtime,
    email: str = "kunde@example.de",
    *,
    password: str = CUSTOMER_PASSWORD,
    linked: bool = True,
    activated: bool = True,
    contact_email: str | None = None,
) -> tuple[PortalUser, Contact | None]:
    """A portal user as registration + activation + matching would leave it."""
    async with runtime.database.transaction() as session:
        contact = None
        if linked:
            contact = await create_contact(
                session,
                ContactDraft(first_name="Anna", last_name="Kunde", email=contact_email or email),
            )
        now = runtime.settings.clock()
        user = PortalUser(
            email=email,
            email_normalized=normalize_email(email),
            password_hash=await runtime.identity.password_hasher.hash(password),
            registration_status="REGISTERED" if activated else "ACTIVATION_EMAIL_SENT",
            mapping_status="ASSIGNED" if linked else "PENDING",
            pending_reason=None if linked else "NO_MATCH",
            contact_id=contact.id if contact else None,
            first_name="Anna",
            last_name="Kunde",
            language="de",
            activated_at=now if activated else None,
            assigned_at=now if linked else None,
        )
        session.add(user)
    return user, contact


CUSTOMER_LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  logIn(email: $email, password: $password) {
    token flowToken viewer { email mappingStatus registrationStatus lastLoginAt }
    errors { code field message }
  }
}
"""


async def log_in_customer(
    api: GraphQLClient, email: str = "kunde@example.de", password: str = CUSTOMER_PASSWORD
) -> str:
    data = await api.data(CUSTOMER_LOG_IN, {"email": email, "password": password})
    token = data["logIn"]["token"]
    assert token, data
    api.token = token
    return str(token)


async def relog_in_staff(api: GraphQLClient, email: str = "admin@example.com") -> None:
    """Log an existing staff account in again (after moving the clock past its session)."""
    data = await api.data(STAFF_LOG_IN, {"email": email, "password": STAFF_PASSWORD})
    api.token = data["staffLogIn"]["token"]
    assert api.token


def link_in(runtime: Runtime, message: OutboxMessage, key: str) -> str:
    """The link a queued message will carry: stored sealed, opened with the app's key."""
    return LinkSealer.from_settings(runtime.settings).open(message.context[key])


async def upload_file(
    api: GraphQLClient, query: str, variables: dict[str, Any], data: bytes
) -> dict[str, Any]:
    """A staff mutation with ``data`` as ``variables.file`` (GraphQL multipart request, bearer
    token as uploads need); the response body."""
    operations = {"query": query, "variables": {**variables, "file": None}}
    response = await api.http.post(
        "/admin/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("upload.csv", data, "text/csv")},
        headers={"authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
