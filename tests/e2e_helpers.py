"""Helpers for the end-to-end tests: the server process, clients, raw HTTP, polling."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
ACCOUNT_ID = "000000000000"
STARTUP_TIMEOUT = 20.0

_LIVE_SERVERS: list[MighubServer] = []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mighub_command() -> list[str]:
    script = Path(sys.executable).parent / "mighub"
    if script.exists():
        return [str(script)]
    found = shutil.which("mighub")
    if found:
        return [found]
    return [sys.executable, "-m", "mighub"]


class Databases:
    """Where test servers keep their data, for one store backend.

    ``sqlite``: the default, a file in each server's data dir. ``postgresql``: a
    fresh database per data dir, created on the PostgreSQL that
    ``MIGHUB_TEST_DATABASE_URL`` names, so a server restarted on the same data
    dir finds its data again; all are dropped by ``close``.
    """

    def __init__(self, backend: str, admin_url: str | None = None) -> None:
        self.backend = backend
        self.admin_url = admin_url
        self._urls: dict[Path, str] = {}
        self._template: str | None = None  # the database fresh_url copies

    def args_for(self, data_dir: Path) -> list[str]:
        if self.backend == "sqlite":
            return []
        url = self._urls.get(data_dir)
        if url is None:
            url = self._urls[data_dir] = self.create()
        return ["--database", url]

    def fresh_url(self, directory: Path, name: str = "hub.sqlite3") -> str:
        """A new database of this backend, holding no data, for an in-process
        ``Store``: a SQLite file in ``directory``, or a new PostgreSQL database
        whose schema is already at head (a copy of one migrated once: the
        migrations are most of what a new PostgreSQL store costs)."""
        if self.backend == "sqlite":
            return f"sqlite:///{directory / name}"
        if self._template is None:
            from mighub.store.dialect import hub_engine
            from mighub.store.migrate import apply_migrations

            url = self.create()
            engine = hub_engine(url, write=True)
            with engine.begin() as conn:
                apply_migrations(conn)
            engine.dispose()  # a template is copied only while nobody is connected to it
            self._template = url.rsplit("/", 1)[1]
        return self.create(template=self._template)

    def create(self, template: str | None = None) -> str:
        """A new PostgreSQL database, empty or a copy of ``template``; its URL."""
        import psycopg
        from sqlalchemy.engine import make_url

        assert self.admin_url is not None
        name = f"mighub_test_{uuid.uuid4().hex[:16]}"
        admin = make_url(self.admin_url)
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        url = admin.set(database=name).render_as_string(hide_password=False)
        self._urls.setdefault(Path(f"/created/{name}"), url)
        return url

    def close(self) -> None:
        if self.backend != "postgresql":
            return
        from concurrent.futures import ThreadPoolExecutor

        import psycopg
        from sqlalchemy.engine import make_url

        admin = _libpq(make_url(self.admin_url))

        def drop(url: str) -> None:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

        # Each DROP DATABASE waits for a checkpoint, a second or more on a busy
        # cluster; drops made together share one.
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(drop, set(self._urls.values())))
        self._urls.clear()
        self._template = None


def _libpq(url: Any) -> str:
    """A SQLAlchemy URL as psycopg's connection string."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


SQLITE = Databases("sqlite")


class MighubServer:
    """One ``mighub serve`` subprocess with its own data dir and log file."""

    def __init__(
        self,
        data_dir: Path,
        log_path: Path,
        *,
        home_region: str | None = None,
        max_body_size: int | None = None,
        extra_args: tuple[str, ...] = (),
        name: str = "server",
        databases: Databases = SQLITE,
    ) -> None:
        self.databases = databases
        self.data_dir = Path(data_dir)
        self.log_path = Path(log_path)
        self.home_region = home_region
        self.max_body_size = max_body_size
        self.extra_args = extra_args
        self.name = name
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    # -- lifecycle -------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        assert self.port is not None, "server not started"
        return f"http://127.0.0.1:{self.port}"

    def command(self, port: int) -> list[str]:
        cmd = [
            *_mighub_command(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            str(self.data_dir),
        ]
        if self.home_region is not None:
            cmd += ["--home-region", self.home_region]
        if self.max_body_size is not None:
            cmd += ["--max-body-size", str(self.max_body_size)]
        return cmd + self.databases.args_for(self.data_dir) + list(self.extra_args)

    def start(self) -> MighubServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        last_error = ""
        for _attempt in range(3):  # a free port can be taken between pick and bind
            port = free_port()
            self._log_file = open(self.log_path, "ab", buffering=0)  # noqa: SIM115 -- outlives this block; closed by its owner
            self._log_file.write(f"\n=== start {' '.join(self.command(port))}\n".encode())
            env = dict(os.environ)
            env.setdefault("PYTHONUNBUFFERED", "1")
            self.proc = subprocess.Popen(
                self.command(port),
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
            self.port = port
            if self._wait_healthy():
                if self not in _LIVE_SERVERS:
                    _LIVE_SERVERS.append(self)
                return self
            last_error = self.log_tail()
            self._terminate(force=True)
        raise RuntimeError(
            f"mighub serve did not become healthy within {STARTUP_TIMEOUT}s.\nLog tail ({self.log_path}):\n{last_error}"
        )

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                return False
            try:
                status, _, body = http_request(self.endpoint, "GET", "/_mighub/health", timeout=2)
                if status == 200 and json.loads(body).get("status") == "ok":
                    return True
            except (OSError, http.client.HTTPException, ValueError):
                pass
            time.sleep(0.05)
        return False

    def is_healthy(self) -> bool:
        try:
            status, _, body = http_request(self.endpoint, "GET", "/_mighub/health", timeout=5)
            return status == 200 and json.loads(body).get("status") == "ok"
        except (OSError, http.client.HTTPException, ValueError):
            return False

    def _signal_group(self, sig: int) -> None:
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(sig)

    def _terminate(self, force: bool = False) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self._signal_group(signal.SIGKILL if force else signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(timeout=10)
        else:
            # the leader is gone; make sure nothing of its group lingers
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self in _LIVE_SERVERS:
            _LIVE_SERVERS.remove(self)

    def stop(self) -> None:
        """Graceful stop (SIGTERM), SIGKILL if it does not exit."""
        self._terminate(force=False)

    def kill(self) -> None:
        """SIGKILL the server's whole process group: no chance to flush anything."""
        self._terminate(force=True)

    def restart(self) -> MighubServer:
        self.stop()
        return self.start()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<no log: {exc}>"
        return "\n".join(text.splitlines()[-lines:])

    # -- clients ---------------------------------------------------------------------
    def client(self, service: str = "mgh", region: str = REGION, validate: bool = True) -> Any:
        return make_client(self.endpoint, service, region=region, validate=validate)


def make_client(
    endpoint: str,
    service: str,
    region: str = REGION,
    validate: bool = True,
    attempts: int = 1,
    session: boto3.session.Session | None = None,
    credentials: tuple[str, str] = ("test", "test"),
) -> Any:
    """A boto3 client; ``attempts`` > 1 turns on the SDK's standard retries. A new session
    each time unless one is given (a shared one keeps the loaded service models)."""
    config = Config(
        parameter_validation=validate,
        retries={"total_max_attempts": attempts, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
    )
    return (session or boto3.session.Session()).client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=credentials[0],
        aws_secret_access_key=credentials[1],
        config=config,
    )


def http_request(
    endpoint: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> tuple[int, dict[str, str], bytes]:
    """A bare HTTP request; returns (status, lower-cased headers, body)."""
    host_port = endpoint.split("://", 1)[1]
    host, port = host_port.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def get_json(endpoint: str, path: str) -> tuple[int, Any]:
    status, _, body = http_request(endpoint, "GET", path)
    return status, json.loads(body) if body else None


def uniq(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def error_code(exc: ClientError) -> str:
    return exc.response["Error"]["Code"]


def error_message(exc: ClientError) -> str:
    return exc.response["Error"].get("Message", "")


def ts(dt: Any) -> float:
    """A boto3 timestamp (aware datetime) or a number as epoch seconds."""
    if isinstance(dt, datetime):
        return dt.timestamp()
    return float(dt)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def poll(predicate: Callable[[], Any], timeout: float = 15.0, interval: float = 0.05) -> Any:
    """Call predicate until it returns something truthy; fail after the deadline."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {timeout}s (last value: {last!r})")
        time.sleep(interval)


def list_all_streams(mgh: Any, page_size: int = 100) -> list[str]:
    names: list[str] = []
    kwargs: dict[str, Any] = {"MaxResults": page_size}
    while True:
        resp = mgh.list_progress_update_streams(**kwargs)
        names += [s["ProgressUpdateStreamName"] for s in resp.get("ProgressUpdateStreamSummaryList", [])]
        token = resp.get("NextToken")
        if not token:
            return names
        kwargs["NextToken"] = token


def list_all_tasks(mgh: Any, page_size: int = 100) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"MaxResults": page_size}
    while True:
        resp = mgh.list_migration_tasks(**kwargs)
        rows += resp.get("MigrationTaskSummaryList", [])
        token = resp.get("NextToken")
        if not token:
            return rows
        kwargs["NextToken"] = token


def list_all_updates(mgh: Any, stream: str, task: str, page_size: int = 100) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "ProgressUpdateStream": stream,
        "MigrationTaskName": task,
        "MaxResults": page_size,
    }
    while True:
        resp = mgh.list_migration_task_updates(**kwargs)
        rows += resp.get("MigrationTaskUpdateList", [])
        token = resp.get("NextToken")
        if not token:
            return rows
        kwargs["NextToken"] = token


def run_main(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``mighub ARGV`` run in this process (``mighub.cli.main.main``), with ``env`` added
    to the environment meanwhile: (exit code, stdout, stderr).

    For commands that finish by themselves (a refusal, an export): a second or so of
    imports cheaper than a subprocess, and the same code from the parsed command line
    to the exit code. A command that would serve must not be run this way.
    """
    import io
    import logging

    from mighub.cli.main import main

    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    saved_env = dict(os.environ)
    root = logging.getLogger()
    saved_logging = (list(root.handlers), root.level)  # serve's logging.basicConfig is the process's
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(argv))
            except SystemExit as exc:  # argparse's refusals
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        root.handlers[:], root.level = saved_logging
    texts = []
    for stream in (out, err):
        stream.flush()
        texts.append(stream.buffer.getvalue().decode("utf-8", "replace"))  # type: ignore[attr-defined]
    return code, texts[0], texts[1]
