"""What one durable commit costs on this disk now: read next to the figures."""

from __future__ import annotations

import sqlite3
import statistics
import time
from pathlib import Path


def flush_latency(directory: Path, commits: int = 200) -> dict[str, float]:
    """Commit latency of a tiny SQLite transaction with mighub's durability
    settings (WAL, synchronous=FULL) in ``directory``: what one group commit
    costs on this disk right now, which varies with the machine's load."""
    path = directory / "flush.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    times = []
    for _ in range(commits):
        began = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (v) VALUES (?)", ("x" * 200,))
        db.execute("COMMIT")
        times.append((time.perf_counter() - began) * 1000)
    db.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    times.sort()
    return {"p50_ms": statistics.median(times), "p99_ms": times[int(len(times) * 0.99) - 1]}
