"""Managing webhook endpoints: what the hub's API and ``mighub webhooks`` do.

An endpoint belongs to one account and receives that account's events (all of
them, or those of the given types and streams) from the moment it is created.
Its secret is shown once, when it is created or rotated; a rotated-out secret
keeps signing beside the new one for ``ROTATION_GRACE_SECONDS``.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

import orjson

from ..clock import EARLIEST, LATEST, now_us, to_us
from ..context import RequestContext
from ..errors import InvalidInputException, NotFound
from ..events import kinds
from ..events.log import Filter, parse_cursor
from ..store.rows import WebhookAttempt, WebhookEndpoint
from ..store.transaction import Transaction
from . import signing
from .delivery import Sender
from .safety import OutboundPolicy, Refused, check_destination, check_form

MAX_ENDPOINTS = 50  # per account
MAX_DESCRIPTION = 1000
MAX_FILTERS = 100  # types or streams per endpoint
ROTATION_GRACE_SECONDS = 24 * 3600
DELIVERIES_SHOWN = 100
MEMBERS = {"url", "types", "streams", "description"}


def describe(endpoint: WebhookEndpoint, *, secret: bool = False) -> dict[str, Any]:
    """An endpoint as the API shows it; its secret only when just made."""
    shown: dict[str, Any] = {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "types": orjson.loads(endpoint.types),
        "streams": orjson.loads(endpoint.streams),
        "enabled": endpoint.enabled,
        "disabledReason": endpoint.disabled_reason,
        "createdAt": kinds.iso(endpoint.created_us),
        "position": str(endpoint.position),
        "failingSince": kinds.iso(endpoint.failing_since_us) if endpoint.failing_since_us else None,
        "nextAttemptAt": kinds.iso(endpoint.next_attempt_us) if endpoint.attempts else None,
    }
    if secret:
        shown["secret"] = endpoint.secret
    return shown


def describe_attempt(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "messageId": attempt.message_id,
        "cursor": str(attempt.cursor) if attempt.cursor is not None else None,
        "type": attempt.type,
        "attempt": attempt.attempt,
        "at": kinds.iso(attempt.at_us),
        "status": attempt.status,
        "latencyMs": round(attempt.latency_us / 1000, 1),
        "outcome": attempt.outcome,
        "answer": attempt.answer,
    }


def _string_list(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > MAX_FILTERS:
        raise InvalidInputException(
            f"Value at '{name}' failed to satisfy constraint: Member must be a list of at most {MAX_FILTERS} strings"
        )
    return list(dict.fromkeys(value))


def parse_new(body: dict[str, Any], policy: OutboundPolicy, stream_check: Any) -> dict[str, Any]:
    """What a create request asks for, checked; a bad member is refused, naming it."""
    unknown = sorted(set(body) - MEMBERS)
    if unknown:
        raise InvalidInputException(f"Unknown member {unknown[0]!r}: the members are {', '.join(sorted(MEMBERS))}")
    url = body.get("url")
    if not isinstance(url, str):
        raise InvalidInputException("Value at 'url' failed to satisfy constraint: Member must not be null")
    check_form(url)
    try:
        check_destination(url, policy)
    except Refused as refused:
        raise InvalidInputException(f"Value {url!r} at 'url' is refused: {refused}") from None
    types = _string_list(body, "types")
    Filter.parse(types, None)  # each a known type or family, or the error names 'type'
    streams = [stream_check(s) for s in _string_list(body, "streams")]
    description = body.get("description")
    if description is not None and (not isinstance(description, str) or len(description) > MAX_DESCRIPTION):
        raise InvalidInputException(
            f"Value at 'description' failed to satisfy constraint: Member must be a string of at most {MAX_DESCRIPTION} characters"
        )
    return {"url": url, "types": types, "streams": streams, "description": description}


def create(tx: Transaction, ctx: RequestContext, wanted: dict[str, Any]) -> WebhookEndpoint:
    if len(tx.webhooks(ctx.account_id)) >= MAX_ENDPOINTS:
        raise InvalidInputException(f"An account may have at most {MAX_ENDPOINTS} webhook endpoints")
    now = now_us()
    endpoint = WebhookEndpoint(
        id="ep_" + secrets.token_hex(12),
        account_id=ctx.account_id,
        url=wanted["url"],
        description=wanted["description"],
        types=orjson.dumps(wanted["types"]).decode(),
        streams=orjson.dumps(wanted["streams"]).decode(),
        enabled=True,
        disabled_reason=None,
        secret=signing.new_secret(),
        previous_secret=None,
        previous_secret_until_us=None,
        created_us=now,
        # From now on: events already in the log are not this endpoint's.
        position=tx.event_log_bounds().last_cursor,
        attempts=0,
        next_attempt_us=0,
        failing_since_us=None,
        lease_until_us=0,
    )
    tx.insert_webhook(endpoint)
    data = {"EndpointId": endpoint.id, "Url": endpoint.url, "Types": wanted["types"], "Streams": wanted["streams"]}
    tx.emit(ctx.account_id, kinds.WEBHOOK_CREATED, data, at_us=now)
    return endpoint


def find(tx: Transaction, ctx: RequestContext, endpoint_id: str) -> WebhookEndpoint:
    if re.fullmatch(r"ep_[0-9a-f]{24}", endpoint_id) is None:
        raise InvalidInputException(
            f"Value {endpoint_id!r} at 'id' failed to satisfy constraint: Member must be a webhook endpoint id (ep_…)"
        )
    found = tx.webhook(ctx.account_id, endpoint_id)
    if found is None:
        raise NotFound(f"Webhook endpoint {endpoint_id} does not exist")
    return found


def delete(tx: Transaction, ctx: RequestContext, endpoint_id: str) -> None:
    endpoint = find(tx, ctx, endpoint_id)
    tx.delete_webhook(endpoint.id)
    tx.emit(ctx.account_id, kinds.WEBHOOK_DELETED, {"EndpointId": endpoint.id, "Url": endpoint.url}, at_us=now_us())


def set_enabled(tx: Transaction, ctx: RequestContext, endpoint_id: str, enabled: bool) -> WebhookEndpoint:
    endpoint = find(tx, ctx, endpoint_id)
    if endpoint.enabled == enabled:
        return endpoint
    if enabled:  # a fresh start: no failures held against it, due at once
        values: dict[str, Any] = {
            "enabled": True,
            "disabled_reason": None,
            "attempts": 0,
            "failing_since_us": None,
            "next_attempt_us": 0,
        }
    else:
        values = {"enabled": False, "disabled_reason": "disabled by a user"}
    tx.update_webhook(endpoint.id, **values)
    data = {"EndpointId": endpoint.id, "Url": endpoint.url}
    if not enabled:
        data["Reason"] = "disabled by a user"
    tx.emit(ctx.account_id, kinds.WEBHOOK_ENABLED if enabled else kinds.WEBHOOK_DISABLED, data, at_us=now_us())
    return endpoint._replace(**values)


def rotate_secret(tx: Transaction, ctx: RequestContext, endpoint_id: str) -> WebhookEndpoint:
    endpoint = find(tx, ctx, endpoint_id)
    values: dict[str, Any] = {
        "secret": signing.new_secret(),
        "previous_secret": endpoint.secret,
        "previous_secret_until_us": now_us() + ROTATION_GRACE_SECONDS * 1_000_000,
    }
    tx.update_webhook(endpoint.id, **values)
    return endpoint._replace(**values)


def redeliver(tx: Transaction, ctx: RequestContext, endpoint_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Send one event again (``event``), or everything since a time (``since``, ISO 8601)."""
    if set(body) not in ({"event"}, {"since"}):
        raise InvalidInputException("Give exactly one of 'event' (a cursor) and 'since' (an ISO 8601 time)")
    endpoint = find(tx, ctx, endpoint_id)
    if "event" in body:
        cursor = parse_cursor("event", str(body["event"]))
        event = tx.event(cursor)
        if event is None or event.account_id != ctx.account_id:
            raise NotFound(f"Event {cursor} is not in the log (it may have been pruned)")
        tx.add_replay(endpoint.id, cursor)
        return {"queued": 1}
    since = _time("since", body["since"])
    first = tx.first_event_since(ctx.account_id, since)
    if first is None:
        return {"queued": 0}
    position = min(endpoint.position, first - 1)
    tx.update_webhook(endpoint.id, position=position, attempts=0, next_attempt_us=0)
    return {"from": str(first)}


def _time(name: str, value: Any) -> int:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not EARLIEST <= moment <= LATEST:
        raise InvalidInputException(
            f"Value {value!r} at '{name}' failed to satisfy constraint: Member must be an ISO 8601 time with its zone, e.g. 2026-12-01T00:00:00Z"
        )
    return to_us(moment)


async def ping(sender: Sender, endpoint: WebhookEndpoint) -> dict[str, Any]:
    """Send a ``ping`` event now; what came of it (also in the attempt log)."""
    message_id = "msg_ping_" + secrets.token_hex(8)
    body = orjson.dumps(
        {
            "id": message_id,
            "type": "ping",
            "timestamp": kinds.iso(now_us()),
            "account": endpoint.account_id,
            "data": {"EndpointId": endpoint.id},
        }
    )
    answer = await sender.send(endpoint, message_id, body)
    return {
        "endpoint_id": endpoint.id,
        "message_id": message_id,
        "cursor": None,
        "type": "ping",
        "attempt": 1,
        "at_us": now_us(),
        "status": answer.status,
        "latency_us": answer.latency_us,
        "outcome": answer.outcome,
        "answer": answer.text,
    }
