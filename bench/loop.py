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
from pathlib import Path

import boto3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=None, metavar="URL")
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = tempfile.mkdtemp(prefix="mighub-loop-")
    command = [sys.executable, "-m", "mighub", "serve", "--port", str(port), "--data-dir", data]
    if args.database:
        command += ["--database", args.database]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{endpoint}/_mighub/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        mgh = boto3.client("mgh", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="test", aws_secret_access_key="test")
        mgh.create_progress_update_stream(ProgressUpdateStreamName="loop")
        mgh.import_migration_task(ProgressUpdateStream="loop", MigrationTaskName="task")
        start = time.perf_counter()
        for i in range(args.count):
            mgh.notify_migration_task_state(
                ProgressUpdateStream="loop", MigrationTaskName="task",
                Task={"Status": "IN_PROGRESS", "ProgressPercent": i % 101},
                UpdateDateTime=datetime.now(UTC), NextUpdateSeconds=60)
        elapsed = time.perf_counter() - start
        store = args.database or f"SQLite in {Path(data)}"
        print(f"{args.count} notifications in {elapsed:.2f} s: {args.count / elapsed:.0f}/s "
              f"({elapsed / args.count * 1e3:.2f} ms each) on {store}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
