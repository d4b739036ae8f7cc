"""The ASGI application: AWS JSON 1.1 at ``/``, the hub's own extensions at ``/_mighub/``.

Before anything: the ``Host`` the request names (``hosts``), and a deadline on
receiving the body (``limits``). The request path, in order: request id → body
(bounded) → target → caller →
JSON → ``Hub.call`` (validate → dry run → dispatch) → serialize. Every response,
error or not, carries ``x-amzn-RequestId``; no input reaches the client as a 500
unless the hub itself failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from uuid import uuid4

from ..auth.audit import AuditLog
from ..auth.gate import Gate
from ..context import RequestContext
from ..errors import (
    InternalServerError,
    RequestEntityTooLargeException,
    ServiceError,
    UnknownOperationException,
)
from ..models import operations_by_target
from ..protocol import json11
from ..protocol.headers import single_valued
from . import extensions, limits
from .hosts import HostPolicy
from .hub import Hub

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
        self._background: list[asyncio.Task[None]] = []

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            receive = limits.bounded_receive(scope, receive)
            extension = scope["path"].startswith("/_mighub/")
            refusal = self.hosts.check(scope["headers"]) if self.hosts is not None else None
            if refusal is not None:
                await self._refuse(scope, send, refusal, extension=extension)
            elif extension:
                await self._extension(scope, receive, send)
            else:
                await self._aws(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _refuse(self, scope: dict[str, Any], send: Send, error: ServiceError, *, extension: bool) -> None:
        """Answer a request refused before it is read, in the format of the API it was for."""
        request_id = str(uuid4())
        if extension:
            await extensions.respond_error(send, error, request_id)
        else:
            await _respond(send, error.status, json11.error_body(error), request_id, error.code)
        if self.audit is not None:
            self._record(scope, request_id, None, error.code)

    async def _extension(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        request_id = str(uuid4())
        outcome = await extensions.handle(self.hub, self.gate, scope, receive, send, request_id)
        if self.audit is not None:
            self._record(
                scope,
                request_id,
                outcome.ctx,
                outcome.error_code,
                event_name=outcome.event,
                event_source=extensions.EVENT_SOURCE,
            )

    # -- lifespan ----------------------------------------------------------------

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._background.append(asyncio.create_task(self.hub.run_deleter()))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in self._background:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await send({"type": "lifespan.shutdown.complete"})
                return

    # -- the AWS API -------------------------------------------------------------

    async def _aws(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        request_id = str(uuid4())
        ctx: RequestContext | None = None
        error_code: str | None = None
        try:
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
            ctx = RequestContext(operation=operation, request_id=request_id)
            self.gate.authenticate(
                ctx,
                method=scope["method"],
                path=scope.get("raw_path", scope["path"].encode()).decode("latin-1"),
                query=scope.get("query_string", b"").decode("latin-1"),
                headers=raw_headers,
                body=body,
            )
            result = await self.hub.call(ctx, json11.parse_body(body))
            await _respond(send, 200, json11.dump(result), request_id)
        except ServiceError as error:
            error_code = error.code
            await _respond(send, error.status, json11.error_body(error), request_id, error.code)
        except ClientDisconnected:
            error_code = ClientDisconnected.code  # nobody is left to answer
        except Exception:
            log.exception("request %s failed", request_id)
            internal = InternalServerError("The hub failed to process the request")
            error_code = internal.code
            await _respond(send, internal.status, json11.error_body(internal), request_id, internal.code)
        if self.audit is not None:
            self._record(scope, request_id, ctx, error_code)

    def _record(
        self,
        scope: dict[str, Any],
        request_id: str,
        ctx: RequestContext | None,
        error_code: str | None,
        *,
        event_name: str | None = None,
        event_source: str | None = None,
    ) -> None:
        assert self.audit is not None
        client = scope.get("client")
        if event_name is None and ctx is not None:
            event_name, event_source = ctx.operation.name, f"{ctx.operation.service}.amazonaws.com"
        self.audit.record(
            requestId=request_id,
            eventName=event_name,
            eventSource=event_source,
            principal=ctx.principal if ctx and ctx.policy is not None else None,
            accountId=ctx.account_id if ctx and ctx.policy is not None else None,
            accessKeyId=ctx.access_key_id if ctx else None,
            awsRegion=ctx.region if ctx else None,
            resource=ctx.resource if ctx else None,
            decision=ctx.decision if ctx else None,
            errorCode=error_code,
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
