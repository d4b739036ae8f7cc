"""End-to-end fixtures: real ``mighub serve`` processes spoken to over HTTP.

Most tests share one session-scoped server and isolate themselves with unique stream
names (``uniq``). Tests that need a server of their own (strict home region, durability,
a small body limit) use ``server_factory`` (function scope) or ``module_server_factory``.
Every server logs to a file; when a test fails, the tail of each live server's log is
attached to the report.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # e2e_helpers, whatever the import mode

from e2e_helpers import _LIVE_SERVERS, Databases, MighubServer
from inprocess import fresh_inprocess_hub, inprocess_hub, inprocess_hub_factory  # noqa: F401 -- fixtures

# -- the stores every server-backed test runs against ------------------------------
POSTGRES_URL = os.environ.get("MIGHUB_TEST_DATABASE_URL")


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest) -> Iterator[Databases]:
    """Run the test once on SQLite and once on PostgreSQL (when one is given)."""
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip(
            "PostgreSQL store not tested: set MIGHUB_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"
        )
    found = Databases(request.param, POSTGRES_URL)
    yield found
    found.close()


# -- fixtures -----------------------------------------------------------------------
@pytest.fixture
def store(databases: Databases, tmp_path: Path) -> Iterator[Any]:
    """An in-process ``Store`` over a fresh, empty database of the test's backend."""
    from mighub.store.engine import Store

    found = Store(databases.fresh_url(tmp_path))
    yield found
    found.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[MighubServer]:
    """The shared server (default preset home region us-east-1)."""
    base = tmp_path_factory.mktemp("mighub-session")
    srv = MighubServer(base / "data", base / "server.log", name="session", databases=databases)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def endpoint(server: MighubServer) -> str:
    return server.endpoint


@pytest.fixture(scope="session")
def mgh(server: MighubServer) -> Any:
    return server.client("mgh")


@pytest.fixture(scope="session")
def config(server: MighubServer) -> Any:
    return server.client("migrationhub-config")


class ServerFactory:
    def __init__(self, base: Path, databases: Databases) -> None:
        self.base = base
        self.databases = databases
        self.started: list[MighubServer] = []
        self._n = 0

    def __call__(
        self,
        *,
        home_region: str | None = None,
        max_body_size: int | None = None,
        data_dir: Path | None = None,
        extra_args: tuple[str, ...] = (),
        start: bool = True,
    ) -> MighubServer:
        self._n += 1
        name = f"own-{self._n}"
        srv = MighubServer(
            data_dir or (self.base / f"{name}-data"),
            self.base / f"{name}.log",
            home_region=home_region,
            max_body_size=max_body_size,
            extra_args=extra_args,
            name=name,
            databases=self.databases,
        )
        self.started.append(srv)
        if start:
            srv.start()
        return srv

    def close(self) -> None:
        for srv in self.started:
            srv.kill()


@pytest.fixture
def server_factory(tmp_path: Path, databases: Databases) -> Iterator[ServerFactory]:
    """Start servers of the test's own; all are killed at teardown."""
    factory = ServerFactory(tmp_path, databases)
    yield factory
    factory.close()


@pytest.fixture(scope="module")
def module_server_factory(tmp_path_factory: pytest.TempPathFactory, databases: Databases) -> Iterator[ServerFactory]:
    factory = ServerFactory(tmp_path_factory.mktemp("mighub-module"), databases)
    yield factory
    factory.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for srv in list(_LIVE_SERVERS):
            report.sections.append((f"mighub {srv.name} log tail ({srv.log_path})", srv.log_tail()))
