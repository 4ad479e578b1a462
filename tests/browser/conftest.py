"""Browser tests: portal served by uvicorn on a free loopback port, driven by Debian's Chromium
through Playwright for Python.

The server runs in a thread with its own event loop and its own Runtime (as a real server
would: nothing shared with the test but the database, the settings and the frozen clock); the
test's own ``runtime`` prepares data and its teardown empties the PostgreSQL database. Mail
goes to the server's memory backend; :class:`Outbox` delivers it and finds links. Every request
the page makes to anything but the server is aborted and fails the test, so is any console
error (a CSP violation is one). Screenshots of each step land under the test's tmp folder.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright

from portal.app.asgi import create_app
from portal.app.runtime import Runtime
from portal.config import Settings
from portal.email.backends import MemoryBackend
from portal.email.delivery import deliver_due
from tests.conftest import GraphQLClient

T = TypeVar("T")
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium phones home at start (updates, sync, safe browsing); the network
# here is closed, and a test must not depend on it anyway.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-gpu",
    "--disable-quic",
    "--no-sandbox",  # CI runs as root
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; missing it fails in CI (which installs it) and skips elsewhere."""
    found = shutil.which(CHROMIUM)
    if found is None:
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium (bash .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
def loopback_socket() -> Iterator[socket.socket]:
    """A listening socket on a free loopback port: connections queue until the server runs."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield sock
    sock.close()


@pytest.fixture
def settings(settings: Settings, loopback_socket: socket.socket) -> Settings:
    """The suite's settings, with links pointing at the live server and GraphiQL on."""
    port = loopback_socket.getsockname()[1]
    return settings.with_changes(env="development", public_url=f"http://127.0.0.1:{port}")


class LiveServer:
    """``create_app`` under uvicorn in a thread of its own."""

    def __init__(self, settings: Settings, sock: socket.socket) -> None:
        self.settings = settings
        self.sock = sock
        self.url = settings.public_url
        self.runtime: Runtime | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.server: uvicorn.Server | None = None
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="live-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            self.failure = exc
            self.ready.set()

    async def _serve(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.runtime = Runtime.build(self.settings)
        config = uvicorn.Config(
            create_app(runtime=self.runtime),
            lifespan="off", log_config=None, access_log=False, ws="none",
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self.ready.set()
        try:
            await self.server.serve(sockets=[self.sock])
        finally:
            await self.runtime.close()

    def start(self) -> None:
        self.thread.start()
        self.ready.wait(30)
        if self.failure is not None:
            raise self.failure

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        self.thread.join(30)
        if self.failure is not None:
            raise self.failure

    async def call(self, work: Callable[[Runtime], Awaitable[T]]) -> T:
        """Run ``work(runtime)`` on the server's own loop (its database connections live there)."""
        assert self.loop is not None and self.runtime is not None
        future = asyncio.run_coroutine_threadsafe(work(self.runtime), self.loop)
        return await asyncio.wrap_future(future)


@pytest.fixture
def live_server(
    settings: Settings, loopback_socket: socket.socket, runtime: Runtime
) -> Iterator[LiveServer]:
    # ``runtime`` (the test's own) is requested so its teardown, which empties the PostgreSQL
    # database, runs after the server stopped.
    server = LiveServer(settings, loopback_socket)
    server.start()
    yield server
    server.stop()


class Outbox:
    """The server's sent mail (memory backend), delivered on demand."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server

    async def deliver(self) -> list[EmailMessage]:
        """Send what is due now; every message sent so far, oldest first."""

        async def work(runtime: Runtime) -> list[EmailMessage]:
            await deliver_due(runtime.mailer)
            assert isinstance(runtime.mailer.backend, MemoryBackend)
            return list(runtime.mailer.backend.sent)

        return await self.server.call(work)

    async def link(self, to: str, path: str) -> str:
        """The newest link to ``path`` in a message to ``to``, from the plain-text part."""
        pattern = re.compile(re.escape(self.server.url + path) + r"[^\s]*")
        for message in reversed(await self.deliver()):
            if message["To"] != to:
                continue
            body = message.get_body(("plain",))
            assert body is not None
            found = pattern.search(body.get_content())
            if found:
                return found.group(0)
        raise AssertionError(f"no mail to {to} with a link to {path}")


@pytest.fixture
def outbox(live_server: LiveServer) -> Outbox:
    return Outbox(live_server)


UNLABELLED_CONTROLS = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter((c) => c.type !== "hidden" && c.labels.length === 0 && !c.getAttribute("aria-label"))
  .map((c) => c.outerHTML)"""


class Journey:
    """One user journey in one browser: the page, its screenshots, and what went wrong."""

    def __init__(self, page: Page, folder: Path, server_url: str) -> None:
        self.page = page
        self.folder = folder
        self.server_url = server_url
        self.steps = 0
        self.blocked: list[str] = []
        self.console_errors: list[str] = []

    async def step(self, name: str, *, our_page: bool = True) -> None:
        """A full-page screenshot named after the step, numbered in order; every form control
        of our pages (not GraphiQL's editors) must have a label."""
        if our_page:
            unlabelled = await self.page.evaluate(UNLABELLED_CONTROLS)
            assert unlabelled == [], f"controls without a label at step {name!r}: {unlabelled}"
        self.steps += 1
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        await self.page.screenshot(
            path=self.folder / f"{self.steps:02d}-{slug}.png", full_page=True
        )

    async def goto(self, path: str) -> None:
        await self.page.goto(path if path.startswith("http") else self.server_url + path)


@pytest.fixture
async def open_journey(
    browser: Browser, live_server: LiveServer, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[Journey]]]:
    """``await open_journey(locale="de-DE")``: a fresh browser context (no cookies) on the
    server. Each journey's screenshots go to ``<tmp_path>/screenshots-<n>``."""
    contexts: list[BrowserContext] = []
    journeys: list[Journey] = []

    async def open_one(locale: str = "de-DE", width: int = 1024, height: int = 900) -> Journey:
        context = await browser.new_context(
            locale=locale, timezone_id="Europe/Berlin", viewport={"width": width, "height": height},
            accept_downloads=True, service_workers="block",
        )  # fmt: skip
        contexts.append(context)
        page = await context.new_page()
        folder = tmp_path / f"screenshots-{len(contexts)}"
        folder.mkdir()
        journey = Journey(page, folder, live_server.url)

        async def only_the_server(route: Route) -> None:
            if route.request.url.startswith(live_server.url + "/"):
                await route.continue_()
            else:
                journey.blocked.append(route.request.url)
                await route.abort()

        await context.route("**/*", only_the_server)
        page.on("console", lambda m: m.type == "error" and journey.console_errors.append(m.text))
        page.on("pageerror", lambda e: journey.console_errors.append(f"uncaught: {e}"))
        journeys.append(journey)
        return journey

    yield open_one
    for context in contexts:
        await context.close()
    for journey in journeys:
        assert journey.blocked == [], f"requests beyond the server: {journey.blocked}"
        assert journey.console_errors == [], journey.console_errors


@pytest.fixture
async def live_admin_api(live_server: LiveServer) -> AsyncIterator[GraphQLClient]:
    """The staff API of the live server, over real HTTP."""
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        yield GraphQLClient(http, "/admin/graphql")
