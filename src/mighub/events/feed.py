"""The live tail of the event log, shared by every stream a process serves.

One task per process reads what was appended to the log, whoever appended it:
at once when this process commits events (the store says so), and every
``poll_seconds`` for what other replicas commit. Each subscriber gets the
events in cursor order in its own bounded buffer; one that falls too far behind
is dropped to catch up from the database itself, so a slow client costs memory
only up to the bound and never slows the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import deque
from collections.abc import Callable

from ..store.engine import Store
from ..store.rows import Event
from ..store.transaction import Transaction

log = logging.getLogger(__name__)

READ_BATCH = 1000
# Events a subscriber may have waiting before it is made to catch up from the log.
BUFFER = 10_000


class Subscription:
    """What one live reader is sent: events in cursor order, after ``position``."""

    def __init__(self, position: int, accepts: Callable[[Event], bool]) -> None:
        # The feed's position when this subscription began: the reader catches up
        # from the log to here itself, and is sent what follows.
        self.position = position
        self.accepts = accepts
        self.events: deque[Event] = deque()
        self.overflowed = False  # events were dropped: catch up from the log again
        self.closed = False  # the hub is shutting down
        self._wakeup = asyncio.Event()

    def offer(self, events: list[Event]) -> None:
        events = [e for e in events if self.accepts(e)]
        if not events:
            return
        if len(self.events) + len(events) > BUFFER:
            self.events.clear()
            self.overflowed = True
        else:
            self.events.extend(events)
        self._wakeup.set()

    def close(self) -> None:
        self.closed = True
        self._wakeup.set()

    async def wait(self, timeout: float) -> None:
        """Until there is something to send (or to do), or ``timeout`` passes."""
        if not self.events and not self.overflowed and not self.closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout)
        self._wakeup.clear()


class Feed:
    def __init__(self, store: Store, *, poll_seconds: float = 0.5) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self.position: int | None = None  # the last cursor read; None until running
        self._subscribers: set[Subscription] = set()
        self._wakeup: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Event | None = None
        store.on_events(self._committed)

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def _committed(self) -> None:
        """Called on a writer thread when this process committed events."""
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(wakeup.set)

    async def subscribe(self, accepts: Callable[[Event], bool]) -> Subscription:
        """Be sent, from now on, the events ``accepts`` takes."""
        if self._ready is None:
            raise RuntimeError("the event feed is not running")
        await self._ready.wait()
        if not self._subscribers:
            # The tail is not read while nobody follows it: start from the log's end.
            self.position = (await self.store.aread(lambda tx: tx.event_log_bounds())).last_cursor
        assert self.position is not None
        subscription = Subscription(self.position, accepts)
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscribers.discard(subscription)

    def close(self) -> None:
        """End every subscription: the hub is shutting down."""
        for subscription in list(self._subscribers):
            subscription.close()

    async def run(self) -> None:
        """Tail the log, forever (until cancelled)."""
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._ready = asyncio.Event()
        while self.position is None:
            try:
                self.position = (await self.store.aread(lambda tx: tx.event_log_bounds())).last_cursor
            except Exception as exc:  # the database may be away; try again
                log.warning("event feed waiting for the database: %s", exc)
                await asyncio.sleep(self.poll_seconds)
        self._ready.set()
        while True:
            try:
                await self._read_new()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("event feed paused: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self.poll_seconds)
            self._wakeup.clear()

    async def _read_new(self) -> None:
        while self._subscribers:  # nobody follows: nothing to read for
            after = self.position
            assert after is not None
            events = await self.store.aread(functools.partial(_new_events, after=after))
            if not events:
                return
            self.position = events[-1].cursor
            for subscription in list(self._subscribers):
                subscription.offer(events)
            if len(events) < READ_BATCH:
                return


def _new_events(tx: Transaction, *, after: int) -> list[Event]:
    return tx.events_after(after, READ_BATCH)
