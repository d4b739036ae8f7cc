"""Request headers the hub reads as one value each.

A request that repeats one of them is ambiguous: which ``X-Amz-Target`` runs,
which ``Content-Length`` frames the body, which ``Authorization`` is checked?
Different readers could take different copies, so such a request is refused
before anything reads it, in every mode.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import SerializationException

SINGLE_VALUED = frozenset(
    {
        "host",
        "content-type",
        "content-length",
        "authorization",
        "x-amz-date",
        "x-amz-target",
        "x-amz-content-sha256",
        "x-amz-security-token",
    }
)


def single_valued(raw_headers: Iterable[tuple[str, str]], also: frozenset[str] = frozenset()) -> dict[str, str]:
    """The headers by (lower-case) name; a repeated single-valued one (or one of
    ``also``, those an endpoint reads besides) is refused."""
    headers: dict[str, str] = {}
    for name, value in raw_headers:
        if name in headers and (name in SINGLE_VALUED or name in also):
            raise SerializationException(f"The request has more than one {name} header; it must be sent once")
        headers[name] = value
    return headers
