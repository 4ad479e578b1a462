"""One webhook request: POST to the endpoint, connected to the address the SSRF check approved.

Built on httpcore (the layer under httpx) with a network backend of our own: when the pool
opens a connection it resolves the host itself, checks every address
(:func:`portal.webhooks.addresses.resolve_checked`) and connects to a checked one, so there is
no second DNS look-up an attacker's name server could answer differently (DNS rebinding). TLS
still verifies the certificate against the URL's host name. Redirects are never followed (a
3xx is a failed attempt), no proxy is read from the environment, the whole request is bounded
by one timeout, and at most :data:`MAX_RESPONSE_BYTES` of the answer are read.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpcore

from portal.webhooks.addresses import AddressRefused, resolve_checked

MAX_RESPONSE_BYTES = 4096
MAX_ERROR_LENGTH = 1000
# What the delivery log keeps of an answer's body: enough to see the receiver's complaint.
RESPONSE_EXCERPT = 500


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses :func:`resolve_checked` approved."""

    def __init__(self, *, allow_private: bool) -> None:
        self._inner = httpcore.AnyIOBackend()
        self.allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve_checked(host, port, allow_private=self.allow_private)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("webhooks connect over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: the status code (None when no answer came), the time it took,
    what went wrong (None on a 2xx) and the start of the answer's body."""

    status_code: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error is None


class WebhookTransport:
    """A connection pool for webhook requests (one per worker; connections are kept alive
    per host name)."""

    def __init__(self, *, allow_private: bool, timeout_seconds: float) -> None:
        self.timeout_seconds = timeout_seconds
        self._backend = _CheckedBackend(allow_private=allow_private)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl.create_default_context(),
            max_connections=100,
            keepalive_expiry=30,
            network_backend=self._backend,
        )

    def configure(self, *, allow_private: bool, timeout_seconds: float) -> None:
        """Apply changed settings to new connections and requests (tests change them)."""
        self._backend.allow_private = allow_private
        self.timeout_seconds = timeout_seconds

    async def post(self, url: str, headers: Mapping[str, str], body: bytes) -> Outcome:
        """POST ``body``; never raises for anything the receiver or the network does."""
        started = time.perf_counter()
        timeout = self.timeout_seconds
        status: int | None = None
        excerpt: str | None = None
        error: str | None = None
        try:
            async with asyncio.timeout(timeout):
                async with self._pool.stream(
                    "POST",
                    url,
                    headers=[*headers.items(), ("user-agent", "portal-webhooks/1")],
                    content=body,
                    extensions={
                        "timeout": {"connect": timeout, "read": timeout, "write": timeout,
                                    "pool": timeout}
                    },
                ) as response:  # fmt: skip
                    status = response.status
                    received = bytearray()
                    async for chunk in response.aiter_stream():
                        received += chunk
                        if len(received) >= MAX_RESPONSE_BYTES:
                            break
                    excerpt = bytes(received[:RESPONSE_EXCERPT]).decode("utf-8", "replace")
        except AddressRefused as exc:
            error = f"refused: {exc}"
        except (TimeoutError, httpcore.TimeoutException):
            error = f"timeout after {timeout:g} s"
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol,
                httpcore.LocalProtocolError, OSError, ssl.SSLError) as exc:  # fmt: skip
            error = f"{type(exc).__name__}: {exc}"
        duration_ms = round((time.perf_counter() - started) * 1000)
        if error is None and status is not None and not 200 <= status < 300:
            error = f"HTTP {status}" + (
                " (redirects are not followed)" if 300 <= status < 400 else ""
            )
        return Outcome(status, duration_ms, error[:MAX_ERROR_LENGTH] if error else None, excerpt)

    async def close(self) -> None:
        await self._pool.aclose()
