"""The servers a part loads: the floor, moto's server and ``mighub serve``.

Each runs as its own process, logs to a file in the run's log directory, and is
ready once it answers a GET; its memory is read from /proc.
"""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .common import TABLE, free_port, post

BENCH = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DB_FILE = "mighub.sqlite3"  # mighub serve's file name in its data dir


@dataclass
class Server:
    name: str
    argv: list[str]
    port: int
    ready_path: str = "/"
    log: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    start_seconds: float = 0.0
    env: dict[str, str] | None = None  # None: this process's environment

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60.0) -> None:
        out = open(self.log, "wb") if self.log else subprocess.DEVNULL  # noqa: SIM115 -- outlives this block; closed by its owner
        began = time.perf_counter()
        self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, env=self.env)
        while time.perf_counter() - began < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", self.ready_path)
                conn.getresponse().read()
                conn.close()
                self.start_seconds = time.perf_counter() - began
                return
            except OSError:
                time.sleep(0.005)
        raise RuntimeError(f"{self.name} did not answer within {timeout}s")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def rss_kib(self, key: str = "VmHWM") -> int:
        """Peak (VmHWM) or current (VmRSS) resident memory, KiB, from /proc."""
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def stop_all(servers: Iterable[Server]) -> None:
    for server in servers:
        server.stop()


def mighub_server(data_dir: Path, logs: Path, tag: str, *extra: str) -> Server:
    """``mighub serve`` on a free port with default settings, plus ``extra`` options."""
    port = free_port()
    return Server(
        f"mighub-{tag}",
        [str(BIN / "mighub"), "serve", "--port", str(port), "--data-dir", str(data_dir), *extra],
        port,
        ready_path="/_mighub/health",
        log=logs / f"mighub-{tag}.log",
    )


def floor_server(logs: Path) -> Server:
    """bench/floor.py: a bare ASGI app on mighub's server stack."""
    port = free_port()
    return Server(
        "floor", [sys.executable, str(BENCH / "floor.py"), "--port", str(port)], port, "/", logs / "floor.log"
    )


def moto_server(logs: Path) -> Server:
    port = free_port()
    return Server("moto", [str(BIN / "moto_server"), "-p", str(port)], port, "/moto-api/", logs / "moto.log")


def create_moto_table(moto: Server) -> None:
    """The DynamoDB table lua/putitem.lua writes to: one item per (stream, task)."""
    status, data = post(
        moto.port,
        "DynamoDB_20120810.CreateTable",
        {
            "TableName": TABLE,
            "KeySchema": [
                {"AttributeName": "Stream", "KeyType": "HASH"},
                {"AttributeName": "Task", "KeyType": "RANGE"},
            ],
            "AttributeDefinitions": [
                {"AttributeName": "Stream", "AttributeType": "S"},
                {"AttributeName": "Task", "AttributeType": "S"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
        ddb=True,
    )
    if status != 200:
        raise RuntimeError(f"moto CreateTable answered {status}: {data}")
