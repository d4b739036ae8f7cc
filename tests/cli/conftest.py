"""Fixtures for the CLI's tests: one real ``mighub serve`` over HTTP, and the two CLIs.

Every command runs as a subprocess: ``mighub`` (this package's console script, from the
same environment as the tests) and ``aws`` (the awscli test dependency, the oracle). Both
get the same environment: a private config that asks the aws CLI for ISO 8601
timestamps (aws CLI v2's default, which mighub follows), a key pair, and the hub's URL
in ``AWS_ENDPOINT_URL``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
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


@pytest.fixture(scope="session")
def cli_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    base = tmp_path_factory.mktemp("cli-hub")
    port = _free_port()
    log = base / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [_tool("mighub"), "serve", "--port", str(port), "--data-dir", str(base / "data")],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(endpoint, proc, log)
        home = base / "home"
        (home / ".aws").mkdir(parents=True)
        (home / ".aws" / "config").write_text(
            "[default]\nregion = us-east-1\ncli_timestamp_format = iso8601\n"
        )
        (home / ".aws" / "credentials").write_text(
            "[default]\naws_access_key_id = AKIDMIGHUBTEST\naws_secret_access_key = secret\n"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(HOME=str(home), AWS_ENDPOINT_URL=endpoint, AWS_PAGER="", COLUMNS="80", LC_ALL="C.UTF-8")
        yield Hub(endpoint, env, home)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def uniq() -> str:
    """A fresh name, so tests sharing the hub never see each other's streams."""
    return "cli-" + uuid.uuid4().hex[:10]
