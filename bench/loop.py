"""Notifications per second from one boto3 client in a simple loop.

    python bench/loop.py [--database URL] [--count N]

Starts `mighub serve` on a free port (SQLite in a temporary data dir unless
--database is given), creates a stream and a task, then times N sequential
NotifyMigrationTaskState calls. A figure for a quick look; bench/notify.py is
the benchmark.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime

import boto3

from mighub.store.dialect import display_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=None, metavar="URL")
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="mighub-loop-") as data:
        elapsed = run(port, data, args.database, args.count)
    store = display_url(args.database) if args.database else "SQLite"  # never its password
    print(
        f"{args.count} notifications in {elapsed:.2f} s: {args.count / elapsed:.0f}/s "
        f"({elapsed / args.count * 1e3:.2f} ms each) on {store}"
    )


def run(port: int, data: str, database: str | None, count: int) -> float:
    """The seconds ``count`` notifications take against a server on ``data``."""
    command = [sys.executable, "-m", "mighub", "serve", "--port", str(port), "--data-dir", data]
    if database:
        command += ["--database", database]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{endpoint}/_mighub/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("mighub serve did not start")
        mgh = boto3.client(
            "mgh",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        mgh.create_progress_update_stream(ProgressUpdateStreamName="loop")
        mgh.import_migration_task(ProgressUpdateStream="loop", MigrationTaskName="task")
        start = time.perf_counter()
        for i in range(count):
            mgh.notify_migration_task_state(
                ProgressUpdateStream="loop",
                MigrationTaskName="task",
                Task={"Status": "IN_PROGRESS", "ProgressPercent": i % 101},
                UpdateDateTime=datetime.now(UTC),
                NextUpdateSeconds=60,
            )
        return time.perf_counter() - start
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
