"""No command prints or logs a database's password: ``db upgrade``, ``export``,
``import``, ``db copy`` and ``serve`` (its banner, debug log and errors), on a real
PostgreSQL, an unreachable one and a URL that does not parse."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from e2e_helpers import Databases, MighubServer, free_port, run_main

POSTGRES_URL = os.environ.get("MIGHUB_TEST_DATABASE_URL")
# Found in no log by chance ("secret" is: migration 0005 is "The hub's own secrets").
PASSWORD = "pw-4qx7zk9v"

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="set MIGHUB_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)",
)


def with_password(url: str, **changes: object) -> str:
    # trust authentication: any password is accepted, so the commands get far.
    return make_url(url).set(password=PASSWORD, **changes).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    databases = Databases("postgresql", POSTGRES_URL)
    try:
        real = databases.create()
        yield {
            "real": with_password(real),
            "unreachable": with_password(real, port=free_port()),
            "malformed": with_password(real).replace(f":{make_url(real).port}/", ":no-port/"),
        }
    finally:
        databases.close()


@pytest.fixture(autouse=True)
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """What the commands run in this process log, at every level, must not show it either."""
    caplog.set_level(logging.DEBUG)
    yield
    assert PASSWORD not in caplog.text, caplog.text


def mighub(*argv: str, env: dict[str, str] | None = None) -> Result:
    """The command, run in this process: the same main() as the console script, without
    a second of imports per command (test_serve.py runs serve as a process on an
    unreachable database, and the debug-log test below a whole server)."""
    code, out, err = run_main(*argv, env=env)
    said = out + err
    assert PASSWORD not in said, said
    assert "Traceback" not in said, said
    return Result(argv, code, out, err)


@dataclass
class Result:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def test_commands_on_a_real_database_never_show_its_password(urls: dict[str, str], tmp_path: Path) -> None:
    url, copy = urls["real"], f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    export = str(tmp_path / "hub.jsonl")
    upgraded = mighub("db", "upgrade", "--database", url)
    assert upgraded.returncode == 0 and ":***@" in upgraded.stdout
    assert mighub("export", "--database", url, "--output", export).returncode == 0
    assert mighub("export", env={"MIGHUB_DATABASE_URL": url}).returncode == 0
    assert mighub("import", "--database", url, "--merge", "--input", export).returncode == 0
    assert mighub("db", "copy", "--from", url, "--to", copy).returncode == 0
    assert mighub("db", "copy", "--from", copy, "--to", url, "--merge").returncode == 0
    assert mighub("db", "copy", "--to", copy, "--merge", env={"MIGHUB_DATABASE_URL": url}).returncode == 0


def test_serve_never_shows_the_password_even_in_its_debug_log(urls: dict[str, str], tmp_path: Path) -> None:
    srv = MighubServer(
        tmp_path / "data", tmp_path / "serve.log", extra_args=("--database", urls["real"], "--log-level", "debug")
    )
    srv.start()
    try:
        srv.client("mgh").create_progress_update_stream(ProgressUpdateStreamName="passwords")
    finally:
        srv.stop()
    # Less the test helper's own note of the command line it ran.
    log = "\n".join(line for line in srv.log_path.read_text().splitlines() if not line.startswith("=== start"))
    assert ":***@" in log
    assert PASSWORD not in log, log


@pytest.mark.parametrize("which", ["unreachable", "malformed"])
def test_a_database_that_cannot_be_used_is_said_plainly_without_its_password(
    urls: dict[str, str], tmp_path: Path, which: str
) -> None:
    url, copy = urls[which], f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    (tmp_path / "empty.jsonl").write_text("")
    assert mighub("db", "upgrade", "--database", copy).returncode == 0
    runs = [
        mighub("db", "upgrade", "--database", url),
        mighub("export", "--database", url),
        mighub("export", env={"MIGHUB_DATABASE_URL": url}),
        mighub("import", "--database", url, "--input", str(tmp_path / "empty.jsonl")),
        mighub("db", "copy", "--from", url, "--to", copy),
        mighub("db", "copy", "--to", url, env={"MIGHUB_DATABASE_URL": copy}),
        mighub("serve", "--port", str(free_port()), "--database", url),
        mighub("serve", "--port", str(free_port()), env={"MIGHUB_DATABASE_URL": url}),
    ]
    for result in runs:
        assert result.returncode in (1, 2), result.args
        assert result.stderr.startswith("mighub: "), result.stderr
        assert ":***@" in result.stderr, result.stderr
