"""``GET /_mighub/events``: the event log as Server-Sent Events (the HTML standard's
``text/event-stream``).

Each event goes out as ``id:`` (its cursor), ``event:`` (its type) and ``data:``
(its JSON). A reader resumes where it stopped with ``Last-Event-ID`` (which a
browser's ``EventSource`` sends by itself on reconnecting) or ``?after=CURSOR``;
without either it is sent what happens from now on. It first catches up from
the durable log, then follows the live feed, so a reconnection misses nothing
and repeats nothing. A cursor older than the log keeps gets an ``event: resync``
(re-read the state, then carry on from the cursor in its ``id:``). A comment
line every ``heartbeat`` seconds keeps proxies from closing an idle stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from typing import Any

import orjson

from ..context import RequestContext
from ..events.feed import Feed
from ..events.log import Filter, Page, read_page, to_json
from ..store.engine import Store
from ..store.rows import Event
from ..store.transaction import Transaction

HEARTBEAT_SECONDS = 15.0
# What a browser waits before reconnecting, in milliseconds.
RETRY_MS = 3000
CATCH_UP_PAGE = 500

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
]


@functools.lru_cache(maxsize=4096)
def frame(event: Event) -> bytes:
    """One event in the text/event-stream format (the JSON is one line); made
    once for every stream it is sent on."""
    data = orjson.dumps(to_json(event))
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event.cursor, event.type.encode(), data)


def resync_frame(cursor: int) -> bytes:
    data = orjson.dumps(
        {
            "cursor": str(cursor),
            "message": "Events after the given cursor are no longer kept: re-read the state, "
            "then follow the events from this cursor",
        }
    )
    return b"id: %d\nevent: resync\ndata: %s\n\n" % (cursor, data)


class EventStream:
    """One reader's stream, from ``after`` (None: from now on)."""

    def __init__(
        self,
        store: Store,
        feed: Feed,
        ctx: RequestContext,
        wanted: Filter,
        visible: Callable[[Event], bool],
        after: int | None,
        *,
        heartbeat: float = HEARTBEAT_SECONDS,
    ) -> None:
        self.store, self.feed, self.ctx = store, feed, ctx
        self.wanted, self.visible = wanted, visible
        self.after = after
        self.heartbeat = heartbeat

    async def run(self, send: Any, receive: Any, extra_headers: list[tuple[bytes, bytes]]) -> None:
        subscription = await self.feed.subscribe(lambda e: self.wanted.accepts(e) and self.visible(e))
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS + extra_headers})
            await send({"type": "http.response.body", "body": b"retry: %d\n\n" % RETRY_MS, "more_body": True})
            last = self.after if self.after is not None else subscription.position
            if self.after is not None:
                last = await self._catch_up(send, last, subscription.position)
            while not gone.done():
                waiting = asyncio.ensure_future(subscription.wait(self.heartbeat))
                await asyncio.wait([waiting, gone], return_when=asyncio.FIRST_COMPLETED)
                if gone.done():
                    waiting.cancel()
                    break
                if subscription.closed:
                    break
                if subscription.overflowed:
                    subscription.overflowed = False
                    assert self.feed.position is not None
                    last = await self._catch_up(send, last, self.feed.position)
                chunk = []
                while subscription.events:
                    event = subscription.events.popleft()
                    if event.cursor > last:
                        chunk.append(frame(event))
                        last = event.cursor
                # A comment when there was nothing to send: proxies see the stream alive.
                body = b"".join(chunk) or b": heartbeat\n\n"
                await send({"type": "http.response.body", "body": body, "more_body": True})
            if not gone.done():
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.feed.unsubscribe(subscription)
            gone.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await gone

    async def _catch_up(self, send: Any, last: int, until: int) -> int:
        """Send what the log holds after ``last``, at least up to ``until``."""
        while last < until:
            page = await self.store.aread(functools.partial(self._page, after=last))
            if page.resync:
                await send({"type": "http.response.body", "body": resync_frame(page.cursor), "more_body": True})
            elif page.events:
                body = b"".join(frame(e) for e in page.events)
                await send({"type": "http.response.body", "body": body, "more_body": True})
            if page.cursor <= last and not page.resync:
                break  # nothing more to read (cannot happen while last < until; never spin)
            last = page.cursor
        return last

    def _page(self, tx: Transaction, *, after: int) -> Page:
        # The ARNs events are filtered by carry the account's home region.
        self.ctx.arn_region = self.ctx.arn_region_for(tx.home_region(self.ctx.account_id))
        return read_page(tx, after, CATCH_UP_PAGE, self.ctx.account_id, self.wanted, self.visible)


async def _disconnected(receive: Any) -> None:
    """Returns once the client has gone."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
