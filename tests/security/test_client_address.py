"""Whose address throttling and audit see: the peer's, unless the peer is a trusted proxy
(``PORTAL_TRUSTED_PROXIES``, none by default, loopback included). Issue 16, item 9."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from click.testing import CliRunner
from sqlalchemy import select

from portal.app.asgi import create_app
from portal.app.cli import main
from portal.app.runtime import Runtime
from portal.config import Settings
from portal.models import AuditEntry, StaffSession
from tests.conftest import GraphQLClient
from tests.factories import STAFF_LOG_IN, make_customer, make_staff, reconfigure
from tests.security.test_throttling import REQUEST_RESET, sent

CREATE_CONTACT = 'mutation { createContact(input: {lastName: "Nie"}) { errors { code } } }'
FORGED = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]


def serve_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The options ``portal serve`` hands uvicorn (uvicorn.run captured, not run)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "var"))
    for name in ("PORTAL_ENV", "PORTAL_TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    captured: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: captured.update(options))
    result = CliRunner().invoke(main, ["serve", "--no-migrate"])
    assert result.exit_code == 0, result.output
    return captured


@asynccontextmanager
async def served(runtime: Runtime, **options: Any) -> AsyncIterator[httpx.AsyncClient]:
    """``create_app`` under uvicorn on a loopback port, with uvicorn's proxy options as given;
    a client of it (connecting from 127.0.0.1)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    # Listening before uvicorn starts: a client's connection waits in the backlog until the
    # server accepts it, so nothing has to wait for (or poll) the server's start-up.
    sock.listen()
    proxy = {k: v for k, v in options.items() if k in {"proxy_headers", "forwarded_allow_ips"}}
    config = uvicorn.Config(
        create_app(runtime=runtime), lifespan="off", log_config=None, access_log=False,
        ws="none", **proxy,
    )  # fmt: skip
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        port = sock.getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            yield http
    finally:
        server.should_exit = True
        await task
        sock.close()


async def reset_requests(api: GraphQLClient, forwarded: list[str]) -> None:
    """A password reset for each of three customers, each request naming another client."""
    for i, address in enumerate(forwarded):
        response = await api.post(
            REQUEST_RESET, {"e": f"kunde{i}@example.de"}, **forwarded_for(address)
        )
        assert response.status_code == 200, response.text


async def audited_addresses(runtime: Runtime) -> tuple[set[str | None], set[str | None]]:
    """The addresses recorded on staff sessions, and on audit entries made by requests."""
    async with runtime.database.transaction() as session:
        logins = set(await session.scalars(select(StaffSession.ip_address)))
        audit = await session.scalars(
            select(AuditEntry.ip_address).where(AuditEntry.ip_address.is_not(None))
        )
        return logins, set(audit)


def forwarded_for(address: str) -> dict[str, str]:
    return {"x-forwarded-for": address}


async def staff_acts(api: GraphQLClient, runtime: Runtime, forwarded: str) -> None:
    """A staff login and a change, each request naming ``forwarded`` as its client."""
    account = await make_staff(runtime)
    credentials = {"email": account.email, "password": account.password}
    login = (await api.post(STAFF_LOG_IN, credentials, **forwarded_for(forwarded))).json()
    api.token = login["data"]["staffLogIn"]["token"]
    assert api.token
    created = (await api.post(CREATE_CONTACT, **forwarded_for(forwarded))).json()
    assert created["data"]["createContact"]["errors"] == [], created


async def test_portal_serve_believes_no_forwarded_address_by_default(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client behind (or at) loopback cannot pick the address the limits count: three reset
    requests naming three clients are one client's, so a limit of two sends two mails.
    Failed before the fix (uvicorn's default trusts X-Forwarded-For from 127.0.0.1)."""
    for i in range(3):
        await make_customer(runtime, f"kunde{i}@example.de")
    reconfigure(runtime, throttle_limits=("password_reset=2/3600",))
    options = serve_options(tmp_path, monkeypatch)
    async with served(runtime, **options) as http:
        await reset_requests(GraphQLClient(http, "/graphql"), FORGED)
        await staff_acts(GraphQLClient(http, "/admin/graphql"), runtime, "203.0.113.9")
    assert await sent(runtime, "password_reset") == ["kunde0@example.de", "kunde1@example.de"]
    assert await audited_addresses(runtime) == ({"127.0.0.1"}, {"127.0.0.1"})


def api_via(app: Any, peer: str, path: str) -> GraphQLClient:
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return GraphQLClient(httpx.AsyncClient(transport=transport, base_url="http://t"), path)


@pytest.mark.parametrize(
    ("peer", "seen"),
    [("10.1.2.3", "203.0.113.9"), ("198.51.100.4", "198.51.100.4"), ("127.0.0.1", "127.0.0.1")],
)
async def test_only_a_trusted_proxy_names_the_client(
    runtime: Runtime, peer: str, seen: str
) -> None:
    """With ``PORTAL_TRUSTED_PROXIES=10.0.0.0/8`` a peer in that network passes the client's
    address on (the rightmost hop it did not add itself); any other peer, loopback too, is
    the client."""
    for i in range(3):
        await make_customer(runtime, f"kunde{i}@example.de")
    reconfigure(
        runtime, throttle_limits=("password_reset=2/3600",), trusted_proxies=("10.0.0.0/8",)
    )
    app = create_app(runtime=runtime)
    api = api_via(app, peer, "/graphql")
    async with api.http:
        # A client's own header is kept by the proxy, which appends the address it saw.
        await reset_requests(api, [f"{address}, {seen}" for address in FORGED])
    staff = api_via(app, peer, "/admin/graphql")
    async with staff.http:
        await staff_acts(staff, runtime, f"192.0.2.1, {seen}")
    assert await sent(runtime, "password_reset") == ["kunde0@example.de", "kunde1@example.de"]
    assert await audited_addresses(runtime) == ({seen}, {seen})


async def test_a_trusted_proxy_keeps_clients_apart(runtime: Runtime) -> None:
    """Behind the proxy, each client has its own limit: three clients, three mails."""
    for i in range(3):
        await make_customer(runtime, f"kunde{i}@example.de")
    reconfigure(runtime, throttle_limits=("password_reset=2/3600",), trusted_proxies=("10.0.0.5",))
    api = api_via(create_app(runtime=runtime), "10.0.0.5", "/graphql")
    async with api.http:
        await reset_requests(api, FORGED)
    assert await sent(runtime, "password_reset") == [f"kunde{i}@example.de" for i in range(3)]


@pytest.mark.parametrize("value", ["*", "proxy.example", "10.0.0.0/33"])
def test_trusted_proxies_must_be_addresses_or_networks(value: str) -> None:
    with pytest.raises(ValueError, match="trusted_proxies"):
        Settings(trusted_proxies=value)  # type: ignore[arg-type]
    assert Settings(trusted_proxies="10.0.0.0/8, ::1").trusted_proxies == ("10.0.0.0/8", "::1")  # type: ignore[arg-type]
