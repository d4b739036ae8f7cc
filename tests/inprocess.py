"""A hub in the test process: the real App, Hub and Store, spoken to by real boto3 clients.

``InProcessHub`` builds what ``mighub serve`` builds (a ``Store`` over the given database,
the ``Hub``, the ASGI ``App`` with its ``Gate`` and, in development mode, its ``Host``
check), runs the App's lifespan on an event loop of its own in a daemon thread (so the
background stream deleter runs), and hands out boto3 clients whose requests never reach
a socket: a ``before-send`` handler turns botocore's prepared request into an ASGI
``http`` scope, runs the App on that loop and gives botocore back the response it sent.
botocore's serializer, signer and parser, and every layer of the hub, run as they do over
HTTP; only uvicorn and the kernel are left out, so a debugger steps from the test into
the provider. What needs the wire or the process (connection limits, timeouts, restarts,
command-line options) stays end to end (``e2e_helpers``).

API::

    hub = InProcessHub(url, home_region="us-east-1", auth_config=None)
    mgh = hub.client("mgh")                      # same config as e2e_helpers.make_client
    signed = hub.client("mgh", credentials=("AKIA...", "secret"))   # for an auth config
    status, headers, body = hub.http("GET", "/_mighub/api/tasks")   # a bare request
    hub.close()                                  # lifespan shutdown, then the store

Fixtures (imported by conftest.py), each over a fresh database of the test's engine
(the ``databases`` fixture): ``inprocess_hub``, shared by a module's tests (isolate
them with ``uniq`` stream names); ``fresh_inprocess_hub``, a test's own, empty hub; and
``inprocess_hub_factory``, a test's own hubs with other options, e.g.
``inprocess_hub_factory(home_region=None)``. A module moved in process overrides the
session ``mgh`` / ``config`` fixtures with clients of ``inprocess_hub``.

``start=False`` builds the hub without running the lifespan (no background deleter: a
deleted stream stays "being deleted") until ``start()`` is called.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from e2e_helpers import REGION, Databases, make_client
from mighub.auth.audit import AuditLog
from mighub.auth.config import AuthConfig
from mighub.auth.gate import Gate
from mighub.server.app import DEFAULT_MAX_BODY, App
from mighub.server.hosts import HostPolicy
from mighub.server.hub import Hub, HubSettings
from mighub.store.dialect import profile
from mighub.store.engine import Store

# What clients are pointed at: a loopback name, so the development Host check passes as
# it does for a local ``mighub serve``. Nothing listens there.
ENDPOINT = "http://127.0.0.1:7676"
CALL_TIMEOUT = 60.0  # seconds one request may take before the test is failed
# One session for every in-process client: it loads each service model once, which makes
# a client six times cheaper. Clients are made from one thread at a time (sessions are not
# thread-safe); once made, a client is.
_SESSION = boto3.session.Session()


class InProcessHub:
    """One hub over one database, in this process; see the module docstring."""

    def __init__(
        self,
        url: str,
        *,
        home_region: str | None = "us-east-1",
        auth_config: AuthConfig | None = None,
        max_body_size: int = DEFAULT_MAX_BODY,
        audit: AuditLog | None = None,
        start: bool = True,
    ) -> None:
        self.store = Store(url, upgrade=profile(url).upgrades_itself)
        self.hub = Hub(self.store, HubSettings(preset_home_region=home_region))
        self.gate = Gate(auth_config)
        # As serve does: signed requests cover their Host, unsigned development ones need the check.
        hosts = HostPolicy((), served="127.0.0.1") if auth_config is None else None
        self.app = App(self.hub, max_body_size=max_body_size, gate=self.gate, audit=audit, hosts=hosts)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="inprocess-hub", daemon=True)
        self._thread.start()
        self._lifespan: tuple[asyncio.Queue[dict[str, Any]], asyncio.Queue[dict[str, Any]], Any] | None = None
        self._closed = False
        self._clients: dict[tuple[str, str, bool, tuple[str, str]], Any] = {}
        if start:
            self.start()

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        """Run the App's lifespan startup: the background deleter starts."""
        assert self._lifespan is None, "already started"
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def startup() -> tuple[asyncio.Future[None], dict[str, Any]]:
            task = asyncio.ensure_future(
                self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put)
            )
            await inbox.put({"type": "lifespan.startup"})
            return task, await outbox.get()

        task, answer = self._run(startup())
        assert answer["type"] == "lifespan.startup.complete", answer
        self._lifespan = (inbox, outbox, task)

    def close(self) -> None:
        """Lifespan shutdown (the deleter is cancelled), then the store and the loop."""
        if self._closed:
            return
        self._closed = True
        if self._lifespan is not None:
            inbox, outbox, task = self._lifespan

            async def shutdown() -> dict[str, Any]:
                await inbox.put({"type": "lifespan.shutdown"})
                answer = await outbox.get()
                await task
                return answer

            answer = self._run(shutdown())
            assert answer["type"] == "lifespan.shutdown.complete", answer
        self.store.close()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()

    def __enter__(self) -> InProcessHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(CALL_TIMEOUT)

    # -- requests ----------------------------------------------------------------------
    def client(
        self,
        service: str = "mgh",
        region: str = REGION,
        validate: bool = True,
        credentials: tuple[str, str] = ("test", "test"),
    ) -> Any:
        """A real boto3 client whose requests this hub answers in process; ``credentials``
        (access key id, secret) sign them, for a hub with an auth config.

        One is made per arguments and handed out again (boto3 clients are thread-safe)."""
        key = (service, region, validate, credentials)
        found = self._clients.get(key)
        if found is None:
            found = self._clients[key] = make_client(
                ENDPOINT, service, region=region, validate=validate, session=_SESSION, credentials=credentials
            )
            found.meta.events.register("before-send", self._send)
        return found

    def _send(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        body = request.body
        if body is None:
            data = b""
        elif isinstance(body, bytes | bytearray):
            data = bytes(body)
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body.read()
        headers = [
            (str(name), value.decode() if isinstance(value, bytes) else str(value))
            for name, value in request.headers.items()
        ]
        parts = urlsplit(request.url)
        if not any(name.lower() == "host" for name, _ in headers):
            headers.append(("Host", parts.netloc))  # what urllib3 would send
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        status, answered, payload = self.http(request.method, target, data, headers)
        return AWSResponse(request.url, status, answered, _Raw(payload))

    def http(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request to the App, as ``e2e_helpers.http_request``: (status, lower-cased
        headers, body). ``path`` may carry a query string; ``Host`` defaults to the endpoint's."""
        pairs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
        names = {name.lower() for name, _ in pairs}
        if "host" not in names:
            pairs.append(("Host", urlsplit(ENDPOINT).netloc))
        if body and "content-length" not in names:
            pairs.append(("Content-Length", str(len(body))))
        raw_path, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": unquote(raw_path),
            "raw_path": raw_path.encode("latin-1"),
            "query_string": query.encode("latin-1"),
            "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 7676),
        }
        return self._run(self._exchange(scope, body or b""))

    async def _exchange(self, scope: dict[str, Any], body: bytes) -> tuple[int, dict[str, str], bytes]:
        sent = False
        status = 0
        answered: dict[str, str] = {}
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:  # the App asks again only once the answer is written
                await asyncio.Event().wait()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    answered[name.decode("latin-1").lower()] = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        assert status, "the App sent no response"
        return status, answered, b"".join(chunks)


class _Raw:
    """What ``AWSResponse`` reads its body from."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.payload


class InProcessHubFactory:
    """Hubs over fresh databases of one engine; ``close`` closes every one."""

    def __init__(self, databases: Databases, directory: Path) -> None:
        self.databases = databases
        self.directory = directory
        self.made: list[InProcessHub] = []

    def __call__(self, **options: Any) -> InProcessHub:
        url = self.databases.fresh_url(self.directory, f"inprocess-{len(self.made)}.sqlite3")
        self.made.append(InProcessHub(url, **options))
        return self.made[-1]

    def close(self) -> None:
        for made in reversed(self.made):
            made.close()


# -- fixtures (conftest.py imports them) ---------------------------------------------------
@pytest.fixture(scope="module")
def inprocess_hub(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessHub]:
    """An in-process hub over a fresh database, shared by the module's tests."""
    factory = InProcessHubFactory(databases, tmp_path_factory.mktemp("inprocess"))
    yield factory()
    factory.close()


@pytest.fixture
def fresh_inprocess_hub(inprocess_hub_factory: InProcessHubFactory) -> InProcessHub:
    """An in-process hub of the test's own, over a fresh, empty database."""
    return inprocess_hub_factory()


@pytest.fixture
def inprocess_hub_factory(databases: Databases, tmp_path: Path) -> Iterator[InProcessHubFactory]:
    """Build in-process hubs with any ``InProcessHub`` options; all are closed at teardown."""
    factory = InProcessHubFactory(databases, tmp_path)
    yield factory
    factory.close()
