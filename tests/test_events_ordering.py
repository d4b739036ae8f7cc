"""No reader of the event log ever misses an event or sees one twice.

Two replicas (two ``Store``s, each with its own writers and connections) over one
database commit events from many threads at once, while a reader tails the log
("everything after the last cursor I saw"), as the live feed and every resuming
client do. Every event committed must reach the reader exactly once, in cursor
order. On PostgreSQL this is the point: there a plain sequence would let a
transaction holding a lower number commit after one holding a higher, and a
tailing reader would skip it forever. On SQLite (one writer) it holds trivially,
and is checked all the same.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from mighub.store.engine import Store
from mighub.store.transaction import Transaction

WRITERS_PER_REPLICA = 6
UNITS_PER_WRITER = 150


def _unit(writer: int, n: int) -> Any:
    def work(tx: Transaction) -> None:
        # Several events per unit, and a row write first, as a notification makes.
        tx.create_account(f"{writer:012d}", n)
        for part in range(1 + n % 3):
            tx.emit(f"{writer:012d}", "migration_task.imported", {"n": n, "part": part}, at_us=n)

    return work


def test_a_tailing_reader_sees_every_event_once_in_order(databases: Any, tmp_path: Path) -> None:
    url = databases.fresh_url(tmp_path)
    replicas = [Store(url, writers=3), Store(url, writers=3)]
    stop = threading.Event()
    seen: list[int] = []

    def tail() -> None:
        reader = replicas[0]
        after = 0
        while True:
            finished = stop.is_set()  # read once more after the writers are done
            rows = reader.read(lambda tx, after=after: tx.events_after(after, 500))
            for row in rows:
                seen.append(row.cursor)
                after = row.cursor
            if finished and not rows:
                return

    def write(replica: Store, writer: int) -> None:
        for n in range(UNITS_PER_WRITER):
            replica.write(_unit(writer, n))

    reader = threading.Thread(target=tail)
    reader.start()
    writers = [
        threading.Thread(target=write, args=(replica, r * 100 + w))
        for r, replica in enumerate(replicas)
        for w in range(WRITERS_PER_REPLICA)
    ]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reader.join(timeout=60)
    assert not reader.is_alive()

    committed = replicas[1].read(lambda tx: [e.cursor for e in tx.events_after(0, 1_000_000)])
    expected = len(writers) * sum(1 + n % 3 for n in range(UNITS_PER_WRITER))
    assert len(committed) == expected
    assert committed == list(range(1, expected + 1))  # cursors are a run: none lost, none doubled
    missed = sorted(set(committed) - set(seen))
    assert not missed, f"the tailing reader never saw {len(missed)} committed events, e.g. {missed[:5]}"
    assert seen == committed  # and saw each exactly once, in order
    for replica in replicas:
        replica.close()
