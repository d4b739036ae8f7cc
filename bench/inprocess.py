"""CPU per request through the whole pipeline but the socket, for two source trees side by side.

    python bench/inprocess.py [--rev REV] [--rounds 3] [--requests 3000]

Each round runs, in a fresh process per tree, the same load against ``App`` (the
ASGI application) over a real SQLite store in a temporary directory: a stream,
100 imported tasks, then ``--requests`` NotifyMigrationTaskState calls, 32 in
flight at a time (so group commit shares each fsync as it does under load), and
as many DescribeMigrationTask calls. It prints CPU microseconds per request
(``time.process_time``: the event loop and the writer thread together) for this
checkout and for ``REV`` (default: the previous commit's tree, exported with
``git archive``), the trees interleaved round by round so that both see the same
machine, and their ratio. A figure for comparing two versions, not a target.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent

# Runs inside the measured process, with PYTHONPATH naming the tree under test.
WORKLOAD = r"""
import asyncio, json, sys, tempfile, time
from pathlib import Path
from mighub.server.app import App
from mighub.server.hub import Hub
from mighub.store.engine import Store

requests, concurrency = int(sys.argv[1]), 32
store = Store(f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}")
app = App(Hub(store))

async def call(target, body):
    raw = json.dumps(body).encode()
    scope = {"type": "http", "method": "POST", "path": "/", "raw_path": b"/", "query_string": b"",
             "client": ("127.0.0.1", 1), "headers": [
                 (b"host", b"127.0.0.1:7676"), (b"content-type", b"application/x-amz-json-1.1"),
                 (b"content-length", str(len(raw)).encode()), (b"x-amz-target", target.encode())]}
    messages = [{"type": "http.request", "body": raw, "more_body": False}]
    sent = []
    async def receive():
        return messages.pop() if messages else {"type": "http.disconnect"}
    async def send(message):
        sent.append(message)
    await app(scope, receive, send)
    assert sent[0]["status"] == 200, sent

async def main():
    await call("AWSMigrationHub.CreateProgressUpdateStream", {"ProgressUpdateStreamName": "bench"})
    for i in range(100):
        await call("AWSMigrationHub.ImportMigrationTask", {"ProgressUpdateStream": "bench", "MigrationTaskName": f"t{i}"})
    figures = {}
    for op, body in (
        ("NotifyMigrationTaskState", lambda i: {"ProgressUpdateStream": "bench", "MigrationTaskName": f"t{i % 100}",
            "Task": {"Status": "IN_PROGRESS", "StatusDetail": "Copying", "ProgressPercent": i % 100},
            "UpdateDateTime": 1.7e9 + i, "NextUpdateSeconds": 60}),
        ("DescribeMigrationTask", lambda i: {"ProgressUpdateStream": "bench", "MigrationTaskName": f"t{i % 100}"}),
    ):
        start = time.process_time()
        for first in range(0, requests, concurrency):
            await asyncio.gather(*(call(f"AWSMigrationHub.{op}", body(i)) for i in range(first, min(first + concurrency, requests))))
        figures[op] = (time.process_time() - start) / requests * 1e6
    print(json.dumps(figures))

asyncio.run(main())
store.close()
"""


def export(rev: str, into: Path) -> Path:
    archive = into / "tree.tar"
    subprocess.run(["git", "-C", str(HERE), "archive", "-o", str(archive), rev, "src"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def measure(src: Path, requests: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run(
        [sys.executable, "-c", WORKLOAD, str(requests)], env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rev", default="HEAD~1", help="the tree to compare with (default HEAD~1)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        trees = {"this checkout": HERE / "src", args.rev: export(args.rev, Path(work))}
        results: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for round_ in range(1, args.rounds + 1):
            for name, src in trees.items():
                results[name].append(measure(src, args.requests))
            print(f"round {round_}/{args.rounds} done", file=sys.stderr)
    mine, theirs = results["this checkout"], results[args.rev]
    print(
        f"{'CPU µs per request (median of ' + str(args.rounds) + ')':<40}{'this checkout':>15}{args.rev:>15}{'ratio':>8}"
    )
    for op in mine[0]:
        a = statistics.median(r[op] for r in mine)
        b = statistics.median(r[op] for r in theirs)
        print(f"{op:<40}{a:>15.1f}{b:>15.1f}{a / b:>8.2f}")


if __name__ == "__main__":
    main()
