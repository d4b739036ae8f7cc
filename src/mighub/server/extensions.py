"""The hub's own HTTP API under ``/_mighub/``: what AWS lacks, kept apart from it.

Each endpoint is declared once (``ENDPOINTS``): its path, the name the audit log
gives its requests, the action a caller must be allowed (on ``*``), its query
parameters, and its handler. The request pipeline (``app.App``) runs every one
the same way as the AWS API: request id → authentication → the endpoint's action
→ handler → answer → audit line.

- ``GET /_mighub/health``: 200 when the store answers, 503 when it does not; the
  database engine and version too in development mode or for a signed caller.
- ``GET /_mighub/api/tasks``: tasks with their stale flag and deadline; filters
  ``stream``, ``status``, ``stale=true|false``; ``max_results`` and
  ``next_token`` page through them. Needs ``mgh:ListMigrationTasks``; answers
  the tasks ``mgh:DescribeMigrationTask`` allows.
- ``GET /_mighub/api/events``: the event log after ``after`` (a cursor), up to
  ``limit`` events, ``type`` (repeatable, ``migration_task.*`` for a family) and
  ``stream`` filters; needs ``mighub:ListEvents``.
- ``GET /_mighub/events``: the same, live, as Server-Sent Events (``sse.py``).
- ``GET /_mighub/metrics``: the Prometheus text format (``metrics.py``); needs
  ``mighub:GetMetrics``.

Each parameter is checked strictly (no unknown ones, a single-valued one once at
most): a bad one is a 400 naming it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

import orjson

from .. import __version__
from ..clock import from_us, now_us
from ..context import RequestContext
from ..errors import InvalidInputException, MethodNotAllowed, NotFound, ServiceError
from ..events import log as event_log
from ..models import service_model, task_statuses
from ..provider import pagination
from ..provider.tasks import describable
from ..store.rows import Task, WebhookAttempt
from ..store.transaction import Transaction
from ..webhooks import endpoints as webhook_endpoints
from ..webhooks.delivery import Sender
from .metrics import Exposition
from .sse import EventStream

EVENT_SOURCE = "mighub"
# Headers the endpoints read, besides those of every request: each must come once.
READ_HEADERS = frozenset({"last-event-id"})


# -- answers -------------------------------------------------------------------------


@dataclass
class Json:
    """A JSON answer."""

    payload: Any
    status: int = 200

    async def send(self, send: Any, receive: Any, request_id: str) -> None:
        await send_json(send, self.status, self.payload, request_id)


@dataclass
class Streaming:
    """An answer that goes on until the client leaves or the hub stops."""

    stream: EventStream

    async def send(self, send: Any, receive: Any, request_id: str) -> None:
        await self.stream.run(send, receive, [(b"x-amzn-requestid", request_id.encode())])


Answer = Json | Streaming | Exposition


async def send_json(send: Any, status: int, payload: Any, request_id: str) -> None:
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


async def respond_error(send: Any, error: ServiceError, request_id: str) -> None:
    await send_json(send, error.status, {"error": error.code, "message": error.message}, request_id)


# -- requests --------------------------------------------------------------------------


class Query(Mapping[str, str]):
    """A request's query parameters: ``query[name]`` for one given once,
    ``all(name)`` for a repeatable one."""

    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = values

    def __getitem__(self, name: str) -> str:
        return self._values[name][0]

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def all(self, name: str) -> list[str]:
        return self._values.get(name, [])


def parse_query(raw: bytes, parameters: tuple[str, ...], repeatable: frozenset[str] = frozenset()) -> Query:
    """The query's parameters, percent-decoded as UTF-8; unknown ones, and
    single-valued ones given twice, are refused."""
    try:
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, strict_parsing=True, errors="strict")
    except ValueError:  # UnicodeDecodeError is one
        raise InvalidInputException(
            "The query string must be name=value pairs joined by '&', percent-encoded UTF-8"
        ) from None
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        if name not in parameters:
            known = ", ".join(parameters) if parameters else "none"
            raise InvalidInputException(f"Unknown query parameter {name!r}: the parameters are {known}")
        if name in values and name not in repeatable:
            raise InvalidInputException(f"Query parameter {name} may be given once only")
        values.setdefault(name, []).append(value)
    return Query(values)


@dataclass
class Request:
    hub: Any  # the Hub
    ctx: RequestContext | None  # None: an anonymous health check
    query: Query
    headers: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)  # from the path: {"id": …}
    body: dict[str, Any] = field(default_factory=dict)  # a JSON object, for those that take one
    metrics: Any = None  # the App's Metrics


@dataclass(frozen=True)
class Endpoint:
    event: str  # the audit log's eventName
    # What the caller must be allowed, on "*"; None: any caller, even unsigned.
    action: str | None
    handler: Callable[[Request], Awaitable[Answer]]
    parameters: tuple[str, ...] = ()
    repeatable: frozenset[str] = field(default_factory=frozenset)
    status: int = 200  # of a success


# -- the endpoints -----------------------------------------------------------------------


async def health(request: Request) -> Answer:
    hub = request.hub
    ok = await asyncio.get_running_loop().run_in_executor(None, hub.store.ping)
    payload: dict[str, Any] = {"status": "ok" if ok else "unavailable"}
    if request.ctx is not None:  # the engine and version are for callers the hub knows
        payload.update(database=hub.store.dialect, version=__version__)
    return Json(payload, 200 if ok else 503)


MAX_RESULTS = 1000
TASKS = pagination.Listing("_mighub/api/tasks", (str, str))  # (stream, task)


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


def _count(name: str, value: str | None, default: int, high: int) -> int:
    if value is None:
        return default
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    if re.fullmatch(r"[0-9]{1,4}", value) is None or not 1 <= int(value) <= high:
        raise _invalid(name, value, f"be an integer from 1 to {high}")
    return int(value)


async def tasks(request: Request) -> Answer:
    assert request.ctx is not None
    return Json(await list_tasks(request.hub, request.ctx, request.query))


async def list_tasks(hub: Any, ctx: RequestContext, query: Mapping[str, str]) -> dict[str, Any]:
    stream = _stream(query.get("stream"))
    status = _choice("status", query.get("status"), task_statuses())
    stale = _choice("stale", query.get("stale"), ("true", "false"))
    limit = _count("max_results", query.get("max_results"), 100, MAX_RESULTS)
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


EVENTS_LIMIT = 1000


def _event_filter(query: Query) -> event_log.Filter:
    return event_log.Filter.parse(query.all("type"), _stream(query.get("stream")))


async def _reader(hub: Any, ctx: RequestContext) -> None:
    """Set the ARN region events are filtered by: the account's home region."""
    ctx.arn_region_fallback = hub.arn_region_fallback
    ctx.arn_region = await hub.store.aread(lambda tx: ctx.arn_region_for(tx.home_region(ctx.account_id)))


async def events_page(request: Request) -> Answer:
    """The pull API: a page of events, and the cursor to ask after next."""
    assert request.ctx is not None
    ctx, query = request.ctx, request.query
    after = query.get("after")
    start = event_log.parse_cursor("after", after) if after is not None else None
    limit = _count("limit", query.get("limit"), 100, EVENTS_LIMIT)
    wanted = _event_filter(query)
    visible = event_log.visible_to(ctx)
    ctx.arn_region_fallback = request.hub.arn_region_fallback

    def work(tx: Transaction) -> event_log.Page:
        ctx.arn_region = ctx.arn_region_for(tx.home_region(ctx.account_id))
        return event_log.read_page(tx, start, limit, ctx.account_id, wanted, visible)

    page = await request.hub.store.aread(work)
    payload: dict[str, Any] = {"Events": [event_log.to_json(e) for e in page.events], "NextCursor": str(page.cursor)}
    if page.resync:
        payload["Resync"] = True
        payload["Message"] = (
            f"Events after cursor {after} are no longer kept: re-read the state, then ask for the events "
            f"after cursor {page.cursor}"
        )
    return Json(payload)


async def event_stream(request: Request) -> Answer:
    """The live stream, from Last-Event-ID, else ``after``, else from now on."""
    assert request.ctx is not None
    ctx, query = request.ctx, request.query
    resume = request.headers.get("last-event-id")
    if resume is not None and resume != "":
        start: int | None = event_log.parse_cursor("Last-Event-ID", resume.strip())
    elif query.get("after") is not None:
        start = event_log.parse_cursor("after", query["after"])
    else:
        start = None
    wanted = _event_filter(query)
    await _reader(request.hub, ctx)
    hub = request.hub
    stream = EventStream(
        hub.store, hub.feed, ctx, wanted, event_log.visible_to(ctx), start, heartbeat=hub.settings.heartbeat_seconds
    )
    return Streaming(stream)


# -- webhook endpoints (mighub:ManageWebhooks) -------------------------------------------


async def _webhook_write(request: Request, work: Callable[[Transaction], Any]) -> Any:
    """Run a change to the account's webhooks; the dispatcher looks at once."""
    result = await request.hub.store.awrite(work)
    request.hub.webhooks.wake()
    return result


async def webhook_create(request: Request) -> Answer:
    assert request.ctx is not None
    ctx = request.ctx
    # Resolving the URL's host may wait on DNS: not on the event loop.
    wanted = await asyncio.get_running_loop().run_in_executor(
        None, webhook_endpoints.parse_new, request.body, request.hub.settings.webhooks.outbound, _stream
    )
    endpoint = await _webhook_write(request, lambda tx: webhook_endpoints.create(tx, ctx, wanted))
    return Json(webhook_endpoints.describe(endpoint, secret=True), 201)


async def webhook_list(request: Request) -> Answer:
    assert request.ctx is not None
    account = request.ctx.account_id
    found = await request.hub.store.aread(lambda tx: tx.webhooks(account))
    return Json({"endpoints": [webhook_endpoints.describe(e) for e in found]})


async def webhook_show(request: Request) -> Answer:
    assert request.ctx is not None
    ctx, endpoint_id = request.ctx, request.params["id"]
    found = await request.hub.store.aread(lambda tx: webhook_endpoints.find(tx, ctx, endpoint_id))
    return Json(webhook_endpoints.describe(found))


async def webhook_delete(request: Request) -> Answer:
    assert request.ctx is not None
    ctx, endpoint_id = request.ctx, request.params["id"]
    await _webhook_write(request, lambda tx: webhook_endpoints.delete(tx, ctx, endpoint_id))
    return Json({"deleted": endpoint_id})


def _enabling(enabled: bool) -> Callable[[Request], Awaitable[Answer]]:
    async def handler(request: Request) -> Answer:
        assert request.ctx is not None
        ctx, endpoint_id = request.ctx, request.params["id"]
        found = await _webhook_write(request, lambda tx: webhook_endpoints.set_enabled(tx, ctx, endpoint_id, enabled))
        return Json(webhook_endpoints.describe(found))

    return handler


async def webhook_rotate(request: Request) -> Answer:
    assert request.ctx is not None
    ctx, endpoint_id = request.ctx, request.params["id"]
    found = await _webhook_write(request, lambda tx: webhook_endpoints.rotate_secret(tx, ctx, endpoint_id))
    return Json(webhook_endpoints.describe(found, secret=True))


async def webhook_test(request: Request) -> Answer:
    assert request.ctx is not None
    ctx, endpoint_id = request.ctx, request.params["id"]
    found = await request.hub.store.aread(lambda tx: webhook_endpoints.find(tx, ctx, endpoint_id))
    sender = Sender(request.hub.settings.webhooks)
    try:
        attempt = await webhook_endpoints.ping(sender, found)
    finally:
        await sender.close()
    await request.hub.store.awrite(lambda tx: tx.record_attempts([attempt]))
    row = WebhookAttempt(id=0, **attempt)
    return Json(webhook_endpoints.describe_attempt(row))


async def webhook_deliveries(request: Request) -> Answer:
    assert request.ctx is not None
    ctx, endpoint_id = request.ctx, request.params["id"]
    limit = _count("limit", request.query.get("limit"), webhook_endpoints.DELIVERIES_SHOWN, 1000)

    def work(tx: Transaction) -> list[WebhookAttempt]:
        found = webhook_endpoints.find(tx, ctx, endpoint_id)
        return tx.webhook_attempts(found.id, limit)

    attempts = await request.hub.store.aread(work)
    return Json({"deliveries": [webhook_endpoints.describe_attempt(a) for a in attempts]})


async def webhook_redeliver(request: Request) -> Answer:
    assert request.ctx is not None
    ctx, endpoint_id, body = request.ctx, request.params["id"], request.body
    return Json(await _webhook_write(request, lambda tx: webhook_endpoints.redeliver(tx, ctx, endpoint_id, body)))


_WEBHOOK = "/_mighub/api/webhooks/{id}"


def _manage(event: str, handler: Callable[[Request], Awaitable[Answer]], *parameters: str) -> Endpoint:
    return Endpoint(event, "mighub:ManageWebhooks", handler, parameters)


async def metrics(request: Request) -> Answer:
    return Exposition(await request.metrics.exposition())


ENDPOINTS: dict[str, Endpoint] = {
    "/_mighub/health": Endpoint("mighub:Health", None, health),
    "/_mighub/api/tasks": Endpoint(
        "mighub:ListTasks",
        "mgh:ListMigrationTasks",
        tasks,
        ("stream", "status", "stale", "max_results", "next_token"),
    ),
    "/_mighub/api/events": Endpoint(
        "mighub:ListEvents",
        "mighub:ListEvents",
        events_page,
        ("after", "limit", "type", "stream"),
        frozenset({"type"}),
    ),
    "/_mighub/events": Endpoint(
        "mighub:StreamEvents",
        "mighub:ListEvents",
        event_stream,
        ("after", "type", "stream"),
        frozenset({"type"}),
    ),
    "POST /_mighub/api/webhooks": _manage("mighub:CreateWebhook", webhook_create),
    "/_mighub/api/webhooks": _manage("mighub:ListWebhooks", webhook_list),
    _WEBHOOK: _manage("mighub:ShowWebhook", webhook_show),
    f"DELETE {_WEBHOOK}": _manage("mighub:DeleteWebhook", webhook_delete),
    f"POST {_WEBHOOK}/disable": _manage("mighub:DisableWebhook", _enabling(False)),
    f"POST {_WEBHOOK}/enable": _manage("mighub:EnableWebhook", _enabling(True)),
    f"POST {_WEBHOOK}/rotate-secret": _manage("mighub:RotateWebhookSecret", webhook_rotate),
    f"POST {_WEBHOOK}/test": _manage("mighub:TestWebhook", webhook_test),
    f"{_WEBHOOK}/deliveries": _manage("mighub:ListWebhookDeliveries", webhook_deliveries, "limit"),
    f"POST {_WEBHOOK}/redeliver": _manage("mighub:RedeliverWebhook", webhook_redeliver),
    "/_mighub/metrics": Endpoint("mighub:GetMetrics", "mighub:GetMetrics", metrics),
}


def route(method: str, path: str) -> tuple[Endpoint, dict[str, str]]:
    """The endpoint for a request, and what its path names (``{id}``).

    ``ENDPOINTS`` is keyed by ``"METHOD /path"`` (GET, which HEAD also takes,
    when no method is given); ``{name}`` matches one path segment.
    """
    segments = path.rstrip("/").split("/")
    allowed = False
    for key, endpoint in ENDPOINTS.items():
        verb, _, pattern = key.rpartition(" ")
        params = _match(pattern.split("/"), segments)
        if params is None:
            continue
        allowed = True
        if method == (verb or "GET") or (not verb and method == "HEAD"):
            return endpoint, params
    if allowed:
        raise MethodNotAllowed(f"{method} is not answered at {path}")
    raise NotFound(f"No such path: {path}")


def _match(pattern: list[str], segments: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for want, got in zip(pattern, segments, strict=True):
        if want.startswith("{") and want.endswith("}"):
            if not got:
                return None
            params[want[1:-1]] = unquote(got)
        elif want != got:
            return None
    return params
