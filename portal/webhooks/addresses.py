"""Which URLs an endpoint may have and which addresses delivery may connect to (SSRF).

A webhook URL is chosen by staff, but the request is made from inside the network portal runs
in: without a check, an endpoint ``http://169.254.169.254/`` or ``http://10.0.0.5:6379/``
turns the delivery worker into a proxy to the cloud metadata service or an internal service.
So, unless private addresses are allowed (development, tests), every address a host resolves to
must be a public unicast address: not loopback, private, link-local, shared (CGNAT), reserved,
unspecified, documentation or multicast, IPv4-mapped IPv6 unwrapped first. The check runs when
the endpoint is saved and again at every delivery, on the addresses the connection then uses
(:mod:`portal.webhooks.transport` connects to the checked address, so DNS rebinding between
check and connect cannot switch it).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

MAX_URL_LENGTH = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Exception):
    """The host resolves to an address webhooks may not reach, or does not resolve."""


@dataclass(frozen=True)
class UrlProblem:
    """Why a URL cannot be an endpoint: a stable ``code`` and an English message."""

    code: str
    message: str


def is_public_address(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address (what production may reach)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def url_problem(url: str, *, require_https: bool) -> UrlProblem | None:
    """What is wrong with ``url`` as an endpoint URL (scheme, host, credentials), or None.
    Addresses are checked separately (:func:`resolve_checked`)."""
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        return UrlProblem(
            "INVALID_URL", f"Give an absolute URL of at most {MAX_URL_LENGTH} characters."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return UrlProblem("INVALID_URL", "The URL cannot be read.")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return UrlProblem("INVALID_URL", "Give an absolute http(s) URL with a host.")
    if require_https and parts.scheme != "https":
        return UrlProblem("HTTPS_REQUIRED", "Endpoints must use https.")
    if parts.username is not None or parts.password is not None:
        return UrlProblem("INVALID_URL", "Credentials in the URL are not allowed; sign instead.")
    if parts.fragment:
        return UrlProblem("INVALID_URL", "The URL must not have a fragment.")
    if port == 0:
        return UrlProblem("INVALID_URL", "The URL's port is not valid.")
    return None


def host_and_port(url: str) -> tuple[str, int]:
    parts: SplitResult = urlsplit(url)
    assert parts.hostname is not None
    return parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)


async def resolve_checked(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses to connect to for ``host``: all it resolves to, each checked. Raises
    :class:`AddressRefused` when it does not resolve or (unless ``allow_private``) when any of
    its addresses is not public: one private record among public ones is refused too, so a
    client cannot be steered to it by the order of records."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError) as exc:
            raise AddressRefused(f"{host} does not resolve: {exc}") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
        if not addresses:
            raise AddressRefused(f"{host} does not resolve")
    if not allow_private:
        refused = [str(a) for a in addresses if not is_public_address(a)]
        if refused:
            raise AddressRefused(
                f"{host} resolves to {', '.join(refused)}, which is not a public address"
            )
    return list(dict.fromkeys(str(a) for a in addresses))
