"""Test data created through the services (never by hand-written SQL)."""

from __future__ import annotations

from dataclasses import dataclass

from identity.staff import create_staff_user
from portal.runtime import Runtime
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
            session, runtime.password_hasher, email=email, password=STAFF_PASSWORD, role=role
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
