"""Which ``Host`` names the hub answers for: its defence against DNS rebinding.

A web page can make the developer's browser send requests to a name its author
controls and then re-point that name at 127.0.0.1: the browser then treats the
local hub as the page's own origin and lets the page read its answers. The
request still names the attacker's host, so a development hub (which checks no
signature) answers only requests for the names it is known by:

- loopback names: ``localhost``, any ``127.x.x.x``, ``[::1]``;
- the address it was told to listen on; when that is a wildcard (``0.0.0.0``,
  ``::``) any IP address, since rebinding needs a DNS name;
- the names given with ``--allowed-host`` (``*`` for any, ``*.example.com`` for
  every name under ``example.com``).

Ports are not compared: the connection already reached this hub's port.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from ..errors import HostNotAllowed
from ..loopback import is_loopback


def _ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def host_name(header: str) -> str:
    """The name in a ``Host`` header, lower-cased, without its port or IPv6 brackets."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    name, _, port = header.rpartition(":")
    return name if name and port.isdigit() else header


class HostPolicy:
    def __init__(self, allowed: Iterable[str] = (), served: str | None = None) -> None:
        names = {host_name(name) for name in allowed}
        self.any_host = "*" in names
        self.suffixes = tuple(name[1:] for name in names if name.startswith("*."))
        self.names = frozenset(name for name in names if not name.startswith("*"))
        served_ip = _ip(host_name(served)) if served else None
        self.any_ip = served_ip is not None and served_ip.is_unspecified
        if served and not self.any_ip:
            self.names |= {host_name(served)}

    def allows(self, name: str) -> bool:
        if self.any_host or is_loopback(name) or name in self.names or name.endswith(self.suffixes):
            return True
        ip = _ip(name)
        if ip is None:
            return False
        return self.any_ip or str(ip) in self.names

    def check(self, headers: Iterable[tuple[bytes, bytes]]) -> HostNotAllowed | None:
        """The error to answer a request with these headers, or None when its host is allowed."""
        hosts = [value.decode("latin-1") for name, value in headers if name.lower() == b"host"]
        if not hosts:
            return HostNotAllowed("The request has no Host header; this hub answers only requests that name it")
        for header in hosts:
            if not self.allows(host_name(header)):
                return HostNotAllowed(
                    f"Host {header[:200]!r} is not a name of this hub (it answers localhost and loopback "
                    "addresses; start it with --allowed-host NAME to add one)"
                )
        return None
