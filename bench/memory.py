"""The server's resident memory under rounds of bad and large requests.

    python bench/memory.py [--rounds N] [--per-round N] [--threads N] [--endpoint URL --pid PID]

Starts `mighub serve` on a free port (SQLite in a temporary data dir) unless
--endpoint and --pid name a running one, then sends N rounds of requests that
must all be refused (wrong JSON types, bodies of 1 MiB and just over, bodies
that are not JSON, unknown targets, broken HTTP framing, half-sent requests
cut off, oversized headers) and prints the server's RSS after each round
(from /proc, so Linux only). Memory that is bounded levels off after the first
rounds; a leak keeps climbing with every round.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

MIB = 1024 * 1024
TARGET = "AWSMigrationHub.NotifyMigrationTaskState"


def _request(target: str, body: bytes, extra: bytes = b"") -> bytes:
    return (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
        b"X-Amz-Target: "
        + target.encode()
        + b"\r\n"
        + extra
        + b"Content-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


def _bad_requests() -> list[tuple[str, bytes]]:
    """(kind, raw bytes) of requests the hub must refuse, each on its own connection."""
    wrong_types = b'{"ProgressUpdateStream": 7, "MigrationTaskName": ["x"], "Task": "no", "UpdateDateTime": {}}'
    big_json = b'{"ProgressUpdateStream": "' + b"s" * (MIB - 64) + b'"}'
    return [
        ("wrong types", _request(TARGET, wrong_types)),
        ("unique stream names", b""),  # filled per request: a fresh value every time
        ("1 MiB JSON", _request(TARGET, big_json)),
        ("1 MiB + 1 body", _request(TARGET, b"x" * (MIB + 1))),
        ("1 MiB not JSON", _request(TARGET, b"{" * (MIB - 16))),
        ("unknown target", _request("AWSMigrationHub.Nope" + "x" * 200, b"{}")),
        (
            "bad signature",
            _request(
                TARGET,
                b"{}",
                b"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/"
                + b"r" * 2000
                + b"/mgh/aws4_request, SignedHeaders=host, Signature=00\r\n",
            ),
        ),
        ("broken framing", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 12\r\n\r\n{}"),
        ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(500)),
        ("bad chunking", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
        ("half sent, cut", _request(TARGET, b"{}" * 1000)[:1500]),
        ("64 KiB header", b"GET /_mighub/health HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * 65536 + b"\r\n\r\n"),
    ]


def _send(raw: bytes, port: int, cut: bool) -> None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(raw)
            if cut:  # gone mid-request, without waiting for an answer
                return
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(65536):
                pass
    except OSError:
        pass  # the server may close or reset a connection it refuses: that is the point


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=4400, help="requests per round (default 4400)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--endpoint", default=None, help="a running hub, e.g. http://127.0.0.1:7676")
    parser.add_argument("--pid", type=int, default=None, help="its process id (with --endpoint)")
    args = parser.parse_args()
    server = None
    data = None
    if args.endpoint:
        port, pid = int(args.endpoint.rsplit(":", 1)[1].strip("/")), args.pid
        if pid is None:
            parser.error("--endpoint needs --pid")
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        data = tempfile.mkdtemp(prefix="mighub-memory-")
        command = [sys.executable, "-m", "mighub", "serve", "--port", str(port), "--data-dir", data]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        pid = server.pid
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_mighub/health", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    server.wait()
                    shutil.rmtree(data, ignore_errors=True)
                    sys.exit("mighub serve did not start")
                time.sleep(0.1)
    kinds = _bad_requests()
    counter = itertools.count()

    def one(i: int) -> None:
        kind, raw = kinds[i % len(kinds)]
        if kind == "unique stream names":
            body = b'{"ProgressUpdateStream": "s-%d", "MigrationTaskName": 5}' % next(counter)
            raw = _request(TARGET, body)
        _send(raw, port, cut=kind.endswith("cut"))

    try:
        print(f"{'round':>5} {'requests':>9} {'RSS MiB':>8} {'seconds':>8}", flush=True)
        print(f"{0:>5} {0:>9} {_rss_kib(pid) / 1024:>8.1f} {0:>8}", flush=True)
        sent = 0
        with ThreadPoolExecutor(args.threads) as pool:
            for round_no in range(1, args.rounds + 1):
                started = time.monotonic()
                list(pool.map(one, range(sent, sent + args.per_round)))
                sent += args.per_round
                took = time.monotonic() - started
                print(f"{round_no:>5} {sent:>9} {_rss_kib(pid) / 1024:>8.1f} {took:>8.1f}", flush=True)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
        if data is not None:
            shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
