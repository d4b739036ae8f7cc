"""The store: writers with group commit, a pool of readers.

Every write is a *unit of work*: a function that receives a ``Transaction`` and
does its checks and changes there, so a rule such as "the task must exist" is
decided inside the same transaction that changes it. Units of work queue up for
a writer thread (one on SQLite, a few on PostgreSQL), which runs whatever has
queued in one database transaction,
each unit inside its own savepoint (a unit that raises is rolled back alone),
commits once, and only then answers every caller. One commit (one fsync) is
shared by all concurrent writers: that is what makes durable writes cheap.

Reads run on a small thread pool, each in its own transaction, never blocking
the writer (SQLite in WAL mode; PostgreSQL MVCC).

Whoever wants to know what each commit did (the metrics) says so with
``on_commit``: after every committed batch, on the writer thread, it is told how
long the batch took, how many units it held and the types of the events it added.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from ..clock import now_us
from ..errors import InternalServerError, InvalidInputException, ServiceError, ServiceUnavailableException
from .dialect import hub_engine, is_refused_value, is_retryable, is_unavailable, normalize_url, profile
from .migrate import ensure_schema
from .transaction import Transaction

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[Transaction], T]

# How many queued units of work one transaction may take: bounds the latency a
# large batch adds to the first caller in it.
MAX_BATCH = 256

# How long to wait for a COMMIT that a lost connection left in progress.
COMMIT_STATUS_WAIT = 10.0
UNKNOWN_OUTCOME = (
    "The hub lost its database while committing this change and cannot tell yet whether it was applied; retry later"
)
_XACT_STATUS = text("SELECT pg_xact_status(CAST(:xid AS xid8))")


@dataclass(frozen=True)
class Commit:
    """What one committed batch did, for ``Store.on_commit`` listeners."""

    seconds: float  # from BEGIN until COMMIT returned
    units: int  # units of work in the batch (those that failed too: they shared its commit)
    event_types: list[str]  # one per event the batch appended to the log


@dataclass
class _Job:
    work: Work[Any]
    # A thread's caller waits on ``future``; an event loop's on ``waiter``.
    future: Future[Any] | None = None
    waiter: asyncio.Future[Any] | None = None


class _Undo(Exception):
    """A unit that failed with an answer for its caller: roll its savepoint back."""


class _CommitUnknown(Exception):
    """The connection failed during COMMIT: the batch may or may not have landed."""

    def __init__(
        self, outcomes: list[tuple[_Job, bool, Any]], transaction_id: str | None, cause: BaseException
    ) -> None:
        super().__init__(str(cause))
        self.outcomes = outcomes
        self.transaction_id = transaction_id
        self.cause = cause
        self.commit: Commit | None = None  # what it did, should it turn out to have landed


def _settle(outcomes: list[tuple[_Job, bool, Any]]) -> None:
    """Answer a batch's event-loop callers, on their loop."""
    for job, ok, value in outcomes:
        waiter = job.waiter
        if waiter is None or waiter.done():  # the caller may have gone
            continue
        if ok:
            waiter.set_result(value)
        else:
            waiter.set_exception(value)


class Store:
    """The database behind the hub. Thread-safe; one per process."""

    def __init__(self, url: str, *, readers: int = 4, writers: int | None = None, upgrade: bool = True) -> None:
        self.url = normalize_url(url)
        self.profile = profile(self.url)
        self.dialect = self.profile.name
        location = self.profile.location(self.url)
        if location is not None:
            location.parent.mkdir(parents=True, exist_ok=True)
        # Each writer holds one connection; readers share a small pool.
        self._write_engine = hub_engine(self.url, write=True)
        self._read_engine = hub_engine(self.url, write=False)
        with self._write_engine.begin() as conn:
            ensure_schema(conn, upgrade=upgrade)
            # The key that seals NextTokens (AES-256-SIV's 64 bytes): one per
            # database, so shared by every replica and kept across restarts.
            self.token_key = Transaction(conn).secret("tokens", new=secrets.token_bytes(64), now_us=now_us())
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._event_listeners: list[Callable[[], None]] = []
        self._commit_listeners: list[Callable[[Commit], None]] = []
        self._readers = ThreadPoolExecutor(max_workers=readers, thread_name_prefix="mighub-read")
        count = writers if writers is not None else self.profile.writers
        self._writers = [
            threading.Thread(target=self._write_loop, name=f"mighub-write-{i}", daemon=True) for i in range(count)
        ]
        for writer in self._writers:
            writer.start()
        self._closed = False

    def on_events(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` (on a writer thread: it must only wake something up)
        each time a transaction of this process commits events."""
        self._event_listeners.append(listener)

    def on_commit(self, listener: Callable[[Commit], None]) -> None:
        """Call ``listener`` (on a writer thread: it must be quick) after each
        batch this process commits."""
        self._commit_listeners.append(listener)

    def _report(self, commit: Commit | None) -> None:
        if commit is None:
            return
        for listener in self._commit_listeners:
            try:
                listener(commit)
            except Exception:
                log.exception("commit listener failed")

    def _events_committed(self) -> None:
        for listener in self._event_listeners:
            try:
                listener()
            except Exception:
                log.exception("event listener failed")

    # -- writes ------------------------------------------------------------------

    def write(self, work: Work[T]) -> T:
        """Run ``work`` in a write transaction; return once it is committed."""
        if self._closed:
            raise ServiceUnavailableException("The hub is shutting down")
        future: Future[T] = Future()
        self._jobs.put(_Job(work, future=future))
        return future.result()

    async def awrite(self, work: Work[T]) -> T:
        """``write`` for a coroutine: the event loop is not blocked meanwhile."""
        if self._closed:
            raise ServiceUnavailableException("The hub is shutting down")
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put(_Job(work, waiter=waiter))
        return await waiter

    # The writer's loop, step by step: take a batch, run it (each unit in its
    # savepoint), commit it (finding out what a lost COMMIT did), answer the callers.

    def _write_loop(self) -> None:
        conn = None
        while (batch := self._take_batch()) is not None:
            conn = self._write_batch(conn, batch)
        self._discard(conn)

    def _take_batch(self) -> list[_Job] | None:
        """Wait for a unit of work, then take those queued behind it, up to
        MAX_BATCH; None once the store is closing."""
        job = self._jobs.get()
        if job is None:
            return None
        batch = [job]
        while len(batch) < MAX_BATCH:
            try:
                more = self._jobs.get_nowait()
            except queue.Empty:
                break
            if more is None:
                self._jobs.put(None)  # finish this batch, then stop
                break
            batch.append(more)
        return batch

    def _write_batch(self, conn: Any, batch: list[_Job]) -> Any:
        """Run the batch until it is committed exactly once, or answer that the
        database is unavailable; return the connection to keep for the next."""
        # A connection that has been idle may have died with an earlier outage
        # (each writer only learns when it next uses its own): such a batch
        # gets one more try on a fresh connection before it is refused.
        tries = 1 if conn is None else 2
        while True:
            tries -= 1
            try:
                if conn is None:
                    conn = self._write_engine.connect()
                self._answer(self._run_and_commit(conn, batch))
                return conn
            except _CommitUnknown as unknown:
                # The connection went while COMMIT was on its way: the batch may
                # have landed. Running it again would record its notifications
                # twice (and answer a disassociation that did happen with "not
                # associated"), so first ask the database what became of it.
                log.warning("write batch of %d lost its connection while committing: %s", len(batch), unknown.cause)
                self._discard(conn)
                conn, landed = self._outcome(unknown.transaction_id, len(batch))
                if landed is None:
                    self._refuse(batch, UNKNOWN_OUTCOME)
                    return conn
                if landed:
                    self._events_committed()  # perhaps none; a wake-up too many costs a read
                    self._report(unknown.commit)
                    self._answer(unknown.outcomes)
                    return conn
                # Not committed: nothing of it is in the database, so running it
                # again is safe, like after any other failure.
            except Exception as exc:  # the database itself failed before COMMIT: nothing was committed
                log.warning("write batch of %d failed: %s", len(batch), exc)
                self._discard(conn)
                conn = None
            if tries <= 0:
                self._refuse(batch, "The hub's database is unavailable; retry later")
                return conn

    def _run_and_commit(self, conn: Any, batch: list[_Job]) -> list[tuple[_Job, bool, Any]]:
        # Another replica's transaction may deadlock with this one; the database
        # then aborts one of them, and the units of work, which read everything
        # they decide on, are simply run again.
        attempt = 1
        while True:
            try:
                return self._transact(conn, batch)
            except Exception as exc:
                if attempt == 5 or not is_retryable(exc):
                    raise
            attempt += 1

    def _transact(self, conn: Any, batch: list[_Job]) -> list[tuple[_Job, bool, Any]]:
        """Run the batch in one transaction; commit what succeeded.

        A batch of one needs no savepoint: if its unit fails, the whole
        transaction is rolled back instead (savepoints are a third of the
        statements of a notification).
        """
        started = time.perf_counter()
        transaction = conn.begin()
        try:
            tx = Transaction(conn)
            outcomes = self._run(tx, batch)
            if len(batch) == 1 and not outcomes[0][1]:
                transaction.rollback()
                return outcomes
            event_types = [event["type"] for event in tx.pending_events]  # append_events empties the list
            appended = tx.append_events()
            transaction_id = self.profile.transaction_id(tx.cursor)
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise
        try:
            self._commit(transaction, outcomes, transaction_id)
        except _CommitUnknown as unknown:
            unknown.commit = Commit(time.perf_counter() - started, len(batch), event_types)
            raise
        if appended is not None:
            self._events_committed()
        self._report(Commit(time.perf_counter() - started, len(batch), event_types))
        return outcomes

    @classmethod
    def _run(cls, tx: Transaction, batch: list[_Job]) -> list[tuple[_Job, bool, Any]]:
        """Run every unit; one that fails is undone alone, inside its savepoint."""
        if len(batch) == 1:
            return [cls._run_unit(tx, batch[0])]
        outcomes = []
        for job in batch:
            emitted = len(tx.pending_events)
            try:
                with tx.savepoint():
                    outcome = cls._run_unit(tx, job)
                    if not outcome[1]:
                        raise _Undo
            except _Undo:
                del tx.pending_events[emitted:]  # no event without its change
            outcomes.append(outcome)
        return outcomes

    @staticmethod
    def _run_unit(tx: Transaction, job: _Job) -> tuple[_Job, bool, Any]:
        """The unit's result, or the error to answer it with."""
        try:
            return job, True, job.work(tx)
        except ServiceError as exc:
            return job, False, exc
        except Exception as exc:
            if is_retryable(exc) or is_unavailable(exc):
                raise  # the whole batch is run again, or fails as unavailable
            refused = is_refused_value(exc)
            if refused is not None:
                return job, False, InvalidInputException(refused)
            log.exception("unit of work failed")
            return job, False, InternalServerError("The hub failed to apply the change")

    @staticmethod
    def _commit(transaction: Any, outcomes: list[tuple[_Job, bool, Any]], transaction_id: str | None) -> None:
        try:
            transaction.commit()
        except Exception as exc:
            if is_retryable(exc):
                raise  # the database refused the commit: nothing landed, run it again
            raise _CommitUnknown(outcomes, transaction_id, exc) from exc

    def _outcome(self, transaction_id: str | None, size: int) -> tuple[Any, bool | None]:
        """A fresh connection, and whether the transaction whose COMMIT was lost
        landed (None: cannot tell)."""
        conn = None
        try:
            conn = self._write_engine.connect()
            return conn, self._landed(conn, transaction_id)
        except Exception as exc:
            log.warning("cannot tell whether a write batch of %d was committed: %s", size, exc)
            self._discard(conn)
            return None, None

    def _landed(self, conn: Any, transaction_id: str | None) -> bool | None:
        """Whether the transaction was committed: True, False, or None when the
        database cannot say yet."""
        if transaction_id is None:
            # SQLite: a COMMIT that raised committed nothing. PostgreSQL: the
            # batch wrote nothing, so running it again doubles nothing.
            return False
        deadline = time.monotonic() + COMMIT_STATUS_WAIT
        while True:
            # The old server process may still be finishing the COMMIT it received.
            status: str | None = conn.execute(_XACT_STATUS, {"xid": transaction_id}).scalar()
            conn.rollback()
            if status in ("committed", "aborted"):
                return status == "committed"
            # NULL: too old for the database to remember, which a moment ago is not.
            if status is None or time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    @staticmethod
    def _discard(conn: Any) -> None:
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception:
                pass

    def _refuse(self, batch: list[_Job], message: str) -> None:
        error = ServiceUnavailableException(message)
        self._answer([(job, False, error) for job in batch])

    @staticmethod
    def _answer(outcomes: list[tuple[_Job, bool, Any]]) -> None:
        # Event-loop callers are answered with one wake-up of their loop per batch.
        loops = {job.waiter.get_loop() for job, _, _ in outcomes if job.waiter is not None}
        for loop in loops:
            with contextlib.suppress(RuntimeError):  # that loop has closed: nobody is waiting any more
                loop.call_soon_threadsafe(
                    _settle, [o for o in outcomes if o[0].waiter and o[0].waiter.get_loop() is loop]
                )
        for job, ok, value in outcomes:
            if job.future is None or job.future.done():
                continue
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)

    # -- reads -------------------------------------------------------------------

    def read(self, work: Work[T]) -> T:
        """Run ``work`` in a read-only transaction on the calling thread."""
        try:
            with self._read_engine.connect() as conn, conn.begin():
                return work(Transaction(conn))
        except ServiceError:
            raise
        except Exception as exc:
            refused = None if is_unavailable(exc) else is_refused_value(exc)
            if refused is not None:  # a value the database cannot even look up
                raise InvalidInputException(refused) from None
            if not (isinstance(exc, (OperationalError, DBAPIError)) or is_unavailable(exc)):
                raise
            log.warning("read failed: %s", exc)
            raise ServiceUnavailableException("The hub's database is unavailable; retry later") from None

    async def aread(self, work: Work[T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self.read, work)

    def ping(self) -> bool:
        try:
            with self._read_engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    # -- lifecycle ---------------------------------------------------------------

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for _ in self._writers:
            self._jobs.put(None)
        for writer in self._writers:
            writer.join()
        self._readers.shutdown(wait=True)
        self._write_engine.dispose()
        self._read_engine.dispose()
