"""The NotifyMigrationTaskState benchmark: mighub beside the floor and moto.

One command, on loopback, in one run (see BENCHMARKS.md):

    python bench/notify.py            # default: ~5 minutes
    python bench/notify.py --quick    # short durations, 10k only: a smoke run
    python bench/notify.py --sizes 10k,100k,1M

1. Three servers side by side, each loaded in turn with wrk at 16 and 64
   connections: the floor (bench/floor.py: bare ASGI app, same stack), moto's
   server (DynamoDB PutItem of a comparable item) and ``mighub serve`` (fresh
   data dir, default settings, one stream, ``--tasks`` imported tasks); req/s,
   p50, p99 and peak RSS of each, then mighub's ratios.
2. For each of ``--sizes``: a fresh store bulk-loaded with that many tasks (the
   server stopped), the server's start time, ListMigrationTasks first-page and
   deep-page latency, notify figures and RSS.
3. Notify without and with an auth file (every request signed).
4. PostgreSQL, one replica and two, beside SQLite (needs MIGHUB_BENCH_DATABASE_URL).

Each part is a module of bench/notifybench/. Needs: wrk on PATH, and the
``bench`` extra (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from notifybench.common import Run, parse_size
from notifybench.disk import flush_latency
from notifybench.part1_reference import side_by_side
from notifybench.part2_sizes import store_sizes
from notifybench.part3_auth import auth_cost
from notifybench.part4_postgres import postgres_replicas


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short smoke run: 3 s loads, sizes 10k only")
    parser.add_argument("--duration", type=float, default=None, help="seconds per wrk load (default 10; quick 3)")
    parser.add_argument("--connections", default="16,64", help="wrk connection counts (default 16,64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2, one per core)")
    parser.add_argument(
        "--tasks", type=int, default=1000, help="tasks imported over HTTP for parts 1, 3 and 4 (default 1000)"
    )
    parser.add_argument(
        "--sizes", default=None, help="store sizes for part 2 (default 10k,100k; quick 10k; e.g. 10k,100k,1M)"
    )
    parser.add_argument("--list-reps", type=int, default=50, help="ListMigrationTasks calls per figure (default 50)")
    parser.add_argument("--skip-reference", action="store_true", help="skip part 1 (floor, moto, mighub side by side)")
    parser.add_argument(
        "--parts",
        default="1,2,3",
        help="which parts to run: 1 side by side, 2 store sizes, 3 auth, 4 PostgreSQL replicas (default 1,2,3)",
    )
    parser.add_argument("--json", type=Path, default=None, help="also write every figure to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (data dirs, server logs)")
    return parser.parse_args()


def main() -> int:
    args = arguments()
    if shutil.which("wrk") is None:
        print("bench: wrk is not on PATH (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    parts = {int(p) for p in args.parts.split(",")}
    if args.skip_reference:
        parts.discard(1)
    work = Path(tempfile.mkdtemp(prefix="mighub-bench-", dir=os.environ.get("BENCH_TMP", "/var/tmp")))
    run = Run(
        work=work,
        logs=work / "logs",
        conns=[int(c) for c in args.connections.split(",")],
        duration=args.duration or (3 if args.quick else 10),
        threads=args.threads,
        tasks=args.tasks,
        sizes=[parse_size(s) for s in (args.sizes or ("10k" if args.quick else "10k,100k")).split(",")],
        list_reps=args.list_reps,
    )
    run.logs.mkdir()
    run.results.update(duration_s=run.duration, wrk_threads=run.threads, cpus=os.cpu_count())
    ok = True
    print(
        f"mighub notify benchmark: wrk -t{run.threads}, {run.duration:g} s per load, {os.cpu_count()} CPUs, work dir {work}"
    )
    try:
        flush = run.results["flush"] = flush_latency(work)
        print(
            f"disk: one durable SQLite commit (WAL, synchronous=FULL) takes p50 {flush['p50_ms']:.2f} ms, "
            f"p99 {flush['p99_ms']:.2f} ms here now"
        )
        for number, part in ((1, side_by_side), (2, store_sizes), (3, auth_cost), (4, postgres_replicas)):
            if number in parts:
                ok &= part(run)
        flush = run.results["flush_end"] = flush_latency(work)
        print(f"\ndisk at the end: durable commit p50 {flush['p50_ms']:.2f} ms, p99 {flush['p99_ms']:.2f} ms")
        print(f"\nall mighub responses 200: {'yes' if ok else 'NO'}")
        if args.json:
            args.json.write_text(json.dumps(run.results, indent=2))
            print(f"figures written to {args.json}")
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
