"""In-process calls for the protocol and access-control tests: no socket, no subprocess.

- ``HubClient``: a boto3-shaped client (``create_progress_update_stream(**params)``,
  ``ClientError`` on a refusal) that calls ``Hub.call`` with a ``RequestContext`` carrying
  a key's account, name, region and parsed policy, as the gate leaves it after a valid
  signature. Parameters go through the JSON 1.1 serializer first, as a client's would.
- ``asgi``: one HTTP request through the whole ``App`` (host, body, target, gate,
  ``Hub.call``, serializer) as uvicorn would hand it over, for what the headers decide.
- ``auth_app``: an ``App`` over a store with an auth file of the given keys, parsed as
  ``mighub serve --auth-file`` parses it.
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from botocore import xform_name
from botocore.exceptions import ClientError

from mighub.auth.config import parse_auth_document
from mighub.auth.gate import Gate
from mighub.auth.policy import parse_policy
from mighub.context import RequestContext
from mighub.errors import ServiceError
from mighub.models import Operation, operations_by_target, service_model
from mighub.protocol import json11
from mighub.server.app import App
from mighub.server.hub import Hub
from mighub.store.engine import Store
from test_auth_helpers import NO_THROTTLING, Key, auth_toml

REGION = "us-east-1"
# One event loop for every in-process call: asyncio.run would make (and tear down) a
# loop and its thread pool on each, which costs more than the call.
_LOOP = asyncio.new_event_loop()


def run(awaitable: Any) -> Any:
    return _LOOP.run_until_complete(awaitable)


def _operations(service: str) -> dict[str, Operation]:
    prefix = service_model(service).metadata["targetPrefix"]
    return {xform_name(op.name): op for target, op in operations_by_target().items() if target.startswith(prefix + ".")}


def drain_deletions(hub: Hub) -> None:
    """Finish the stream deletions the hub's background deleter would do next."""
    while hub.store.write(hub._delete_some):
        pass


class HubClient:
    """``Hub.call`` as ``key`` (None: development mode, every call allowed, account 000000000000)."""

    def __init__(self, hub: Hub, key: Key | None, service: str = "mgh", *, region: str = REGION) -> None:
        self.hub, self.key, self.region = hub, key, region
        self._operations = _operations(service)
        self._policy = parse_policy(key.policy) if key is not None else None

    def context(self, operation: Operation) -> RequestContext:
        ctx = RequestContext(operation=operation, region=self.region)
        if self.key is not None:
            ctx.account_id, ctx.principal = self.key.account, self.key.name
            ctx.access_key_id, ctx.policy = self.key.access_key_id, self._policy
        return ctx

    def __getattr__(self, name: str) -> Any:
        operation = self._operations.get(name)
        if operation is None:
            raise AttributeError(name)

        def call(**params: Any) -> dict[str, Any]:
            return self.call(operation, params)

        return call

    def call(self, operation: Operation, params: dict[str, Any]) -> dict[str, Any]:
        body = orjson.loads(json11.dump(params))
        try:
            result = run(self.hub.call(self.context(operation), body))
        except ServiceError as error:
            response = {
                "Error": {"Code": error.code, "Message": error.message},
                "ResponseMetadata": {"HTTPStatusCode": error.status},
            }
            raise ClientError(response, operation.name) from error  # type: ignore[arg-type]
        if operation.name == "DeleteProgressUpdateStream" and not params.get("DryRun"):
            drain_deletions(self.hub)
        return result


def auth_app(store: Store, keys: Iterable[Key], throttling: dict[str, Any] | None = NO_THROTTLING) -> App:
    """The hub with an auth file holding ``keys``, as ``mighub serve --auth-file`` runs it."""
    config = parse_auth_document(tomllib.loads(auth_toml(keys, throttling)), Path("auth.toml"))
    return App(Hub(store), gate=Gate(config))


def asgi(
    app: App,
    method: str,
    path: str,
    headers: dict[str, str] | list[tuple[str, str]],
    body: bytes = b"",
    *,
    host: str = "hub.test",
) -> tuple[int, dict[str, str], bytes]:
    """One request through ``app``; (status, lower-cased headers, body).

    ``host`` is sent as the Host header unless ``headers`` has one (a client's HTTP
    library adds it, and SigV4 signs it).
    """
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.insert(0, ("Host", host))
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "method": method,
        "path": raw_path,
        "raw_path": raw_path.encode(),
        "query_string": query.encode(),
        "headers": [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in pairs],
        "client": ("127.0.0.1", 50000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    answer_headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in start["headers"]}
    return start["status"], answer_headers, data
