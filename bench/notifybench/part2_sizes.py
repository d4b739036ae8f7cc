"""Part 2: mighub with 10k to 1M tasks already in the store.

Per size: a fresh data dir where a short-lived server creates the schema and
the stream, the server stopped, the tasks bulk-loaded (``bulk``), then the
server's start time, ListMigrationTasks latency and RSS; then notify loads of
every size's server, interleaved at each connection count, and how flat the
figures stay from the smallest size to the largest.
"""

from __future__ import annotations

import http.client
import statistics
import time
from typing import Any

from .bulk import bulk_load, deep_page_token
from .common import STREAM, Run, mgh, show_size, task_name
from .report import HEADER, load_row, mib, verdict
from .servers import DB_FILE, Server, mighub_server, stop_all
from .wrk import notify, warm


def list_latency(port: int, next_token: str | None, reps: int) -> dict[str, float]:
    """``reps`` sequential ListMigrationTasks calls for one page of 100, on one
    keep-alive connection: p50 and max, ms."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    body: dict[str, Any] = {"MaxResults": 100}
    if next_token:
        body["NextToken"] = next_token
    times = []
    for _ in range(reps):
        began = time.perf_counter()
        data = mgh(port, "ListMigrationTasks", body, conn)
        times.append((time.perf_counter() - began) * 1000)
        if len(data["MigrationTaskSummaryList"]) != 100:
            raise RuntimeError(f"ListMigrationTasks gave {len(data['MigrationTaskSummaryList'])} tasks, not 100")
    conn.close()
    times.sort()
    return {"p50_ms": statistics.median(times), "max_ms": times[-1]}


def _prepare(run: Run, n: int) -> tuple[Server, dict[str, Any]]:
    """A store of ``n`` tasks and its server, started; its first figures."""
    tag = show_size(n)
    data_dir = run.work / f"data-{tag}"
    setup = mighub_server(data_dir, run.logs, f"{tag}-setup")
    try:
        setup.start()
        mgh(setup.port, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": STREAM})
    finally:
        setup.stop()
    url = f"sqlite:///{data_dir / DB_FILE}"
    load_s = bulk_load(url, STREAM, n)
    db_mib = sum(p.stat().st_size for p in data_dir.iterdir()) / 2**20
    # What a client holds halfway through the listing.
    middle = deep_page_token(url, STREAM, task_name(n // 2 - 1))
    mh = mighub_server(data_dir, run.logs, tag)
    mh.start()
    try:
        first = list_latency(mh.port, None, run.list_reps)
        deep = list_latency(mh.port, middle, run.list_reps)
    except BaseException:
        mh.stop()
        raise
    rss_idle = mh.rss_kib("VmRSS")
    figures: dict[str, Any] = {
        "bulk_load_s": load_s,
        "db_mib": db_mib,
        "start_s": mh.start_seconds,
        "rss_idle_kib": rss_idle,
        "list_first": first,
        "list_deep": deep,
        "notify": {},
    }
    print(
        f"\n  {tag} tasks: loaded in {load_s:.1f} s ({db_mib:.0f} MiB on disk); server start {mh.start_seconds:.3f} s; "
        f"RSS after start {mib(rss_idle)}"
    )
    print(
        f"    ListMigrationTasks (100 per page, {run.list_reps} calls): first page p50 {first['p50_ms']:.2f} ms "
        f"(max {first['max_ms']:.2f}), deep page (token from the middle) p50 {deep['p50_ms']:.2f} ms "
        f"(max {deep['max_ms']:.2f})"
    )
    return mh, figures


def store_sizes(run: Run) -> bool:
    """True when every notify answered 200."""
    print("\n2. mighub with tasks already in the store (bulk-loaded with direct SQL, server stopped)")
    per_size: dict[int, dict[str, Any]] = {}
    running: dict[int, Server] = {}
    ok = True
    try:
        for n in run.sizes:
            running[n], per_size[n] = _prepare(run, n)
        for n, mh in running.items():
            warm(mh.url, "notify.lua", [str(n), STREAM], run.threads)
        print("\n  notify, each request to a random one of the stored tasks (sizes interleaved at each count)")
        print(HEADER.replace("server            ", "tasks in store    "))
        for c in run.conns:
            for n, mh in running.items():
                load = notify(mh.url, n, c, run.duration, run.threads)
                per_size[n]["notify"][str(c)] = vars(load)
                ok &= load.clean
                print(load_row(show_size(n), load, mh.rss_kib()), flush=True)
        for n, mh in running.items():
            per_size[n]["rss_peak_kib"] = mh.rss_kib()
    finally:
        stop_all(running.values())
    run.results["sizes"] = {show_size(n): v for n, v in per_size.items()}
    if len(per_size) > 1:
        _flatness(run, per_size)
    return ok


def _flatness(run: Run, per_size: dict[int, dict[str, Any]]) -> None:
    lo, hi = min(per_size), max(per_size)
    a, b = per_size[lo], per_size[hi]
    print(f"\n  flatness, {show_size(lo)} → {show_size(hi)} tasks (target: within 20 %)")
    for c in run.conns:
        la, lb = a["notify"][str(c)], b["notify"][str(c)]
        dr = lb["rps"] / la["rps"] - 1
        dp = lb["p99_ms"] / la["p99_ms"] - 1
        print(
            f"    {c:>3} conns: req/s {dr:+.0%} ({verdict(abs(dr) <= 0.2)}), p99 {dp:+.0%} ({verdict(abs(dp) <= 0.2)})"
        )
    drss = b["rss_peak_kib"] / a["rss_peak_kib"] - 1
    print(f"    peak RSS {drss:+.0%} ({verdict(abs(drss) <= 0.2)})")
    for key in ("list_first", "list_deep"):
        d = b[key]["p50_ms"] / a[key]["p50_ms"] - 1
        print(f"    ListMigrationTasks {key[5:]} page p50 {d:+.0%} ({verdict(abs(d) <= 0.2)})")
    print(f"    server start at {show_size(hi)}: {b['start_s']:.3f} s (target under 1 s: {verdict(b['start_s'] < 1)})")
