"""The CLI tests' harness: one real ``mighub serve`` over HTTP, and the two CLIs.

Every command runs as a subprocess: ``mighub`` (this package's console script, from the
same environment as the tests) and ``aws`` (the awscli test dependency, the oracle). Both
get the same environment: a private config that asks the aws CLI for ISO 8601
timestamps (aws CLI v2's default, which mighub follows), a key pair, and the hub's URL
in ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout) if self.stdout.strip() else {}


@dataclass
class Hub:
    endpoint: str
    env: dict[str, str]
    home: Path

    def run(self, tool: str, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> Result:
        proc = subprocess.run(
            [_tool(tool), *args],
            env=env if env is not None else self.env,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def mighub(self, *args: str, **kw: Any) -> Result:
        return self.run("mighub", *args, **kw)

    def aws(self, *args: str, **kw: Any) -> Result:
        return self.run("aws", *args, **kw)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"mighub serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/_mighub/health", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"mighub serve did not become healthy:\n{log.read_text()}")
