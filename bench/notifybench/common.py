"""What every part shares: the run's settings, the names it creates, HTTP calls."""

from __future__ import annotations

import http.client
import json
import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A hub without an auth file reads only the region from a SigV4-looking header.
AUTH_MGH = (
    "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20260101/us-east-1/mgh/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)
AUTH_DDB = AUTH_MGH.replace("/mgh/", "/dynamodb/")
STREAM = "bench"
TABLE = "bench"  # moto's DynamoDB table


@dataclass
class Run:
    """One benchmark run's settings, and the figures every part adds to."""

    work: Path
    logs: Path
    conns: list[int]
    duration: float
    threads: int
    tasks: int  # imported over HTTP for parts 1, 3 and 4
    sizes: list[int]  # bulk-loaded for part 2
    list_reps: int
    results: dict[str, Any] = field(default_factory=dict)


def parse_size(text: str) -> int:
    text = text.strip().lower()
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def show_size(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def task_name(i: int) -> str:
    return f"task-{i:07d}"  # the names lua/notify.lua sends


def post(port: int, target: str, body: dict[str, Any], *, ddb: bool = False, conn: Any = None) -> tuple[int, Any]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {
        "Content-Type": "application/x-amz-json-1.0" if ddb else "application/x-amz-json-1.1",
        "X-Amz-Target": target,
        "Authorization": AUTH_DDB if ddb else AUTH_MGH,
    }
    conn.request("POST", "/", json.dumps(body).encode(), headers)
    response = conn.getresponse()
    data = response.read()
    if own:
        conn.close()
    return response.status, json.loads(data) if data else None


def mgh(port: int, op: str, body: dict[str, Any], conn: Any = None) -> Any:
    status, data = post(port, f"AWSMigrationHub.{op}", body, conn=conn)
    if status != 200:
        raise RuntimeError(f"{op} answered {status}: {data}")
    return data


def import_tasks(port: int, count: int, workers: int = 8) -> None:
    """The stream and ``count`` ImportMigrationTask calls over HTTP, from a few
    concurrent clients."""
    mgh(port, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": STREAM})

    def run(first: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(first, count, workers):
            mgh(port, "ImportMigrationTask", {"ProgressUpdateStream": STREAM, "MigrationTaskName": task_name(i)}, conn)
        conn.close()

    with ThreadPoolExecutor(workers) as pool:
        for done in [pool.submit(run, w) for w in range(workers)]:
            done.result()  # a failed import fails the run, not a later load
