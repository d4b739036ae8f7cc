"""The ASGI application: AWS JSON 1.1 at ``/``, the hub's own extensions at ``/_mighub/``.

The request path, in order: request id → body (bounded) → target → caller →
JSON → ``Hub.call`` (validate → dry run → dispatch) → serialize. Every response,
error or not, carries ``x-amzn-RequestId``; no input reaches the client as a 500
unless the hub itself failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any
from uuid import uuid4

from ..context import DEV_ACCOUNT, RequestContext
from ..errors import (
    InternalServerError,
    RequestEntityTooLargeException,
    ServiceError,
    UnknownOperationException,
)
from ..models import operations_by_target
from ..protocol import json11
from . import extensions
from .hub import Hub

log = logging.getLogger(__name__)

DEFAULT_MAX_BODY = 1024 * 1024

# "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/mgh/aws4_request, ..."
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request")

Send = Any
Receive = Any


class App:
    def __init__(self, hub: Hub, *, max_body_size: int = DEFAULT_MAX_BODY) -> None:
        self.hub = hub
        self.max_body_size = max_body_size
        self.operations = operations_by_target()
        self._background: list[asyncio.Task[None]] = []

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            if scope["path"].startswith("/_mighub/"):
                await extensions.handle(self.hub, scope, receive, send)
            else:
                await self._aws(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

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
        try:
            headers = _headers(scope)
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
            _identify_caller(ctx, headers.get("authorization"))
            result = await self.hub.call(ctx, json11.parse_body(body))
            await _respond(send, 200, json11.dump(result), request_id)
        except ServiceError as error:
            await _respond(send, error.status, json11.error_body(error), request_id, error.code)
        except Exception:
            log.exception("request %s failed", request_id)
            error = InternalServerError("The hub failed to process the request")
            await _respond(send, error.status, json11.error_body(error), request_id, error.code)

    async def _read_body(self, headers: dict[str, str], receive: Receive) -> bytes:
        limit = self.max_body_size
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


def _too_large(limit: int) -> RequestEntityTooLargeException:
    return RequestEntityTooLargeException(f"The request body is larger than the limit of {limit} bytes")


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}


def _identify_caller(ctx: RequestContext, authorization: str | None) -> None:
    """Development mode: everyone is one account; a SigV4 header gives the region."""
    ctx.account_id = DEV_ACCOUNT
    if authorization:
        match = _CREDENTIAL.search(authorization)
        if match:
            ctx.principal = match.group(1)
            ctx.region = match.group(3)


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
