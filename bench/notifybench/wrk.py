"""The load generator: one wrk run with one of the Lua scripts in ``lua/``.

Every script loads ``lua/report.lua``, which counts non-200 answers per thread
and prints one ``BENCH_JSON`` line at the end; that line is all that is read.
"""

from __future__ import annotations

import json
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .common import STREAM

LUA = Path(__file__).resolve().parent / "lua"


@dataclass
class Load:
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non200: int
    errors: int
    first_bad: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """Every response was a 200, and no socket failed."""
        return self.non200 == 0 and self.errors == 0


def wrk(url: str, script: str, args: list[str], connections: int, seconds: float, threads: int) -> Load:
    argv = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA / script),
        url,
        "--",
        *args,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCH_JSON "))
    r = json.loads(line[len("BENCH_JSON ") :])
    errors = r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
    return Load(
        connections=connections,
        rps=r["requests"] / (r["duration_us"] / 1e6),
        p50_ms=r["p50_us"] / 1000,
        p99_ms=r["p99_us"] / 1000,
        requests=r["requests"],
        non200=r["non200"],
        errors=errors,
        first_bad=r["first_bad"],
    )


def warm(url: str, script: str, args: list[str], threads: int) -> None:
    """2 s at 16 connections before the first figure of a server."""
    wrk(url, script, args, 16, 2, threads)


def notify(url: str, tasks: int, connections: int, seconds: float, threads: int) -> Load:
    """lua/notify.lua: each request to a random one of ``tasks`` tasks of the stream."""
    return wrk(url, "notify.lua", [str(tasks), STREAM], connections, seconds, threads)


def wrk_together(urls: list[str], connections: int, duration: float, threads: int, tasks: int) -> Load:
    """Load several replicas at once, the connections split between them; one
    summed figure, as a load balancer in front of them would see it."""
    share = max(1, connections // len(urls))
    per_url = max(1, threads // len(urls))
    loads: list[Load] = []
    runners = [
        threading.Thread(target=lambda u=u: loads.append(notify(u, tasks, share, duration, per_url))) for u in urls
    ]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    if len(loads) != len(urls):
        raise RuntimeError("a wrk run failed; see the error above")
    return Load(
        connections=share * len(urls),
        rps=sum(load.rps for load in loads),
        p50_ms=max(load.p50_ms for load in loads),
        p99_ms=max(load.p99_ms for load in loads),
        requests=sum(load.requests for load in loads),
        non200=sum(load.non200 for load in loads),
        errors=sum(load.errors for load in loads),
        first_bad=next((load.first_bad for load in loads if load.first_bad), ""),
    )
