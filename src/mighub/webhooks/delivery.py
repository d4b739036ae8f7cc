"""Sending each endpoint its events: in cursor order, at least once, one replica at a time.

The dispatcher claims endpoints that have something due (a lease in their row,
``Transaction.claim_webhooks``), and for each sends the events after its
position that its filters take, one at a time, over one kept-alive connection.
After a 2xx the position moves on (written in batches: a crash sends the last
few again, with the same ``webhook-id``, as at-least-once allows). A failure
schedules the next attempt by ``retry_schedule`` (with jitter; ``Retry-After``
is honoured on 429 and 503), and the endpoint waits: later events do not
overtake it. When the schedule is spent the event is given up (logged) and the
next one is tried; an endpoint failing without a break for ``disable_after`` is
disabled, and so is one answering 410 Gone, with a ``webhook_endpoint.disabled``
event either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from .. import __version__
from ..clock import now_us
from ..events import kinds
from ..events.log import event_id, to_json
from ..store.engine import Store
from ..store.rows import Event, WebhookEndpoint
from ..store.transaction import Transaction
from . import signing
from .safety import OutboundPolicy, Refused, check_destination

log = logging.getLogger(__name__)

# Standard Webhooks' schedule: the wait before each attempt.
DEFAULT_SCHEDULE = (0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
TIMEOUT_SECONDS = 15.0
# An endpoint's lease outlasts several answers' timeouts, and is renewed while in use;
# a replica that dies holding one leaves it to the others after this long.
LEASE_TIMEOUTS = 4
ANSWER_KEPT = 1000  # characters of an answer kept in the attempt log
READ_BATCH = 100
FLUSH_EVERY = 50  # delivered events between two writes of an endpoint's position
FLUSH_SECONDS = 0.2
# The least time between two looks for endpoints to claim.
CLAIM_GAP = 0.05
# How long a replica keeps an endpoint with nothing to send before letting it go.
HOLD_IDLE_SECONDS = 5.0
# How long a host's addresses, once checked, are taken as they were.
RESOLVED_SECONDS = 10.0
MAX_RETRY_AFTER = 24 * 3600.0


@dataclass(frozen=True)
class WebhookSettings:
    retry_schedule: tuple[float, ...] = DEFAULT_SCHEDULE
    disable_after_seconds: float = 5 * 24 * 3600.0
    timeout_seconds: float = TIMEOUT_SECONDS
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    poll_seconds: float = 1.0
    concurrency: int = 16  # endpoints delivered to at once by one replica

    @property
    def lease_us(self) -> int:
        return int(self.timeout_seconds * LEASE_TIMEOUTS * 1_000_000)


@dataclass
class Answer:
    outcome: str  # delivered, failed, gone, refused
    status: int | None
    latency_us: int
    text: str | None
    retry_after: float | None = None


def endpoint_secrets(endpoint: WebhookEndpoint, now: int) -> list[str]:
    found = [endpoint.secret]
    until = endpoint.previous_secret_until_us
    if endpoint.previous_secret is not None and until is not None and until > now:
        found.append(endpoint.previous_secret)
    return found


def _json_list(raw: str) -> list[str]:
    value: list[str] = orjson.loads(raw)
    return value


class Sender:
    """Signs and POSTs one message; what came of it."""

    def __init__(self, settings: WebhookSettings) -> None:
        self.settings = settings
        self.client = httpx.AsyncClient(
            timeout=settings.timeout_seconds,
            follow_redirects=False,
            headers={"user-agent": f"mighub/{__version__} (webhooks)"},
        )
        self._checked: dict[str, float] = {}  # URL -> until when its check stands

    async def close(self) -> None:
        await self.client.aclose()

    async def _check(self, url: str) -> None:
        """``check_destination``, its answer kept RESOLVED_SECONDS per URL (a name is
        resolved off the event loop; an address literal needs no lookup)."""
        now = time.monotonic()
        if self._checked.get(url, 0.0) > now:
            return
        host = urlsplit(url).hostname or ""
        if _is_address(host):
            check_destination(url, self.settings.outbound)
        else:
            await asyncio.get_running_loop().run_in_executor(None, check_destination, url, self.settings.outbound)
        if len(self._checked) > 1000:
            self._checked.clear()
        self._checked[url] = now + RESOLVED_SECONDS

    async def send(self, endpoint: WebhookEndpoint, message_id: str, body: bytes) -> Answer:
        started = time.monotonic()
        try:
            await self._check(endpoint.url)
        except Refused as refused:
            return Answer("refused", None, 0, str(refused))
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signing.signature_header(
                endpoint_secrets(endpoint, now_us()), message_id, timestamp, body
            ),
        }
        try:
            async with self.client.stream("POST", endpoint.url, content=body, headers=headers) as response:
                text = await _start_of(response)
        except httpx.HTTPError as exc:
            return Answer("failed", None, _since(started), f"{type(exc).__name__}: {exc}"[:ANSWER_KEPT])
        status = response.status_code
        retry_after = _retry_after(response) if status in (429, 503) else None
        outcome = "delivered" if 200 <= status < 300 else "gone" if status == 410 else "failed"
        return Answer(outcome, status, _since(started), text, retry_after)


async def _start_of(response: httpx.Response) -> str:
    """The first ANSWER_KEPT characters of the answer, reading no more than that needs."""
    kept = b""
    async for chunk in response.aiter_raw():
        kept += chunk
        if len(kept) >= ANSWER_KEPT * 4:
            break
    return kept.decode("utf-8", "replace")[:ANSWER_KEPT]


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    return None


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1_000_000)


class Dispatcher:
    def __init__(self, store: Store, settings: WebhookSettings | None = None) -> None:
        self.store = store
        self.settings = settings or WebhookSettings()
        self._wakeup: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._arrivals = asyncio.Event()
        self._attempt_listeners: list[Callable[[str], None]] = []
        store.on_events(self._committed)

    def on_attempt(self, listener: Callable[[str], None]) -> None:
        """Call ``listener`` with the outcome of each delivery attempt (on the event loop)."""
        self._attempt_listeners.append(listener)

    def attempted(self, outcome: str) -> None:
        for listener in self._attempt_listeners:
            listener(outcome)

    def _committed(self) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self.wake)

    def wake(self) -> None:
        """Something may be due: claim endpoints, and tell those held that events arrived."""
        if self._wakeup is not None:
            self._wakeup.set()
        arrived, self._arrivals = self._arrivals, asyncio.Event()
        arrived.set()

    async def arrival(self, timeout: float) -> None:
        """Until this process next commits events (or is asked to look), or ``timeout``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._arrivals.wait(), timeout)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        sender = Sender(self.settings)
        running: set[asyncio.Task[None]] = set()
        try:
            while True:
                try:
                    free = self.settings.concurrency - len(running)
                    if free > 0 and await self.store.aread(lambda tx: tx.webhooks_due(now_us())):
                        for endpoint in await self._claim(free):
                            task = asyncio.create_task(self._serve(sender, endpoint))
                            running.add(task)
                            task.add_done_callback(running.discard)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the database may be away; try again later
                    log.warning("webhook delivery paused: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), self.settings.poll_seconds)
                # Wake-ups come with every commit: look at most every CLAIM_GAP.
                await asyncio.sleep(CLAIM_GAP)
                self._wakeup.clear()
        finally:
            for task in running:
                task.cancel()
            for task in running:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            await sender.close()

    async def _claim(self, limit: int) -> list[WebhookEndpoint]:
        now = now_us()
        until = now + self.settings.lease_us
        claimed: list[WebhookEndpoint] = await self.store.awrite(lambda tx: tx.claim_webhooks(now, until, limit))
        return claimed

    async def _serve(self, sender: Sender, endpoint: WebhookEndpoint) -> None:
        try:
            await _Delivery(self, sender, endpoint).run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("webhook delivery to %s paused: %s", endpoint.id, exc)
            with contextlib.suppress(Exception):
                await self.store.awrite(lambda tx: tx.update_webhook(endpoint.id, lease_until_us=0))


class _Delivery:
    """One turn of delivering to one endpoint, under its lease."""

    def __init__(self, dispatcher: Dispatcher, sender: Sender, endpoint: WebhookEndpoint) -> None:
        self.dispatcher = dispatcher
        self.store = dispatcher.store
        self.settings = dispatcher.settings
        self.sender = sender
        self.endpoint = endpoint
        self.position = endpoint.position
        self.attempts: list[dict[str, Any]] = []
        self.types = _json_list(endpoint.types)
        self.streams = _json_list(endpoint.streams)
        self.lease_until = endpoint.lease_until_us
        # Failed attempts at the event after ``position``, and since when it fails.
        self.failures = endpoint.attempts
        self.failing_since = endpoint.failing_since_us

    async def run(self) -> None:
        for cursor in await self.store.aread(lambda tx: tx.replays(self.endpoint.id)):
            await self._replay(cursor)
        last_flush = time.monotonic()
        delivered = 0
        idle_since: float | None = None
        while True:
            endpoint, events, caught_up_to = await self.store.aread(self._next_events)
            if endpoint is None or not endpoint.enabled:  # deleted or disabled meanwhile
                return
            self.endpoint = endpoint  # a rotated secret signs from the next event on
            if not events:
                moved = caught_up_to > self.position
                self.position = max(self.position, caught_up_to)
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= HOLD_IDLE_SECONDS:
                    await self._finish(self._healthy())
                    return
                if moved or self.attempts:
                    await self._flush(self._healthy())
                    last_flush = time.monotonic()
                await self._renew_lease()
                # Held while events keep coming: no claim per burst. Other
                # replicas' events are looked for every poll.
                await self.dispatcher.arrival(self.settings.poll_seconds)
                continue
            idle_since = None
            for event in events:
                await self._renew_lease()
                answer = await self._attempt(event)
                if answer.outcome == "delivered":
                    self.position = event.cursor
                    self.failures, self.failing_since = 0, None
                    delivered += 1
                    if delivered % FLUSH_EVERY == 0 or time.monotonic() - last_flush > FLUSH_SECONDS:
                        await self._flush(self._healthy())
                        last_flush = time.monotonic()
                    continue
                await self._failed(event, answer)
                return

    def _next_events(self, tx: Transaction) -> tuple[WebhookEndpoint | None, list[Event], int]:
        endpoint = tx.webhook(self.endpoint.account_id, self.endpoint.id)
        bounds = tx.event_log_bounds()
        prefixes = tuple(t[:-1] for t in self.types if t.endswith(".*"))
        exact = tuple(t for t in self.types if not t.endswith(".*"))
        events = tx.events_after(
            self.position,
            READ_BATCH,
            account_id=self.endpoint.account_id,
            types=exact,
            type_prefixes=prefixes,
            stream_names=self.streams,
        )
        # With fewer than asked for, nothing up to the log's last cursor is left.
        return endpoint, events, bounds.last_cursor if len(events) < READ_BATCH else self.position

    async def _attempt(self, event: Event, attempt: int | None = None) -> Answer:
        body = orjson.dumps(to_json(event))
        answer = await self.sender.send(self.endpoint, event_id(event.cursor), body)
        self.dispatcher.attempted(answer.outcome)
        self.attempts.append(
            {
                "endpoint_id": self.endpoint.id,
                "message_id": event_id(event.cursor),
                "cursor": event.cursor,
                "type": event.type,
                "attempt": attempt if attempt is not None else self.failures + 1,
                "at_us": now_us(),
                "status": answer.status,
                "latency_us": answer.latency_us,
                "outcome": answer.outcome,
                "answer": answer.text,
            }
        )
        return answer

    async def _replay(self, cursor: int) -> None:
        event = await self.store.aread(lambda tx: tx.event(cursor))
        if event is not None:
            await self._attempt(event, attempt=1)
        attempts, self.attempts = self.attempts, []

        def work(tx: Transaction) -> None:
            tx.record_attempts(attempts)
            tx.remove_replay(self.endpoint.id, cursor)

        await self.store.awrite(work)

    def _healthy(self) -> dict[str, Any]:
        return {"position": self.position, "attempts": 0, "failing_since_us": None, "next_attempt_us": 0}

    async def _renew_lease(self) -> None:
        now = now_us()
        if self.lease_until - now < self.settings.lease_us / 2:
            self.lease_until = now + self.settings.lease_us
            await self._flush({"lease_until_us": self.lease_until})

    async def _flush(self, values: dict[str, Any]) -> None:
        attempts, self.attempts = self.attempts, []
        endpoint_id = self.endpoint.id

        def work(tx: Transaction) -> None:
            tx.record_attempts(attempts)
            tx.update_webhook(endpoint_id, **values)

        await self.store.awrite(work)

    async def _finish(self, values: dict[str, Any]) -> None:
        """Write what this turn did and give the lease back."""
        await self._flush({**values, "lease_until_us": 0})

    async def _failed(self, event: Event, answer: Answer) -> None:
        now = now_us()
        endpoint = self.endpoint
        failing_since = self.failing_since or now
        if answer.outcome == "gone":
            await self._disable(f"the endpoint answered 410 Gone to event {event.cursor}")
            return
        if now - failing_since >= self.settings.disable_after_seconds * 1_000_000:
            await self._disable(f"every delivery failed for {self.settings.disable_after_seconds:g} s")
            return
        attempts = self.failures + 1
        schedule = self.settings.retry_schedule
        values: dict[str, Any] = {"failing_since_us": failing_since}
        if attempts >= len(schedule):  # its retries are spent: give it up, go on with the next
            log.warning("webhook %s gave up on event %d after %d attempts", endpoint.id, event.cursor, attempts)
            values.update(position=event.cursor, attempts=0, next_attempt_us=now)
        else:
            wait = _jittered(schedule[attempts])
            if answer.retry_after is not None:
                wait = max(wait, answer.retry_after)
            values.update(position=self.position, attempts=attempts, next_attempt_us=now + int(wait * 1_000_000))
        await self._finish(values)

    async def _disable(self, reason: str) -> None:
        endpoint = self.endpoint
        attempts, self.attempts = self.attempts, []

        def work(tx: Transaction) -> None:
            tx.record_attempts(attempts)
            tx.update_webhook(
                endpoint.id, enabled=False, disabled_reason=reason, position=self.position, lease_until_us=0
            )
            data = {"EndpointId": endpoint.id, "Url": endpoint.url, "Reason": reason}
            tx.emit(endpoint.account_id, kinds.WEBHOOK_DISABLED, data, at_us=now_us())

        await self.store.awrite(work)
        log.warning("webhook %s disabled: %s", endpoint.id, reason)


def _jittered(seconds: float) -> float:
    """The wait, give or take 10 %, so endpoints that failed together do not retry together."""
    return seconds * random.uniform(0.9, 1.1) if seconds > 0 else 0.0
