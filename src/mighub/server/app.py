"""The ASGI application: AWS JSON 1.1 at ``/``, the hub's own extensions at ``/_mighub/``.

Before anything: the ``Host`` the request names (``hosts``), and a deadline on
receiving the body (``limits``). The request path, in order: request id → body
(bounded) → target → caller →
JSON → ``Hub.call`` (validate → dry run → dispatch) → serialize. Every response,
error or not, carries ``x-amzn-RequestId``; no input reaches the client as a 500
unless the hub itself failed. Every request, answered or not, is counted once
(``metrics``) and audited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from ..auth.audit import AuditLog
from ..auth.gate import Gate
from ..context import RequestContext
from ..errors import (
    AccessDeniedException,
    InternalServerError,
    RequestEntityTooLargeException,
    SerializationException,
    ServiceError,
    UnknownOperationException,
)
from ..models import operations_by_target
from ..protocol import json11
from ..protocol.headers import single_valued
from . import extensions, limits
from .hosts import HostPolicy
from .hub import Hub
from .metrics import Metrics

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 1024 * 1024

Send = Any
Receive = Any


class App:
    def __init__(
        self,
        hub: Hub,
        *,
        max_body_size: int = DEFAULT_MAX_BODY,
        gate: Gate | None = None,
        audit: AuditLog | None = None,
        hosts: HostPolicy | None = None,
    ) -> None:
        self.hub = hub
        self.max_body_size = max_body_size
        self.gate = gate or Gate(None)
        self.audit = audit
        # None answers any Host: with an auth file every request is signed over its Host.
        self.hosts = hosts
        self.operations = operations_by_target()
        self.metrics = Metrics(hub)
        self._background: list[asyncio.Task[None]] = []
        self._aws_api = _Api(self._run_aws, _aws_error, None)
        self._hub_api = _Api(self._run_hub, extensions.respond_error, extensions.EVENT_SOURCE)

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            api = self._hub_api if scope["path"].startswith("/_mighub/") else self._aws_api
            await self._serve(scope, limits.bounded_receive(scope, receive), send, api)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    def stop_streams(self) -> None:
        """End the answers that would go on forever (event streams): the hub is stopping."""
        self.hub.feed.close()

    # -- the one request pipeline --------------------------------------------------------

    async def _serve(self, scope: dict[str, Any], receive: Receive, send: Send, api: _Api) -> None:
        """Host check → the API's own steps (body, caller, authorisation, handler,
        answer) → the error answer in that API's format → the audit line."""
        started = time.perf_counter()
        call = _Call(request_id=str(uuid4()))
        answering = False  # once an answer has begun (a stream), an error can only end it

        async def tracked(message: dict[str, Any]) -> None:
            nonlocal answering
            answering = answering or message["type"] == "http.response.start"
            await send(message)

        try:
            refusal = self.hosts.check(scope["headers"]) if self.hosts is not None else None
            if refusal is not None:
                raise refusal
            await api.run(call, scope, receive, tracked)
        except ServiceError as error:
            call.error_code = error.code
            await self._answer_error(send, api, error, call.request_id, answering)
        except ClientDisconnected:
            call.error_code = ClientDisconnected.code  # nobody is left to answer
        except Exception:
            log.exception("request %s failed", call.request_id)
            internal = InternalServerError("The hub failed to process the request")
            call.error_code = internal.code
            await self._answer_error(send, api, internal, call.request_id, answering)
        self.metrics.request(
            call.event[0] if call.event is not None else None, call.error_code, time.perf_counter() - started
        )
        if self.audit is not None:
            self._record(scope, call, api.event_source)

    @staticmethod
    async def _answer_error(send: Send, api: _Api, error: ServiceError, request_id: str, answering: bool) -> None:
        if not answering:
            await api.respond_error(send, error, request_id)
            return
        with contextlib.suppress(Exception):  # the client may be gone too
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    def _authenticate(
        self, ctx: RequestContext, scope: dict[str, Any], raw_headers: list[tuple[str, str]], body: bytes
    ) -> None:
        self.gate.authenticate(
            ctx,
            method=scope["method"],
            path=scope.get("raw_path", scope["path"].encode()).decode("latin-1"),
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=raw_headers,
            body=body,
        )

    # -- lifespan ----------------------------------------------------------------

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._background.append(asyncio.create_task(self.hub.run_deleter()))
                self._background.append(asyncio.create_task(self.hub.feed.run()))
                self._background.append(asyncio.create_task(self.hub.run_pruner()))
                self._background.append(asyncio.create_task(self.hub.run_stale_watch()))
                self._background.append(asyncio.create_task(self.hub.webhooks.run()))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.stop_streams()
                for task in self._background:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- the AWS API -------------------------------------------------------------

    async def _run_aws(self, call: _Call, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        """body → target → caller → JSON → ``Hub.call`` → serialize."""
        raw_headers = _headers(scope)
        headers = single_valued(raw_headers)
        body = await self._read_body(headers, receive)
        target = headers.get("x-amz-target", "")
        operation = self.operations.get(target)
        if operation is None or scope["method"] != "POST":
            raise UnknownOperationException(
                f"Unknown operation: X-Amz-Target '{target}' is not an operation of this service"
                if target
                else "Missing X-Amz-Target header naming the operation"
            )
        call.ctx = ctx = RequestContext(operation=operation, request_id=call.request_id)
        call.event = (operation.name, f"{operation.service}.amazonaws.com")
        self._authenticate(ctx, scope, raw_headers, body)
        result = await self.hub.call(ctx, json11.parse_body(body))
        await _respond(send, 200, json11.dump(result), call.request_id)

    # -- the hub's own API (/_mighub/) ---------------------------------------------

    async def _run_hub(self, call: _Call, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        """endpoint → query → caller → the endpoint's action → handler → answer."""
        endpoint, params = extensions.route(scope["method"], scope["path"])
        call.event = (endpoint.event, extensions.EVENT_SOURCE)
        raw_headers = _headers(scope)
        headers = single_valued(raw_headers, also=extensions.READ_HEADERS)
        body = await self._read_body(headers, receive)
        query = extensions.parse_query(scope.get("query_string", b""), endpoint.parameters, endpoint.repeatable)
        ctx = RequestContext(operation=_EXTENSION_OPERATION, request_id=call.request_id)
        if endpoint.action is None:
            call.ctx = self._optional_caller(ctx, scope, raw_headers)
        else:
            call.ctx = ctx
            self._authenticate(ctx, scope, raw_headers, body)
            ctx.resource, ctx.decision_action = "*", endpoint.action
            allowed = ctx.allows(endpoint.action, "*")
            ctx.decision = "Allow" if allowed else "Deny"
            if not allowed:
                raise AccessDeniedException(f"User: {ctx.principal} is not authorized to perform: {endpoint.action}")
        document = _json_object(body) if scope["method"] in ("POST", "PUT", "PATCH") else {}
        request = extensions.Request(self.hub, call.ctx, query, headers, params, document, self.metrics)
        answer = await endpoint.handler(request)
        await answer.send(send, receive, call.request_id)

    def _optional_caller(
        self, ctx: RequestContext, scope: dict[str, Any], raw_headers: list[tuple[str, str]]
    ) -> RequestContext | None:
        """The caller of an endpoint anyone may call (health, which load balancers
        call unsigned), when the hub knows it; else None."""
        if self.gate.config is None:
            self._authenticate(ctx, scope, raw_headers, b"")
            return ctx
        if not any(name == "authorization" for name, _ in raw_headers):
            return None
        try:
            self._authenticate(ctx, scope, raw_headers, b"")
        except ServiceError:
            return None
        return ctx

    # -- the audit log -------------------------------------------------------------

    def _record(self, scope: dict[str, Any], call: _Call, event_source: str | None) -> None:
        assert self.audit is not None
        client = scope.get("client")
        ctx = call.ctx
        event_name, source = call.event if call.event is not None else (None, event_source)
        self.audit.record(
            requestId=call.request_id,
            eventName=event_name,
            eventSource=source,
            principal=ctx.principal if ctx and ctx.policy is not None else None,
            accountId=ctx.account_id if ctx and ctx.policy is not None else None,
            accessKeyId=ctx.access_key_id if ctx else None,
            awsRegion=ctx.region if ctx else None,
            resource=ctx.resource if ctx else None,
            decision=ctx.decision if ctx else None,
            errorCode=call.error_code,
            sourceIPAddress=client[0] if client else None,
        )

    async def _read_body(self, headers: dict[str, str], receive: Receive) -> bytes:
        limit = self.max_body_size
        declared = headers.get("content-length")
        if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                # Half a body is not a request: a prefix of one may still parse.
                raise ClientDisconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


@dataclass
class _Call:
    """What the pipeline learns of one request, for its audit line."""

    request_id: str
    ctx: RequestContext | None = None
    event: tuple[str, str] | None = None  # (eventName, eventSource)
    error_code: str | None = None


@dataclass(frozen=True)
class _Api:
    """One of the two APIs the hub serves: its steps, its error format, its
    audit source when the request never said which operation it was."""

    run: Callable[[_Call, dict[str, Any], Receive, Send], Awaitable[None]]
    respond_error: Callable[[Send, ServiceError, str], Awaitable[None]]
    event_source: str | None


async def _aws_error(send: Send, error: ServiceError, request_id: str) -> None:
    await _respond(send, error.status, json11.error_body(error), request_id, error.code)


# The operation an extension request's context names: extensions are no AWS
# operation, and nothing reads it but what needs a context to exist.
_EXTENSION_OPERATION = operations_by_target()["AWSMigrationHub.ListMigrationTasks"]


def _json_object(body: bytes) -> dict[str, Any]:
    """A request body of the hub's own API: empty, or one JSON object."""
    if not body.strip():
        return {}
    parsed = json11.parse_body(body)
    if not isinstance(parsed, dict):
        raise SerializationException("The request body must be a JSON object")
    return parsed


class ClientDisconnected(Exception):
    """The client went before its request was whole: nothing is run, nothing answered."""

    code = "ClientDisconnected"  # what the audit log says of it


def _too_large(limit: int) -> RequestEntityTooLargeException:
    return RequestEntityTooLargeException(f"The request body is larger than the limit of {limit} bytes")


def _headers(scope: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in scope["headers"]]


async def _respond(send: Send, status: int, body: bytes, request_id: str, error_code: str | None = None) -> None:
    headers = [
        (b"content-type", json11.CONTENT_TYPE),
        (b"content-length", str(len(body)).encode()),
        (b"x-amzn-requestid", request_id.encode()),
    ]
    if error_code is not None:
        headers.append((b"x-amzn-errortype", error_code.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
