"""What one connection may cost the hub: time to send a request, header bytes, a slot.

uvicorn closes idle keep-alive connections, but a request whose headers or body
arrive slowly (or never) keeps its connection, and its file descriptor, for as
long as the client likes. Here each request gets a deadline from its first byte
(or from the connection's opening, for a client that sends nothing):

- headers not complete by then: the server answers 408 ``RequestTimeoutException``
  and closes the connection;
- body not complete by then: the application's ``receive`` raises
  ``RequestTimeoutException`` (see ``bounded_receive``), so the hub answers it as any
  error, and the connection is closed once that answer is written;
- a client that stops reading its answer for as long is cut off.

Headers larger than ``MAX_HEADER_BYTES`` are answered 431 (httptools would buffer
any amount), and over ``max_connections`` a new connection is answered 503
``ServiceUnavailableException`` at once and closed, so the hub's descriptors are
bounded whatever the clients do. This module holds the bounds and the
application's side; the connection's side is ``server.protocol``.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import orjson

from ..errors import RequestTimeoutException

try:
    import resource
except ImportError:  # not on Windows
    resource = None  # type: ignore[assignment]

DEFAULT_REQUEST_TIMEOUT = 15.0
DEFAULT_MAX_CONNECTIONS = 1000
MAX_HEADER_BYTES = 64 * 1024
# Descriptors the process needs besides its connections: the database, logs, the listener.
_RESERVED_DESCRIPTORS = 64
DEADLINE = "mighub.request_deadline"  # the scope extension the protocol sets


def default_max_connections() -> int:
    """``DEFAULT_MAX_CONNECTIONS``, or fewer when the open-file limit would not allow as many."""
    if resource is None:
        return DEFAULT_MAX_CONNECTIONS
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return DEFAULT_MAX_CONNECTIONS
    return max(1, min(DEFAULT_MAX_CONNECTIONS, soft - _RESERVED_DESCRIPTORS))


def bounded_receive(scope: dict[str, Any], receive: Any) -> Any:
    """``receive``, raising ``RequestTimeoutException`` once the request's deadline has passed.

    The deadline is the one the protocol set for this request; without one (another
    server, an in-process caller) ``receive`` is returned as it is. Once the body is
    complete, later calls are not bounded.
    """
    deadline = scope.get("extensions", {}).get(DEADLINE)
    if deadline is None:
        return receive
    complete = False

    async def bounded() -> Any:
        nonlocal complete
        if complete:
            return await receive()
        remaining = deadline["at"] - asyncio.get_running_loop().time()
        try:
            message = await asyncio.wait_for(receive(), max(remaining, 0.0))
        except TimeoutError:
            raise RequestTimeoutException(f"The request body did not arrive within {deadline['seconds']:g} s") from None
        complete = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    return bounded


def error_response(status: int, code: str, message: str) -> bytes:
    """A whole HTTP response carrying an AWS JSON error, written before any application runs."""
    body = orjson.dumps({"__type": code, "message": message})
    reason = {408: b"Request Timeout", 431: b"Request Header Fields Too Large", 503: b"Service Unavailable"}
    return b"".join(
        [
            b"HTTP/1.1 %d %s\r\n" % (status, reason.get(status, b"")),
            b"content-type: application/x-amz-json-1.1\r\n",
            b"content-length: %d\r\n" % len(body),
            b"x-amzn-requestid: " + str(uuid4()).encode() + b"\r\n",
            b"x-amzn-errortype: " + code.encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
    )
