"""`mighub serve` as a process: entry points, what it prints, data dir, signals."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from e2e_helpers import MighubServer, free_port, http_request, run_main


def test_prints_endpoint_and_uses_data_dir(server_factory: Any) -> None:
    srv = server_factory()
    assert srv.endpoint in srv.log_tail(200) or f":{srv.port}" in srv.log_tail(200)
    if srv.databases.backend == "sqlite":
        files = [p for p in srv.data_dir.rglob("*") if p.is_file()]
        assert files, "the database must live in the data dir"


def test_stops_on_signal(server_factory: Any) -> None:
    """SIGTERM, then SIGINT on the restarted server: each stops it gracefully, losing nothing."""
    srv: MighubServer = server_factory()
    srv.client("mgh").create_progress_update_stream(ProgressUpdateStreamName="kept")
    for sig in (signal.SIGTERM, signal.SIGINT):
        assert srv.proc is not None
        srv.proc.send_signal(sig)
        try:
            srv.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"server still running 10 s after {sig!r}")
        with pytest.raises(OSError):
            http_request(srv.endpoint, "GET", "/_mighub/health", timeout=2)
        # a graceful stop loses nothing either
        srv.start()
        names = srv.client("mgh").list_progress_update_streams()["ProgressUpdateStreamSummaryList"]
        assert [n["ProgressUpdateStreamName"] for n in names] == ["kept"], sig


def test_python_dash_m(tmp_path: Path) -> None:
    port = free_port()
    log = open(tmp_path / "log", "wb")  # noqa: SIM115 -- outlives this block; closed by its owner
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mighub",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "d"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, _, _ = http_request(f"http://127.0.0.1:{port}", "GET", "/_mighub/health", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None, (tmp_path / "log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "log").read_text()
            time.sleep(0.05)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_two_servers_are_independent(server_factory: Any) -> None:
    a, b = server_factory(start=False), server_factory(start=False)
    a.databases.args_for(a.data_dir), b.databases.args_for(b.data_dir)  # their databases, before they start
    with ThreadPoolExecutor(2) as starting:
        for started in [starting.submit(srv.start) for srv in (a, b)]:
            started.result()
    a.client("mgh").create_progress_update_stream(ProgressUpdateStreamName="only-in-a")
    assert b.client("mgh").list_progress_update_streams()["ProgressUpdateStreamSummaryList"] == []


def test_an_unreachable_database_is_said_plainly_without_its_password(tmp_path: Path) -> None:
    port = free_port()
    unused = free_port()  # nothing listens there
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mighub",
            "serve",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path),
            "--database",
            f"postgresql://hub:s3cret-pw@127.0.0.1:{unused}/hub",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "cannot open the database" in result.stderr
    assert "Traceback" not in result.stderr
    assert "s3cret-pw" not in result.stdout + result.stderr


def test_serve_and_export_choose_the_same_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--data-dir beats both variables, for serve as for export (they once disagreed)."""
    monkeypatch.setenv("MIGHUB_DATABASE_URL", f"sqlite:///{tmp_path / 'from-url-variable' / 'hub.sqlite3'}")
    monkeypatch.setenv("MIGHUB_DATA_DIR", str(tmp_path / "from-dir-variable"))
    data_dir = (tmp_path / "from-option").resolve()
    srv = MighubServer(data_dir, tmp_path / "serve.log")  # serve --data-dir DATA_DIR
    srv.start()
    try:
        srv.client("mgh").create_progress_update_stream(ProgressUpdateStreamName="where-it-lives")
    finally:
        srv.stop()
    assert f"data:        {data_dir / 'mighub.sqlite3'} (SQLite)" in srv.log_tail(200)
    code, out, err = run_main("export", "--data-dir", str(data_dir))  # the same environment
    assert code == 0, err
    assert '"where-it-lives"' in out
    assert not (tmp_path / "from-url-variable").exists() and not (tmp_path / "from-dir-variable").exists()
