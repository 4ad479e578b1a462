"""The SSRF rules: which URLs an endpoint may have and which addresses delivery may reach."""

from __future__ import annotations

import ipaddress

import pytest

from portal.webhooks.addresses import (
    AddressRefused,
    is_public_address,
    resolve_checked,
    url_problem,
)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # shared address space (CGNAT)
        ("0.0.0.0", False),  # noqa: S104 (an address refused, not bound)
        ("224.0.0.1", False),  # multicast
        ("ff02::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("192.0.2.1", False),  # documentation
        ("240.0.0.1", False),  # reserved
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("::ffff:10.0.0.1", False),
    ],
)
def test_only_public_unicast_addresses_are_public(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    ("url", "require_https", "code"),
    [
        ("https://hooks.example.com/portal", True, None),
        ("http://hooks.example.com/portal", False, None),
        ("http://hooks.example.com/portal", True, "HTTPS_REQUIRED"),
        ("ftp://hooks.example.com/", False, "INVALID_URL"),
        ("https:///no-host", False, "INVALID_URL"),
        ("https://user:pw@hooks.example.com/", False, "INVALID_URL"),
        ("https://hooks.example.com/#frag", False, "INVALID_URL"),
        ("https://hooks.example.com:99999/", False, "INVALID_URL"),
        ("https://hooks.example.com/a b", False, "INVALID_URL"),
        ("hooks.example.com", False, "INVALID_URL"),
        ("", False, "INVALID_URL"),
        ("https://hooks.example.com/" + "a" * 2000, False, "INVALID_URL"),
    ],
)
def test_url_rules(url: str, require_https: bool, code: str | None) -> None:
    problem = url_problem(url, require_https=require_https)
    assert (problem.code if problem else None) == code


async def test_loopback_names_and_literals_are_refused_unless_allowed() -> None:
    for host in ("localhost", "127.0.0.1", "[::1]", "169.254.169.254"):
        with pytest.raises(AddressRefused, match="not a public address"):
            await resolve_checked(host, 80, allow_private=False)
    assert await resolve_checked("127.0.0.1", 80, allow_private=True) == ["127.0.0.1"]
    assert "127.0.0.1" in await resolve_checked("localhost", 80, allow_private=True)
    assert await resolve_checked("93.184.216.34", 443, allow_private=False) == ["93.184.216.34"]


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(AddressRefused, match="does not resolve"):
        await resolve_checked("no-such-host.invalid", 443, allow_private=True)
