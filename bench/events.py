"""What the event log, webhooks and live streams cost the notification path.

    python bench/events.py [--duration 10] [--connections 32] [--rev REV]

On loopback, one ``mighub serve`` (SQLite, fresh data dir, 1,000 imported tasks)
per configuration, each loaded in turn with wrk (lua/notify.lua) for the same
time at the same connection count, and their req/s side by side:

1. the hub with no subscribers (the event log is always written);
2. the same with one webhook endpoint subscribed to everything, delivering to a
   healthy local receiver (a threaded HTTP server in this process);
3. the same with 100 SSE clients connected to /_mighub/events (asyncio readers in
   this process), with each event's latency from its commit (the event's
   ``timestamp``) to its arrival at a client;
4. with ``--rev``, the same hub at that revision (``git archive``), without an
   event log: today's figure against the one before it.

Then, at a paced 500 notifications/s (not wrk: a fixed rate), the latency from
commit to arrival at a webhook receiver, p50 and p99.

Ratios are the figures to read: every configuration runs on the same machine in
the same minutes, the load generator, the receivers and the readers included
(they share the 2 cores with the hub, as a small deployment would).
Needs wrk on PATH (``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import http.server
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from notifybench.common import STREAM, import_tasks, mgh
from notifybench.servers import Server, mighub_server
from notifybench.wrk import notify, warm

HERE = Path(__file__).resolve().parent.parent
TASKS = 1000


class Receiver:
    """A healthy webhook receiver: answers 204 at once, notes each arrival's latency."""

    def __init__(self) -> None:
        self.latencies_ms: list[float] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.note(body)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def note(self, body: bytes) -> None:
        event = json.loads(body)
        self.latencies_ms.append(_age_ms(event["timestamp"]))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        self.server.shutdown()


def _age_ms(timestamp: str) -> float:
    return (time.time() - datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()) * 1000


class Readers:
    """``count`` SSE clients on one asyncio loop in a thread; each event's latency."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.latencies_ms: list[float] = []
        self.connected = 0
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.tasks = [asyncio.run_coroutine_threadsafe(self._read(), self.loop) for _ in range(count)]

    async def _read(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(
            f"GET /_mighub/events?type=migration_task.state_changed HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n\r\n".encode()
        )
        await writer.drain()
        self.connected += 1
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"data: "):
                self.latencies_ms.append(_age_ms(json.loads(line[6:])["timestamp"]))

    def wait_connected(self) -> None:
        for _ in range(200):
            if self.connected == self.count:
                return
            time.sleep(0.05)
        raise RuntimeError(f"only {self.connected} of {self.count} SSE clients connected")

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        self.loop.call_soon_threadsafe(self.loop.stop)


def start(tag: str, work: Path, python_path: str | None = None) -> Server:
    server = mighub_server(work / tag, work, tag)
    if python_path is not None:  # another revision's tree: run its package, not this one
        server.argv = [sys.executable, "-m", "mighub", *server.argv[1:]]
        server.env = {**os.environ, "PYTHONPATH": python_path}
    server.start()
    mgh(server.port, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": STREAM})
    import_tasks(server.port, TASKS)
    return server


def create_webhook(port: int, url: str) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(
        "POST", "/_mighub/api/webhooks", body=json.dumps({"url": url}), headers={"content-type": "application/json"}
    )
    answer = conn.getresponse()
    assert answer.status == 201, answer.read()
    answer.read()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def paced(port: int, rate: int, seconds: float) -> int:
    """Notifications at a fixed rate, over a few kept-alive connections; how many were sent."""
    sent = 0
    lock = threading.Lock()
    threads = 4
    per_thread = rate / threads
    stop_at = time.monotonic() + seconds

    def run(offset: int) -> None:
        nonlocal sent
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = 0
        began = time.monotonic()
        while time.monotonic() < stop_at:
            body = {
                "ProgressUpdateStream": STREAM,
                "MigrationTaskName": f"task-{(offset + n * threads) % TASKS:07d}",
                "Task": {"Status": "IN_PROGRESS", "ProgressPercent": n % 100},
                "UpdateDateTime": time.time(),
                "NextUpdateSeconds": 3600,
            }
            mgh(port, "NotifyMigrationTaskState", body, conn=conn)
            n += 1
            with lock:
                sent += 1
            wait = began + n / per_thread - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sent


def tree_at(rev: str, into: Path) -> str:
    archive = subprocess.run(["git", "-C", str(HERE), "archive", rev], capture_output=True, check=True).stdout
    target = into / f"tree-{rev}"
    target.mkdir()
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return str(target / "src")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of wrk load per configuration")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: the hub needs the other core)")
    parser.add_argument("--rev", default=None, help="also load the hub at this revision, e.g. one before the event log")
    parser.add_argument("--rate", type=int, default=500, help="notifications/s for the webhook latency (default 500)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mighub-events-bench-"))
    rows: list[tuple[str, float, str]] = []

    def load(server: Server) -> float:
        warm(server.url, "notify.lua", [str(TASKS), STREAM], args.threads)
        return notify(server.url, TASKS, args.connections, args.duration, args.threads).rps

    base = start("plain", work)
    plain = load(base)
    base.stop()
    rows.append(("no subscribers", plain, ""))

    receiver = Receiver()
    hooked = start("webhook", work)
    create_webhook(hooked.port, receiver.url)
    with_webhook = load(hooked)
    time.sleep(2)  # let the endpoint catch up before it is stopped
    hooked.stop()
    late = percentile(receiver.latencies_ms, 0.99)
    rows.append(
        (
            "one webhook endpoint, every event",
            with_webhook,
            f"{len(receiver.latencies_ms)} delivered, p99 {late:.0f} ms behind (under saturating load)",
        )
    )
    receiver.stop()

    streamed = start("sse", work)
    readers = Readers(streamed.port, 100)
    readers.wait_connected()
    with_sse = load(streamed)
    time.sleep(1)
    lat = readers.latencies_ms
    rows.append(
        (
            "100 SSE clients",
            with_sse,
            f"{len(lat)} events read, p50 {percentile(lat, 0.5):.0f} ms, p99 {percentile(lat, 0.99):.0f} ms (under saturating load)",
        )
    )
    readers.stop()
    streamed.stop()

    if args.rev:
        old = start(f"rev-{args.rev}", work, python_path=tree_at(args.rev, work))
        rows.append((f"revision {args.rev}", load(old), ""))
        old.stop()

    # Webhook and SSE latency at a paced rate, below saturation.
    receiver = Receiver()
    paced_hub = start("paced", work)
    create_webhook(paced_hub.port, receiver.url)
    readers = Readers(paced_hub.port, 100)
    readers.wait_connected()
    sent = paced(paced_hub.port, args.rate, args.duration)
    time.sleep(2)
    paced_hub.stop()
    readers.stop()
    receiver.stop()

    print(
        f"\nNotifyMigrationTaskState, wrk -c{args.connections} -t{args.threads} for {args.duration:g} s each (SQLite)"
    )
    print(f"{'configuration':38} {'req/s':>8} {'ratio':>6}  notes")
    for name, rps, note in rows:
        print(f"{name:38} {rps:8.0f} {rps / plain:6.2f}  {note}")
    hooks = receiver.latencies_ms
    lat = readers.latencies_ms
    print(f"\nPaced at {args.rate}/s for {args.duration:g} s ({sent} notifications sent):")
    print(
        f"  webhook receiver: {len(hooks)} events, commit to arrival p50 {percentile(hooks, 0.5):.1f} ms, p99 {percentile(hooks, 0.99):.1f} ms"
    )
    print(
        f"  100 SSE clients: {len(lat)} events, commit to arrival p50 {percentile(lat, 0.5):.1f} ms, p99 {percentile(lat, 0.99):.1f} ms"
    )
    print(f"  (median of all: {statistics.median(hooks + lat) if hooks or lat else float('nan'):.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
