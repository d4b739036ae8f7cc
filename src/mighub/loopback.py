"""Whether a host is this machine's loopback: one answer for the hub's listen
check, its ``Host`` check and the CLI's choice of development credentials."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """``localhost`` (any case) or a loopback address (``127.x.x.x``, ``::1``; IPv6
    without brackets). Names under ``.localhost`` are not: not every resolver
    keeps them on this machine, so a hub cannot count on it."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
