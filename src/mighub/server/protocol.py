"""uvicorn's httptools protocol, bounded as ``server.limits`` describes.

The seam is the parser's callbacks: a request's deadline is armed when its first
byte is parsed (``on_message_begin``) and cleared once the whole body is
(``on_message_complete``); the header bytes are counted until the headers are
complete; the connection count is checked before the connection is taken.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .limits import DEADLINE, DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT, MAX_HEADER_BYTES, error_response

log = logging.getLogger(__name__)

_WARN_EVERY_SECONDS = 60.0


def protocol_class(request_timeout: float, max_connections: int) -> type[LimitedHttpToolsProtocol]:
    """uvicorn's httptools protocol with these bounds, to pass as ``uvicorn.Config(http=...)``."""
    return type(
        "LimitedHttpToolsProtocol",
        (LimitedHttpToolsProtocol,),
        {"request_timeout": request_timeout, "max_connections": max_connections},
    )


class _Refused(Exception):
    pass


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_header_bytes: int = MAX_HEADER_BYTES
    _last_warning = 0.0  # shared by all connections: one warning a minute when full

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline_timer: asyncio.TimerHandle | None = None
        self._write_timer: asyncio.TimerHandle | None = None
        self._refused = False
        self._begun = False  # a request has begun and is not yet wholly received
        self._in_headers = False
        self._header_bytes = 0
        self._expired = False

    # -- the connection ------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if len(self.server_state.connections) >= self.max_connections:
            self._refused = True
            self._warn_full()
            transport.write(
                error_response(
                    503,
                    "ServiceUnavailableException",
                    f"The hub is serving its limit of {self.max_connections} connections; retry shortly",
                )
            )
            transport.close()
            return
        super().connection_made(transport)
        self._arm()  # a connection that never sends a byte is timed out too

    def connection_lost(self, exc: Exception | None) -> None:
        if self._refused:
            return
        self._disarm()
        if self._write_timer is not None:
            self._write_timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)
        # httptools holds a header until it is complete: count what arrives meanwhile.
        if self._in_headers and not self.transport.is_closing():
            self._header_bytes += len(data)
            if self._header_bytes > self.max_header_bytes:
                self._refuse_headers()

    def send_400_response(self, msg: str) -> None:
        if not self.transport.is_closing():  # else the request was already answered
            super().send_400_response(msg)

    def _refuse_headers(self) -> None:
        self._close_with(
            error_response(
                431,
                "RequestEntityTooLargeException",
                f"The request headers are larger than the limit of {self.max_header_bytes} bytes",
            )
        )

    # -- the request's deadline ------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._begun, self._in_headers, self._header_bytes, self._expired = True, True, 0, False
        at = self._arm()
        self.scope["extensions"] = {DEADLINE: {"at": at, "seconds": self.request_timeout}}

    def on_headers_complete(self) -> None:
        self._in_headers = False
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.max_header_bytes:  # arrived whole, in one read
            self._refuse_headers()
            raise _Refused  # stops the parser: nothing more of this connection is read
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._begun = False
        self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._expired:  # answered 408 while the body was still due: nothing more to read
            self.transport.close()

    def _arm(self) -> float:
        self._disarm()
        at = self.loop.time() + self.request_timeout
        self._deadline_timer = self.loop.call_at(at, self._deadline_passed)
        return at

    def _disarm(self) -> None:
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
            self._deadline_timer = None

    def _deadline_passed(self) -> None:
        self._deadline_timer = None
        if self.transport.is_closing():
            return
        if self._in_headers:
            self._close_with(
                error_response(
                    408,
                    "RequestTimeoutException",
                    f"The request headers did not arrive within {self.request_timeout:g} s",
                )
            )
        elif self._begun and self.cycle is not None and not self.cycle.response_complete:
            # The application is reading the body; its receive() raises at this same
            # deadline and the hub answers 408, after which the connection is closed.
            self._expired = True
        else:
            # Nothing begun (an idle new connection), or a body still trickling in
            # after it was answered.
            self.transport.close()

    def _close_with(self, response: bytes) -> None:
        self._disarm()
        self.transport.write(response)
        self.transport.close()

    # -- a client that does not read its answer ---------------------------------------

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(self.request_timeout, self._write_stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def _write_stalled(self) -> None:
        self._write_timer = None
        # close() would wait for the unread answer to drain: abort drops it.
        self.transport.abort()

    @classmethod
    def _warn_full(cls) -> None:
        now = time.monotonic()
        if now - LimitedHttpToolsProtocol._last_warning >= _WARN_EVERY_SECONDS:
            LimitedHttpToolsProtocol._last_warning = now
            log.warning("refusing new connections: %d are open, the limit (--max-connections)", cls.max_connections)
