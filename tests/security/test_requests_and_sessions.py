"""Request-level defences: CSRF and CORS, cookie flags, session rotation, links built from the
configured public URL, and login timing that does not tell accounts apart."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from identity.passwords import PasswordHasher
from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from portal.email.sealing import LinkSealer
from portal.models import Contact, OutboxMessage
from tests.conftest import GraphQLClient
from tests.factories import (
    CUSTOMER_LOG_IN,
    CUSTOMER_PASSWORD,
    STAFF_LOG_IN,
    STAFF_PASSWORD,
    log_in_customer,
    make_customer,
    make_staff,
    reconfigure,
    use_password_hasher,
)

VIEWER = "{ viewer { email } }"
LOG_OUT = "mutation { logOut { ok } }"
STAFF_ME = "{ me { email } }"
CREATE_CONTACT = (
    'mutation { createContact(input: {lastName: "Untergeschoben"}) { errors { code } } }'
)
IMPORT = "mutation I($file: Upload!) { importContacts(file: $file) { created } }"


async def test_cookie_posts_must_be_json_from_a_trusted_origin(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    await log_in_customer(portal_api)
    cookie = {"cookie": f"portal_session={portal_api.token}"}
    http = portal_api.http
    # A form a foreign page could submit without a preflight.
    form = await http.post(
        "/graphql",
        content=b"query=mutation{logOut{ok}}",
        headers={**cookie, "content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
    assert form.json()["errors"][0]["extensions"]["code"] == "CSRF_REFUSED"
    # <form enctype="text/plain"> can carry a JSON body, also without a preflight.
    plain = await http.post(
        "/graphql",
        content=json.dumps({"query": LOG_OUT}).encode(),
        headers={**cookie, "content-type": "text/plain"},
    )
    assert plain.status_code == 415
    assert plain.json()["errors"][0]["extensions"]["code"] == "CSRF_REFUSED"
    uploads = await http.post(
        "/graphql",
        data={"operations": json.dumps({"query": LOG_OUT}), "map": "{}"},
        files={"0": ("x.txt", b"x", "text/plain")},
        headers=cookie,
    )
    assert uploads.status_code == 403
    foreign = await http.post(
        "/graphql",
        json={"query": LOG_OUT},
        headers={**cookie, "origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    # The session survived both.
    same_site = await http.post(
        "/graphql",
        json={"query": VIEWER},
        headers={**cookie, "origin": "https://portal.example.test"},
    )
    assert same_site.json()["data"]["viewer"] == {"email": "kunde@example.de"}
    # Bearer requests are not at risk: no cookie rides along cross-site.
    bearer = await http.post(
        "/graphql",
        json={"query": VIEWER},
        headers={"authorization": f"Bearer {portal_api.token}", "origin": "https://app.example"},
    )
    assert bearer.json()["data"]["viewer"] == {"email": "kunde@example.de"}


@pytest.fixture
async def console(settings: Any, runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The app with separate CORS origins for the customer frontend and the staff console."""
    configured = Runtime.build(
        settings.with_changes(
            cors_origins=("https://kunden.example",),
            admin_cors_origins=("https://console.example",),
        ),
        runtime.database,  # closed by the runtime fixture
    )
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(runtime=configured)),
            base_url="http://testserver",
        ) as http:
            yield http
    finally:
        configured.identity.close()


async def test_staff_cookie_posts_must_be_json_from_the_consoles_origin(
    console: httpx.AsyncClient, runtime: Runtime
) -> None:
    await make_staff(runtime)
    login = await console.post(
        "/admin/graphql",
        json={
            "query": STAFF_LOG_IN,
            "variables": {"email": "admin@example.com", "password": STAFF_PASSWORD},
        },
    )
    token = login.json()["data"]["staffLogIn"]["token"]
    console.cookies.clear()  # sent by hand: the cookie's path is /admin
    cookie = {"cookie": f"portal_staff_session={token}"}

    async def post(**kwargs: Any) -> httpx.Response:
        headers = {**cookie, **kwargs.pop("headers", {})}
        return await console.post("/admin/graphql", headers=headers, **kwargs)

    body = json.dumps({"query": CREATE_CONTACT}).encode()
    refused = {
        "form": await post(
            content=b"query=" + CREATE_CONTACT.encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        "text/plain": await post(content=body, headers={"content-type": "text/plain"}),
        "no content type": await post(content=body),
        "multipart": await post(
            data={
                "operations": json.dumps({"query": IMPORT, "variables": {"file": None}}),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": ("k.csv", b"Last name\r\nUntergeschoben\r\n", "text/csv")},
        ),
        # The preflight header alone is not enough: the upload must name a trusted origin.
        **{
            f"multipart with the header, {name}": await post(
                data={
                    "operations": json.dumps({"query": IMPORT, "variables": {"file": None}}),
                    "map": json.dumps({"0": ["variables.file"]}),
                },
                files={"0": ("k.csv", b"Last name\r\nUntergeschoben\r\n", "text/csv")},
                headers={"graphql-require-preflight": "1", **origin},
            )
            for name, origin in (
                ("no origin", {}),
                ("foreign origin", {"origin": "https://evil.example"}),
            )
        },
        "foreign origin": await post(
            json={"query": CREATE_CONTACT}, headers={"origin": "https://evil.example"}
        ),
        # The customer frontend's origin is trusted on /graphql, not on the staff API.
        "customer origin": await post(
            json={"query": CREATE_CONTACT}, headers={"origin": "https://kunden.example"}
        ),
        "opaque origin": await post(json={"query": CREATE_CONTACT}, headers={"origin": "null"}),
    }
    statuses = {name: response.status_code for name, response in refused.items()}
    assert statuses == {
        "form": 415,
        "text/plain": 415,
        "no content type": 415,
        "multipart": 403,
        "multipart with the header, no origin": 403,
        "multipart with the header, foreign origin": 403,
        "foreign origin": 403,
        "customer origin": 403,
        "opaque origin": 403,
    }
    for response in refused.values():
        assert response.json()["errors"][0]["extensions"]["code"] == "CSRF_REFUSED"
    async with runtime.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0
    # The session survived; the console's own origin and the server itself may post.
    for origin in ("https://console.example", "http://testserver"):
        same = await post(json={"query": STAFF_ME}, headers={"origin": origin})
        assert same.json() == {"data": {"me": {"email": "admin@example.com"}}}, origin
    # The console's origin is no key to the customer API.
    customer = await console.post(
        "/graphql", json={"query": VIEWER}, headers={"origin": "https://console.example"}
    )
    assert customer.status_code == 403
    # With a bearer token (which no foreign page can attach) an upload goes through.
    bearer = await console.post(
        "/admin/graphql",
        data={
            "operations": json.dumps({"query": IMPORT, "variables": {"file": None}}),
            "map": json.dumps({"0": ["variables.file"]}),
        },
        files={"0": ("k.csv", b"Last name\r\nHochgeladen\r\n", "text/csv")},
        headers={"authorization": f"Bearer {token}", "origin": "https://evil.example"},
    )
    assert bearer.json() == {"data": {"importContacts": {"created": 1}}}
    # The console in a browser: cookie, the preflight header (which a foreign page cannot send
    # without a preflight the CORS policy refuses) and its own origin.
    for number, origin in enumerate(("https://console.example", "http://testserver")):
        browser = await post(
            data={
                "operations": json.dumps({"query": IMPORT, "variables": {"file": None}}),
                "map": json.dumps({"0": ["variables.file"]}),
            },
            files={"0": ("k.csv", f"Last name\r\nKonsole {number}\r\n".encode(), "text/csv")},
            headers={"graphql-require-preflight": "1", "origin": origin},
        )
        assert browser.json() == {"data": {"importContacts": {"created": 1}}}, origin

    async def preflight(origin: str) -> httpx.Response:
        return await console.options(
            "/admin/graphql",
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, graphql-require-preflight",
            },
        )

    assert (await preflight("https://console.example")).status_code == 200
    assert "access-control-allow-origin" not in (await preflight("https://evil.example")).headers


async def test_cors_is_configured_per_api(settings: Any, runtime: Runtime) -> None:
    del runtime  # the fixture cleans the shared database; this app only answers preflights
    app = create_app(
        runtime=Runtime.build(
            settings.with_changes(
                cors_origins=("https://kunden.example",),
                admin_cors_origins=("https://console.example",),
            )
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:

        async def preflight(path: str, origin: str) -> httpx.Response:
            return await http.options(
                path,
                headers={
                    "origin": origin,
                    "access-control-request-method": "POST",
                    "access-control-request-headers": "content-type",
                },
            )

        allowed = await preflight("/graphql", "https://kunden.example")
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://kunden.example"
        assert allowed.headers["access-control-allow-credentials"] == "true"
        # The customer frontend's origin is not the staff console's, and vice versa.
        assert (await preflight("/admin/graphql", "https://kunden.example")).status_code == 400
        assert (await preflight("/graphql", "https://console.example")).status_code == 400
        console = await preflight("/admin/graphql", "https://console.example")
        assert console.headers["access-control-allow-origin"] == "https://console.example"
        # A trusted cross-origin cookie POST passes the CSRF check.
        ok = await http.post(
            "/graphql",
            json={"query": "{ __typename }"},
            headers={"origin": "https://kunden.example"},
        )
        assert ok.status_code == 200


async def test_cookies_are_http_only_lax_and_secure_in_production(
    settings: Any, runtime: Runtime
) -> None:
    await make_customer(runtime)
    await make_staff(runtime)
    production = Runtime.build(settings.with_changes(env="production"), runtime.database)
    app = create_app(runtime=production)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://portal.example.test"
    ) as http:
        customer = await http.post(
            "/graphql",
            json={
                "query": CUSTOMER_LOG_IN,
                "variables": {"email": "kunde@example.de", "password": CUSTOMER_PASSWORD},
            },
        )
        staff = await http.post(
            "/admin/graphql",
            json={
                "query": STAFF_LOG_IN,
                "variables": {"email": "admin@example.com", "password": STAFF_PASSWORD},
            },
        )
    for response, name, path in (
        (customer, "portal_session", "/"),
        (staff, "portal_staff_session", "/admin"),
    ):
        cookie = response.headers["set-cookie"].lower()
        assert cookie.startswith(f"{name}=")
        for flag in ("httponly", "secure", "samesite=lax", f"path={path}"):
            assert flag in cookie, (name, flag)


async def test_session_id_rotates_on_login_and_dies_on_logout(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    first = await log_in_customer(portal_api)
    second = await log_in_customer(portal_api)
    assert first != second  # every login opens a fresh session id
    # A cookie planted before login (session fixation) is never adopted.
    planted = await portal_api.http.post(
        "/graphql",
        json={
            "query": CUSTOMER_LOG_IN,
            "variables": {"email": "kunde@example.de", "password": CUSTOMER_PASSWORD},
        },
        headers={"cookie": "portal_session=pcs_chosen-by-the-attacker"},
    )
    issued = planted.json()["data"]["logIn"]["token"]
    assert issued != "pcs_chosen-by-the-attacker"
    assert f"portal_session={issued}" in planted.headers["set-cookie"]
    # Logout ends the session on the server: the old id is worthless afterwards.
    portal_api.token = second
    assert (await portal_api.data(LOG_OUT))["logOut"]["ok"]
    stale = await portal_api(VIEWER)
    assert stale["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    portal_api.token = first
    assert (await portal_api.data(VIEWER))["viewer"]["email"] == "kunde@example.de"


async def test_links_use_the_public_url_whatever_the_host_headers_say(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    await make_customer(runtime)
    spoofed = {
        "host": "evil.example",
        "x-forwarded-host": "evil.example",
        "x-forwarded-proto": "http",
        "forwarded": "host=evil.example;proto=http",
    }
    await portal_api.post(
        'mutation { requestPasswordReset(email: "kunde@example.de") { accepted } }', **spoofed
    )
    await portal_api.post(
        """mutation { registerCustomer(input: {email: "neu@example.de", password: "Kirschbaum-im-Mai",
        firstName: "N", lastName: "N", existingCustomer: false, acceptTerms: true, language: "de"}) {
        accepted } }""",
        **spoofed,
    )
    async with runtime.database.transaction() as session:
        messages = list(await session.scalars(select(OutboxMessage)))
    sealer = LinkSealer.from_settings(runtime.settings)
    urls = [
        sealer.open(m.context[key])  # sealed or not
        for m in messages
        for key in ("reset_url", "activation_url")
        if key in m.context
    ]
    assert len(urls) == 2
    assert all(url.startswith("https://portal.example.test/") for url in urls), urls


async def test_wrong_password_and_unknown_email_take_the_same_time(
    portal_api: GraphQLClient, runtime: Runtime
) -> None:
    # Realistic argon2 cost, so the hash (not the test client) dominates each request.
    use_password_hasher(
        runtime, PasswordHasher(time_cost=2, memory_kib=19 * 1024, parallelism=1, max_threads=2)
    )
    await make_customer(runtime)
    reconfigure(runtime, lockout_threshold=10_000, throttle_limits=("login=100000/60",))

    async def timed(email: str) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        response = await portal_api.post(
            CUSTOMER_LOG_IN, {"email": email, "password": "nicht-das-passwort"}
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        return elapsed, response.json()

    for _ in range(3):  # warm-up
        await timed("kunde@example.de")
        await timed("niemand@example.de")
    known: list[float] = []
    unknown: list[float] = []
    for i in range(30):
        pair = [("kunde@example.de", known), ("niemand@example.de", unknown)]
        for email, sink in pair if i % 2 else reversed(pair):
            elapsed, body = await timed(email)
            assert body["data"]["logIn"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
            sink.append(elapsed)
    a, b = statistics.median(known), statistics.median(unknown)
    assert abs(a - b) / max(a, b) < 0.2, (a, b)
