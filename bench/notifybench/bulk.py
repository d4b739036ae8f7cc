"""Filling a store with many tasks at once, for part 2 (10k to 1M tasks).

Over HTTP that would take minutes, so the tasks go straight into the database
with the hub stopped, written through the store's own table definitions
(``mighub.store.schema``): a renamed or added column fails here, loudly, rather
than leaving rows the hub reads differently. Each task gets a current state and
the one recorded update that state came from, as ``NotifyMigrationTaskState``
would have left them; the stale deadline comes from the hub's own rule.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event, func, insert, select

from mighub.provider.pagination import Tokens
from mighub.provider.tasks import TASKS, stale_at_us
from mighub.store.dialect import normalize_url
from mighub.store.engine import Store
from mighub.store.schema import streams, task_updates, tasks

from .common import task_name

STATUS = "IN_PROGRESS"
STATUS_DETAIL = "Copying image data"
NEXT_UPDATE_SECONDS = 86_400  # a day: no loaded task turns stale during a run
CHUNK = 50_000  # tasks per transaction


def progress(i: int) -> int:
    """The ProgressPercent of the ``i``-th loaded task."""
    return i % 101


def _engine(url: str) -> Engine:
    engine = create_engine(normalize_url(url))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _fast(dbapi_conn: Any, _record: Any) -> None:
            # A fill to measure against, not data to keep: a crash mid-load
            # means loading again, so no fsync per transaction.
            dbapi_conn.execute("PRAGMA synchronous=OFF")

    return engine


def _columns(table: Table, names: Iterable[str]) -> None:
    """SQLAlchemy ignores a parameter that names no column; here it is a mistake."""
    unknown = set(names) - set(table.c.keys())
    if unknown:
        raise KeyError(f"{table.name} has no column {', '.join(sorted(unknown))}")


def bulk_load(url: str, stream: str, count: int, *, first_update_us: int | None = None, chunk: int = CHUNK) -> float:
    """Add ``count`` tasks named ``task_name(0)`` … to the existing stream
    ``stream`` of the store at ``url`` (no hub may be running on it); the
    seconds it took.

    Task ``i`` is IN_PROGRESS at ``progress(i)`` percent, updated at
    ``first_update_us + i`` (default: an hour ago) and due to report again in a
    day. The database numbers the rows, as it does for the hub.
    """
    began = time.perf_counter()
    if first_update_us is None:
        first_update_us = int(time.time() * 1_000_000) - 3_600_000_000
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            with conn.begin():
                stream_id, account_id = conn.execute(
                    select(streams.c.id, streams.c.account_id).where(streams.c.name == stream)
                ).one()
            for start in range(0, count, chunk):
                with conn.begin():
                    _load_chunk(
                        conn, stream_id, account_id, stream, range(start, min(start + chunk, count)), first_update_us
                    )
            if engine.dialect.name == "sqlite":
                # Leave the data in the database file, not in a large WAL the
                # hub would replay at start.
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    return time.perf_counter() - began


def _load_chunk(
    conn: Connection, stream_id: int, account_id: str, stream: str, ids: range, first_update_us: int
) -> None:
    rows = []
    for i in ids:
        update_us = first_update_us + i
        rows.append(
            {
                "stream_id": stream_id,
                "account_id": account_id,
                "stream_name": stream,
                "name": task_name(i),
                "created_us": update_us,
                "status": STATUS,
                "status_detail": STATUS_DETAIL,
                "progress_percent": progress(i),
                "update_us": update_us,
                "next_update_seconds": NEXT_UPDATE_SECONDS,
                "stale_at_us": stale_at_us(STATUS, update_us, NEXT_UPDATE_SECONDS),
            }
        )
    _columns(tasks, rows[0])
    # The ids the database gives this chunk are above every id it holds now
    # (nothing else writes meanwhile): that is how its tasks are found again.
    before = conn.execute(select(func.coalesce(func.max(tasks.c.id), 0))).scalar_one()
    conn.execute(insert(tasks), rows)
    # Each task's history: the one update its current state came from, copied
    # from the task's own row so that the two cannot disagree.
    t = tasks.c
    history = {
        "task_id": t.id,
        "update_us": t.update_us,
        "received_us": t.update_us,
        "status": t.status,
        "status_detail": t.status_detail,
        "progress_percent": t.progress_percent,
        "next_update_seconds": t.next_update_seconds,
    }
    _columns(task_updates, history)
    conn.execute(
        insert(task_updates).from_select(
            list(history),
            select(*history.values()).where(t.id > before, t.stream_id == stream_id),
        )
    )


def deep_page_token(url: str, stream: str, after_task: str) -> str:
    """The ``NextToken`` a client would hold when its ListMigrationTasks listing
    (no filter) has just passed ``after_task`` of ``stream``: sealed with the
    store's own key, as the hub seals it (no hub need be running)."""
    store = Store(url, readers=1, writers=1, upgrade=False)
    try:
        account_id = store.read(
            lambda tx: tx.conn.execute(select(streams.c.account_id).where(streams.c.name == stream)).scalar_one()
        )
        pages = Tokens(store.token_key).pages(TASKS, account_id, None)  # None: no ResourceName filter
        return pages.seal([stream, after_task])
    finally:
        store.close()
