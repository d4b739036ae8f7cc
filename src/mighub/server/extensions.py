"""The hub's own HTTP API under ``/_mighub/``: what AWS lacks, kept apart from it.

- ``GET /_mighub/health``: 200 when the store answers, 503 when it does not; the
  database engine and version too in development mode or for a signed caller.
- ``GET /_mighub/api/tasks``: tasks with their stale flag and deadline; filters
  ``stream``, ``status``, ``stale=true|false``; ``max_results`` and
  ``next_token`` page through them. With an auth file it is signed like the AWS
  API and answers what ``mgh:ListMigrationTasks`` and
  ``mgh:DescribeMigrationTask`` allow the caller.

Every request is audited like an AWS one, as ``mighub:Health`` or ``mighub:ListTasks``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import orjson

from .. import __version__
from ..auth.gate import Gate
from ..auth.resources import task_arn
from ..clock import now_us
from ..context import RequestContext
from ..errors import AccessDeniedException, InvalidInputException, ServiceError
from ..models import operations_by_target
from ..provider import pagination
from ..store.transaction import Transaction

STATUSES = ("NOT_STARTED", "IN_PROGRESS", "FAILED", "COMPLETED")


EVENT_SOURCE = "mighub"
# The audit log's event name for each path: an operation name of the hub's own.
EVENTS = {"/_mighub/health": "mighub:Health", "/_mighub/api/tasks": "mighub:ListTasks"}


@dataclass
class Outcome:
    """What the audit log says of an extension request."""

    event: str | None = None  # None for a path that is not an endpoint
    ctx: RequestContext | None = None
    error_code: str | None = None


async def handle(hub: Any, gate: Gate, scope: dict[str, Any], receive: Any, send: Any, request_id: str) -> Outcome:
    path = scope["path"].rstrip("/")
    outcome = Outcome(event=EVENTS.get(path))
    try:
        if scope["method"] not in ("GET", "HEAD"):
            outcome.error_code = "MethodNotAllowed"
            await _json(send, 405, {"error": "MethodNotAllowed", "message": "Use GET"}, request_id)
        elif path == "/_mighub/health":
            outcome.ctx = _health_caller(gate, scope)
            ok = await asyncio.get_running_loop().run_in_executor(None, hub.store.ping)
            payload: dict[str, Any] = {"status": "ok" if ok else "unavailable"}
            if outcome.ctx is not None:  # the engine and version are for callers the hub knows
                payload.update(database=hub.store.dialect, version=__version__)
            await _json(send, 200 if ok else 503, payload, request_id)
        elif path == "/_mighub/api/tasks":
            outcome.ctx = ctx = RequestContext(operation=_list_tasks_operation(), request_id=request_id)
            _caller(gate, scope, ctx)
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            await _json(send, 200, await list_tasks(hub, ctx, query), request_id)
        else:
            outcome.error_code = "NotFound"
            await _json(send, 404, {"error": "NotFound", "message": f"No such path: {scope['path']}"}, request_id)
    except ServiceError as error:
        outcome.error_code = error.code
        await respond_error(send, error, request_id)
    return outcome


async def respond_error(send: Any, error: ServiceError, request_id: str) -> None:
    await _json(send, error.status, {"error": error.code, "message": error.message}, request_id)


def _list_tasks_operation() -> Any:
    """The operation the extensions authenticate callers as."""
    return operations_by_target()["AWSMigrationHub.ListMigrationTasks"]


def _authenticate(gate: Gate, scope: dict[str, Any], ctx: RequestContext) -> None:
    gate.authenticate(
        ctx,
        method=scope["method"],
        path=scope.get("raw_path", scope["path"].encode()).decode("latin-1"),
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=[(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]],
        body=b"",
    )


def _caller(gate: Gate, scope: dict[str, Any], ctx: RequestContext) -> None:
    """Who asks, by the same rules as the AWS API; they must be allowed to list tasks."""
    _authenticate(gate, scope, ctx)
    ctx.resource, ctx.decision_action = "*", "mgh:ListMigrationTasks"
    allowed = ctx.allows("mgh:ListMigrationTasks", "*")
    ctx.decision = "Allow" if allowed else "Deny"
    if not allowed:
        raise AccessDeniedException(f"User: {ctx.principal} is not authorized to perform: mgh:ListMigrationTasks")


def _health_caller(gate: Gate, scope: dict[str, Any]) -> RequestContext | None:
    """The caller of a health check when the hub knows it, else None.

    Health answers load balancers, which do not sign: an unsigned or badly signed
    check is answered too, with its status only.
    """
    ctx = RequestContext(operation=_list_tasks_operation())
    if gate.config is None:
        _authenticate(gate, scope, ctx)
        return ctx
    if not any(name.lower() == b"authorization" for name, _ in scope["headers"]):
        return None
    try:
        _authenticate(gate, scope, ctx)
    except ServiceError:
        return None
    return ctx


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


async def list_tasks(hub: Any, ctx: RequestContext, query: dict[str, list[str]]) -> dict[str, Any]:
    stream = _one(query, "stream")
    status = _one(query, "status")
    if status is not None and status not in STATUSES:
        raise InvalidInputException(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    stale_text = _one(query, "stale")
    if stale_text not in (None, "true", "false"):
        raise InvalidInputException(f"stale must be true or false, not {stale_text!r}")
    limit_text = _one(query, "max_results") or "100"
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= 1000:
        raise InvalidInputException(f"max_results must be an integer from 1 to 1000, not {limit_text!r}")
    limit = int(limit_text)
    scope = f"tasks/{stream}/{status}/{stale_text}"
    after = pagination.decode(_one(query, "next_token"), scope, 2)
    now = now_us()

    def work(tx: Transaction) -> list[Any]:
        return list(
            tx.find_tasks(
                ctx.account_id,
                stream_name=stream,
                status=status,
                stale_before_us=now if stale_text == "true" else None,
                fresh_at_us=now if stale_text == "false" else None,
                after=after,  # type: ignore[arg-type]
                limit=limit + 1,
            )
        )

    rows = await hub.store.aread(work)
    rows, token = pagination.page(rows, limit, scope, lambda r: [r.stream_name, r.name])
    region, account = ctx.arn_region, ctx.account_id
    rows = [
        r for r in rows
        if ctx.allows("mgh:DescribeMigrationTask", task_arn(region, account, r.stream_name, r.name))
    ]
    return pagination.listing("Tasks", [_task_row(r, now) for r in rows], token)


def _task_row(row: Any, now: int) -> dict[str, Any]:
    return {
        "ProgressUpdateStream": row.stream_name,
        "MigrationTaskName": row.name,
        "Status": row.status,
        "StatusDetail": row.status_detail,
        "ProgressPercent": row.progress_percent,
        "UpdateDateTime": row.update_us / 1e6 if row.update_us is not None else None,
        "NextUpdateSeconds": row.next_update_seconds,
        "StaleAt": row.stale_at_us / 1e6 if row.stale_at_us is not None else None,
        "Stale": row.stale_at_us is not None and row.stale_at_us < now,
    }


async def _json(send: Any, status: int, payload: Any, request_id: str) -> None:
    body = orjson.dumps(payload)
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-amzn-requestid", request_id.encode()),
        ],
    })
    await send({"type": "http.response.body", "body": body})
