"""The hub's own HTTP API under ``/_mighub/``: what AWS lacks, kept apart from it.

- ``GET /_mighub/health``: 200 when the store answers, 503 when it does not; the
  database engine and version too in development mode or for a signed caller.
- ``GET /_mighub/api/tasks``: tasks with their stale flag and deadline; filters
  ``stream``, ``status``, ``stale=true|false``; ``max_results`` and
  ``next_token`` page through them. Each parameter is checked strictly (once at
  most, no unknown ones): a bad one is a 400 naming it. With an auth file it is
  signed like the AWS API and answers what ``mgh:ListMigrationTasks`` and
  ``mgh:DescribeMigrationTask`` allow the caller.

Every request is audited like an AWS one, as ``mighub:Health`` or ``mighub:ListTasks``.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson

from .. import __version__
from ..auth.gate import Gate
from ..clock import from_us, now_us
from ..context import RequestContext
from ..errors import AccessDeniedException, InvalidInputException, ServiceError
from ..models import operations_by_target, service_model, task_statuses
from ..protocol.headers import single_valued
from ..provider import pagination
from ..provider.tasks import describable
from ..store.rows import Task
from ..store.transaction import Transaction

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
            query = parse_query(scope.get("query_string", b""))
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
    headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
    single_valued(headers)  # an ambiguous request is refused here as on the AWS API
    gate.authenticate(
        ctx,
        method=scope["method"],
        path=scope.get("raw_path", scope["path"].encode()).decode("latin-1"),
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
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


# The parameters of /_mighub/api/tasks; any other is refused, not ignored.
PARAMETERS = ("stream", "status", "stale", "max_results", "next_token")
MAX_RESULTS = 1000
TASKS = pagination.Listing("_mighub/api/tasks", (str, str))  # (stream, task)


def parse_query(raw: bytes) -> dict[str, str]:
    """The query's parameters, each given once at most, percent-decoded as UTF-8."""
    try:
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, strict_parsing=True, errors="strict")
    except ValueError:  # UnicodeDecodeError is one
        raise InvalidInputException(
            "The query string must be name=value pairs joined by '&', percent-encoded UTF-8"
        ) from None
    params: dict[str, str] = {}
    for name, value in pairs:
        if name not in PARAMETERS:
            raise InvalidInputException(f"Unknown query parameter {name!r}: the parameters are {', '.join(PARAMETERS)}")
        if name in params:
            raise InvalidInputException(f"Query parameter {name} may be given once only")
        params[name] = value
    return params


def _invalid(name: str, value: str, constraint: str) -> InvalidInputException:
    return InvalidInputException(f"Value {value!r} at '{name}' failed to satisfy constraint: Member must {constraint}")


def _stream(value: str | None) -> str | None:
    """A stream name, by the model's own constraints on one."""
    if value is None:
        return None
    shape = service_model("mgh").shape_for("ProgressUpdateStream")
    low, high, pattern = shape.metadata["min"], shape.metadata["max"], shape.metadata["pattern"]
    if not low <= len(value) <= high or re.fullmatch(pattern, value) is None:
        raise _invalid(
            "stream", value, f"be a progress update stream name ({low} to {high} characters matching {pattern})"
        )
    return value


def _choice(name: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is not None and value not in choices:
        raise _invalid(name, value, f"be one of {', '.join(choices)}")
    return value


def _max_results(value: str | None) -> int:
    if value is None:
        return 100
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if re.fullmatch(r"[0-9]{1,4}", value) is None or not 1 <= int(value) <= MAX_RESULTS:
        raise _invalid("max_results", value, f"be an integer from 1 to {MAX_RESULTS}")
    return int(value)


async def list_tasks(hub: Any, ctx: RequestContext, query: dict[str, str]) -> dict[str, Any]:
    stream = _stream(query.get("stream"))
    status = _choice("status", query.get("status"), task_statuses())
    stale = _choice("stale", query.get("stale"), ("true", "false"))
    limit = _max_results(query.get("max_results"))
    pages: pagination.Pages = hub.mgh.tokens.pages(TASKS, ctx.account_id, stream, status, stale, field="next_token")
    now = now_us()
    ctx.arn_region_fallback = hub.arn_region_fallback

    def work(tx: Transaction) -> tuple[list[Task], str | None]:
        # The ARNs the rows are filtered by carry the account's home region.
        ctx.arn_region = ctx.arn_region_for(tx.home_region(ctx.account_id))
        # Only tasks the caller may describe, filtered before the page is cut.
        return pages.page(
            lambda after, n: tx.find_tasks(
                ctx.account_id,
                stream_name=stream,
                status=status,
                stale_before_us=now if stale == "true" else None,
                fresh_at_us=now if stale == "false" else None,
                after=after,
                limit=n,
            ),
            query.get("next_token"),
            limit,
            lambda r: (r.stream_name, r.name),
            describable(ctx),
        )

    rows, token = await hub.store.aread(work)
    return pagination.listing("Tasks", [_task_row(r, now) for r in rows], token)


def _task_row(row: Task, now: int) -> dict[str, Any]:
    return {
        "ProgressUpdateStream": row.stream_name,
        "MigrationTaskName": row.name,
        "Status": row.status,
        "StatusDetail": row.status_detail,
        "ProgressPercent": row.progress_percent,
        "UpdateDateTime": from_us(row.update_us).timestamp() if row.update_us is not None else None,
        "NextUpdateSeconds": row.next_update_seconds,
        "StaleAt": row.stale_at_us / 1e6 if row.stale_at_us is not None else None,
        "Stale": row.stale_at_us is not None and row.stale_at_us < now,
    }


async def _json(send: Any, status: int, payload: Any, request_id: str) -> None:
    body = orjson.dumps(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-amzn-requestid", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
