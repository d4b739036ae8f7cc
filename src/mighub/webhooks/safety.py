"""Which URLs the hub sends webhooks to.

A webhook makes the hub send requests where its users say, from inside its own
network. Link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10,
fd00:ec2::254) are refused unless allowed; loopback and private addresses are
allowed by default (self-hosted receivers usually are private), and refused with
``refuse_private``. A name is checked against every address it resolves to, when
the endpoint is created and again before each delivery.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import InvalidInputException
from ..loopback import is_loopback

MAX_URL = 2048
METADATA = ipaddress.ip_address("fd00:ec2::254")


@dataclass(frozen=True)
class OutboundPolicy:
    allow_link_local: bool = False
    refuse_private: bool = False


class Refused(Exception):
    """The URL may not be sent to; the message says why."""


def check_form(url: str) -> None:
    """The URL's form: http(s), a host, no credentials, a sane length."""
    if len(url) > MAX_URL:
        raise InvalidInputException(
            f"Value at 'url' failed to satisfy constraint: Member must be at most {MAX_URL} characters"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises for a bad port)
    except ValueError as exc:
        raise InvalidInputException(f"Value {url!r} at 'url' is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputException(
            f"Value {url!r} at 'url' failed to satisfy constraint: Member must be an http or https URL with a host"
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidInputException("Value at 'url' must not carry credentials; the hub signs what it sends")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise InvalidInputException("Value at 'url' must not contain spaces or control characters")


def check_destination(url: str, policy: OutboundPolicy) -> None:
    """Raise ``Refused`` if the URL's host is, or resolves to, an address the policy refuses."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise Refused(f"{host} does not resolve: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        why = _refusal(address, policy)
        if why is not None:
            raise Refused(f"{host} resolves to {address}, {why}")


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address, policy: OutboundPolicy) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if (address.is_link_local or address == METADATA) and not policy.allow_link_local:
        return "a link-local or metadata address (allow with --webhook-allow-link-local)"
    if policy.refuse_private and (is_loopback(str(address)) or address.is_private):
        return "a loopback or private address (refused by --webhook-refuse-private)"
    if address.is_multicast or address.is_unspecified:
        return "not a unicast address"
    return None
