"""Fixtures for the CLI's tests (the harness itself is in ``cli_harness``, a name that
cannot clash with other test directories' modules)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from cli_harness import Hub, _free_port, _tool, _wait_healthy


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
        (home / ".aws" / "config").write_text("[default]\nregion = us-east-1\ncli_timestamp_format = iso8601\n")
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
