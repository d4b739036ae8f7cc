"""What the hub counts, in the Prometheus text format: ``GET /_mighub/metrics``.

Each ``App`` has a registry of its own (never the library's global one), so
several hubs in one process count apart. The figures come from where things
happen:

- the request pipeline, once per request (``request``): one dict lookup, a
  counter increment and a histogram observation;
- the store's writers, once per committed batch (``Store.on_commit``): its
  duration, its size, and the events it appended, by type;
- the live feed, at scrape time: its subscribers (connected SSE clients);
- the webhook dispatcher, once per delivery attempt: its outcome;
- the database, at scrape time: tasks by status and the stale ones, one grouped
  query over an index, its answer kept ``TASK_COUNTS_TTL`` seconds so that many
  scrapes (or many replicas scraped at once) cost one query.

No label names a task, a stream, an application or an account: every label has
a handful of values (operations, error codes, statuses, event types). To count
something more, declare it in ``Metrics.__init__`` on ``self.registry`` and give
the code that sees it happen a method here to call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .. import __version__
from ..clock import now_us
from ..events import kinds
from ..models import task_statuses
from ..store.engine import Commit
from ..store.transaction import Transaction

log = logging.getLogger(__name__)

# The text format every Prometheus version reads.
CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"
# How long the task counts, read from the database, are served before being read again.
TASK_COUNTS_TTL = 5.0
# The label of a request that succeeded (error_code), and of a task never notified (status).
NONE = "none"
# The operation label of a request that never named one the hub serves (an unknown
# target or path, a refused Host): never the path itself, which the client chooses.
UNKNOWN = "unknown"

REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
COMMIT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
WEBHOOK_OUTCOMES = ("delivered", "failed", "gone", "refused")


class Metrics:
    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self.registry = registry = CollectorRegistry()
        self._requests = Counter(
            "mighub_requests",
            "Requests answered by this replica, by operation and error code (none: success)",
            ("operation", "error_code"),
            registry=registry,
        )
        self._durations = Histogram(
            "mighub_request_duration_seconds",
            "Time from a request's arrival to the end of its answer, by operation",
            ("operation",),
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        # (operation, error code) -> its counter and histogram, so a request costs one lookup.
        self._per_request: dict[tuple[str, str], tuple[Any, Any]] = {}
        self._events = Counter(
            "mighub_events",
            "Events this replica committed to the log, by type",
            ("type",),
            registry=registry,
        )
        self._per_type = {kind: self._events.labels(kind) for kind in kinds.TYPES}
        self._commit_seconds = Histogram(
            "mighub_store_commit_duration_seconds",
            "Time a write batch of this replica took, from BEGIN until COMMIT returned",
            buckets=COMMIT_BUCKETS,
            registry=registry,
        )
        self._batch_units = Histogram(
            "mighub_store_batch_size",
            "Units of work (API writes, background batches) committed together in one transaction",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        Gauge(
            "mighub_sse_clients", "Event streams (Server-Sent Events) open on this replica", registry=registry
        ).set_function(lambda: hub.feed.subscribers)
        Info("mighub_build", "The mighub version this replica runs", registry=registry).info({"version": __version__})
        # The task counts as last read, shown by ``_TaskGauges``; None while the database is away.
        self._counted: _TaskCounts | None = None
        self._counting = asyncio.Lock()
        registry.register(_TaskGauges(self))
        hub.store.on_commit(self._committed)
        deliveries = Counter(
            "mighub_webhook_deliveries",
            "Webhook delivery attempts by this replica, by outcome (delivered, failed, gone, refused)",
            ("outcome",),
            registry=registry,
        )
        self._per_outcome = {outcome: deliveries.labels(outcome) for outcome in WEBHOOK_OUTCOMES}
        hub.webhooks.on_attempt(self._attempted)

    def request(self, operation: str | None, error_code: str | None, seconds: float) -> None:
        """One request answered (on the event loop)."""
        key = (operation or UNKNOWN, error_code or NONE)
        found = self._per_request.get(key)
        if found is None:
            found = self._per_request[key] = (self._requests.labels(*key), self._durations.labels(key[0]))
        found[0].inc()
        found[1].observe(seconds)

    def _attempted(self, outcome: str) -> None:
        """One webhook delivery attempt made (on the event loop)."""
        counter = self._per_outcome.get(outcome)
        if counter is not None:
            counter.inc()

    def _committed(self, commit: Commit) -> None:
        """One batch committed (on a writer thread)."""
        self._commit_seconds.observe(commit.seconds)
        self._batch_units.observe(commit.units)
        for kind in commit.event_types:
            counter = self._per_type.get(kind)
            if counter is None:  # a type this module was not told of: still counted
                counter = self._per_type.setdefault(kind, self._events.labels(kind))
            counter.inc()

    async def exposition(self) -> bytes:
        """Every metric, as Prometheus reads them."""
        await self._task_counts()
        return generate_latest(self.registry)

    async def _task_counts(self) -> _TaskCounts | None:
        async with self._counting:  # concurrent scrapes wait for one query
            counted = self._counted
            if counted is not None and time.monotonic() - counted.at < TASK_COUNTS_TTL:
                return counted
            try:
                rows = await self.hub.store.aread(_count_tasks)
            except Exception as exc:
                log.warning("metrics: cannot count tasks: %s", exc)
                self._counted = None
                return None
            by_status = {status or NONE: n for status, (n, _) in rows.items()}
            self._counted = _TaskCounts(time.monotonic(), by_status, sum(late for _, late in rows.values()))
            return self._counted


def _count_tasks(tx: Transaction) -> dict[str | None, tuple[int, int]]:
    return tx.count_tasks(now_us())


@dataclass(frozen=True)
class _TaskCounts:
    at: float  # time.monotonic() when they were read
    by_status: dict[str, int]
    stale: int


class _TaskGauges(Collector):
    """The task counts last read from the database; nothing at all while it is away
    (rather than figures that are no longer true)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._statuses = (*task_statuses(), NONE)

    def describe(self) -> Iterable[Metric]:
        return []  # no names to reserve: nothing else in the registry is called so

    def collect(self) -> Iterable[Metric]:
        counts = self._metrics._counted
        if counts is None:
            return
        tasks = GaugeMetricFamily(
            "mighub_migration_tasks",
            "Migration tasks in the database, by status (none: never notified); the same on every replica",
            labels=("status",),
        )
        for status in self._statuses:
            tasks.add_metric((status,), counts.by_status.get(status, 0))
        yield tasks
        yield GaugeMetricFamily(
            "mighub_migration_tasks_stale",
            "Migration tasks past their promised update (UpdateDateTime + NextUpdateSeconds), "
            "neither COMPLETED nor FAILED; the same on every replica",
            value=counts.stale,
        )


@dataclass
class Exposition:
    """The metrics endpoint's answer."""

    body: bytes

    async def send(self, send: Any, receive: Any, request_id: str) -> None:
        headers = [
            (b"content-type", CONTENT_TYPE),
            (b"content-length", str(len(self.body)).encode()),
            (b"cache-control", b"no-store"),
            (b"x-amzn-requestid", request_id.encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})
