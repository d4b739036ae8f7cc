"""The database goes away and comes back: the hub says so, loses nothing, recovers.

PostgreSQL only. One test cuts the connection with a TCP proxy the test controls;
the other takes the hub's database down under load, as a restart of PostgreSQL
would, but without touching the cluster's other databases (other tests' stores).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from sqlalchemy.engine import make_url

from e2e_helpers import error_code, get_json, list_all_updates, make_client, poll, uniq

# Tests that put the hub under load, or time it, do not run beside one another
# under pytest-xdist (``--dist loadgroup``): each would slow the others down.
pytestmark = pytest.mark.xdist_group("load")

BASE = datetime(2026, 1, 1, tzinfo=UTC)


class Proxy:
    """A TCP relay to PostgreSQL that the test can cut and restore."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self._listener is not None:
            # Wakes the thread blocked in accept(); close() alone does not on Linux.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
                except OSError:
                    pass
            self._sockets.clear()


def _notify(client: Any, stream: str, task: str, second: int) -> None:
    client.notify_migration_task_state(
        ProgressUpdateStream=stream,
        MigrationTaskName=task,
        Task={"Status": "IN_PROGRESS", "ProgressPercent": second % 101},
        UpdateDateTime=BASE + timedelta(seconds=second),
        NextUpdateSeconds=60,
    )


# About as long as a fast restart of an idle PostgreSQL keeps its clients out, and
# longer than the SDK's own retries (see the workers) take to give up.
OUTAGE_SECONDS = 2.0


def outage(admin_url: str, database: str, *, seconds: float) -> None:
    """Take one database away for ``seconds``, as a PostgreSQL restart would from
    its clients' side, leaving the other databases of the cluster alone.

    A fast shutdown terminates every backend ("terminating connection due to
    administrator command", SQLSTATE 57P01), which is what ``pg_terminate_backend``
    sends; while it is down a new connection fails before it is made, as a
    refused connection does: psycopg raises the same ``OperationalError`` with
    no SQLSTATE. Backends are terminated over and over while the database is
    down, so none that was starting up as it went down survives.
    """
    import psycopg

    admin = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS false')
        try:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                    [database],
                )
                time.sleep(0.1)
        finally:
            conn.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS true')


@pytest.fixture
def postgres_only(databases: Any) -> Any:
    if databases.backend != "postgresql":
        pytest.skip("database outages are a PostgreSQL matter")
    return databases


def test_connection_cut_gives_retryable_errors_and_recovers(postgres_only: Any, server_factory: Any) -> None:
    url = make_url(postgres_only.create())
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    via_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    # The last --database wins: this server talks to its database through the proxy.
    srv = server_factory(extra_args=("--database", via_proxy))
    client = srv.client("mgh")
    stream = uniq("cut")
    client.create_progress_update_stream(ProgressUpdateStreamName=stream)
    client.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    _notify(client, stream, "t", 1)

    proxy.cut()
    with pytest.raises(ClientError) as raised:
        _notify(client, stream, "t", 2)
    assert error_code(raised.value) == "ServiceUnavailableException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    with pytest.raises(ClientError) as raised:
        client.describe_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    assert error_code(raised.value) == "ServiceUnavailableException"
    status, body = get_json(srv.endpoint, "/_mighub/health")
    assert status == 503 and body["status"] == "unavailable"

    proxy.start()
    poll(lambda: get_json(srv.endpoint, "/_mighub/health")[0] == 200, timeout=20)
    _notify(client, stream, "t", 3)
    updates = list_all_updates(client, stream, "t")
    assert [u["UpdateDateTime"] for u in updates] == [BASE + timedelta(seconds=s) for s in (1, 3)]
    proxy.cut()
    srv.kill()


def test_database_outage_under_load_loses_no_acknowledged_write(postgres_only: Any, server_factory: Any) -> None:
    first = server_factory(start=False)
    servers = [first, server_factory(data_dir=first.data_dir, start=False)]  # two replicas, one database
    database = make_url(postgres_only.args_for(first.data_dir)[1]).database  # created before they start
    with ThreadPoolExecutor(2) as starting:  # replicas that start together take turns at the schema
        for started in [starting.submit(srv.start) for srv in servers]:
            started.result()
    stream = uniq("outage")
    servers[0].client("mgh").create_progress_update_stream(ProgressUpdateStreamName=stream)
    for i in range(4):
        servers[0].client("mgh").import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=f"t{i}")

    acknowledged: list[tuple[str, int]] = []
    retryable_seen: list[str] = []
    stop = threading.Event()
    lock = threading.Lock()

    def worker(index: int) -> None:
        # Few retries of the SDK's own, so the outage reaches the test as errors.
        client = make_client(servers[index % 2].endpoint, "mgh", attempts=2)
        second = index * 100_000
        while not stop.is_set():
            second += 1
            task = f"t{second % 4}"
            try:
                _notify(client, stream, task, second)
            except (ClientError, EndpointConnectionError) as exc:
                with lock:
                    retryable_seen.append(error_code(exc) if isinstance(exc, ClientError) else str(exc))
                time.sleep(0.05)
                continue
            with lock:
                acknowledged.append((task, second))

    def count() -> int:
        with lock:
            return len(acknowledged)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    poll(lambda: count() >= 20, timeout=30)
    before = count()
    outage(postgres_only.admin_url, database, seconds=OUTAGE_SECONDS)
    poll(lambda: count() >= before + 20, timeout=30)  # the hub is taking writes again
    stop.set()
    for thread in threads:
        thread.join(timeout=120)

    for srv in servers:
        poll(lambda srv=srv: get_json(srv.endpoint, "/_mighub/health")[0] == 200, timeout=30)
    client = servers[1].client("mgh")
    for i in range(4):
        task = f"t{i}"
        stored = {u["UpdateDateTime"] for u in list_all_updates(client, stream, task)}
        for t, second in acknowledged:
            if t == task:
                assert BASE + timedelta(seconds=second) in stored, f"acknowledged write {t}@{second} lost"
    # What clients saw during the outage (after the SDK's own retries) was retryable.
    assert retryable_seen, "the outage was never seen by a client"
    assert set(retryable_seen) <= {"ServiceUnavailableException"}, retryable_seen[:5]
