"""Reading the event log: pages after a cursor, as one caller may see them.

A cursor is the decimal number of an event's place in the log (an opaque string
to clients). ``0`` is before the first event. The log keeps events for the
retention period: asked for what follows a cursor older than what is kept, it
answers *resync* (re-read the state, then follow from the cursor it names),
never a silent gap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ..auth.resources import stream_arn, task_arn
from ..context import RequestContext
from ..errors import InvalidInputException
from ..store.rows import Event
from ..store.transaction import Transaction
from . import kinds

# Events a caller may not see are skipped, but a page reads at most this many
# rows of the log, so a caller who may see little still gets a prompt answer
# (with the cursor to go on from).
SCAN_BUDGET = 1000
_CURSOR = re.compile(r"[0-9]{1,19}")
CURSOR_MAX = 2**63 - 1


def parse_cursor(name: str, value: str) -> int:
    """A cursor as a client sends it back; a bad one is refused, naming ``name``."""
    if _CURSOR.fullmatch(value) is None or int(value) > CURSOR_MAX:
        raise InvalidInputException(
            f"Value {value!r} at '{name}' failed to satisfy constraint: Member must be an event cursor "
            "(a decimal number from 0, as an event's id gives it)"
        )
    return int(value)


@dataclass(frozen=True)
class Filter:
    """Which events a reader asked for: of some types (``migration_task.*`` for a
    family), of one stream. Empty: everything."""

    types: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    stream: str | None = None

    @classmethod
    def parse(cls, types: Sequence[str], stream: str | None) -> Filter:
        exact: list[str] = []
        prefixes: list[str] = []
        families = sorted({t.split(".")[0] for t in kinds.TYPES})
        for value in types:
            if value.endswith(".*") and value[:-2] in families:
                prefixes.append(value[:-1])
            elif value in kinds.TYPES:
                exact.append(value)
            else:
                raise InvalidInputException(
                    f"Value {value!r} at 'type' failed to satisfy constraint: Member must be an event type "
                    f"({', '.join(kinds.TYPES)}) or a family of them ({', '.join(f + '.*' for f in families)})"
                )
        return cls(tuple(exact), tuple(prefixes), stream)

    def accepts(self, event: Event) -> bool:
        if self.stream is not None and event.stream_name != self.stream:
            return False
        if not (self.types or self.prefixes):
            return True
        return event.type in self.types or event.type.startswith(self.prefixes)


def visible_to(ctx: RequestContext) -> Callable[[Event], bool]:
    """Whether the caller may see an event: its own account's, and only about
    what it may read through the API (the rule of ListMigrationTasks):
    a task's events need ``mgh:DescribeMigrationTask`` on the task, a stream's
    ``mgh:ListProgressUpdateStreams`` on the stream, an application's
    ``mgh:DescribeApplicationState``, the home region's
    ``mgh:DescribeHomeRegionControls``, a webhook endpoint's ``mighub:ManageWebhooks``."""
    account, region = ctx.account_id, ctx.arn_region

    def visible(event: Event) -> bool:
        if event.account_id != account:
            return False
        if ctx.policy is None:
            return True
        family = event.type.split(".")[0]
        if family == "migration_task":
            data = orjson.loads(event.data)
            resource = task_arn(region, account, data["ProgressUpdateStream"], data["MigrationTaskName"])
            return ctx.allows("mgh:DescribeMigrationTask", resource)
        if family == "progress_update_stream":
            assert event.stream_name is not None
            return ctx.allows("mgh:ListProgressUpdateStreams", stream_arn(region, account, event.stream_name))
        if family == "application":
            return ctx.allows("mgh:DescribeApplicationState", "*")
        if family == "webhook_endpoint":
            return ctx.allows("mighub:ManageWebhooks", "*")
        return ctx.allows("mgh:DescribeHomeRegionControls", "*")

    return visible


def to_json(event: Event) -> dict[str, Any]:
    """An event as clients receive it (SSE ``data:``, the pull API, webhooks)."""
    return {
        "id": event_id(event.cursor),
        "cursor": str(event.cursor),
        "type": event.type,
        "timestamp": kinds.iso(event.occurred_us),
        "account": event.account_id,
        "data": orjson.loads(event.data),
    }


def event_id(cursor: int) -> str:
    """An event's id: stable for the life of the hub's database."""
    return f"evt_{cursor}"


@dataclass(frozen=True)
class Page:
    events: list[Event]
    cursor: int  # where the next page begins: after the last event read (seen or not)
    resync: bool = False  # the asked-for cursor is older than what the log keeps


def read_page(
    tx: Transaction, after: int | None, limit: int, account_id: str, wanted: Filter, visible: Callable[[Event], bool]
) -> Page:
    """Up to ``limit`` events after ``after`` that the caller asked for and may see.

    ``after`` None starts at the oldest event kept. A page ends early rather than
    read more than SCAN_BUDGET rows; its cursor says where to go on from.
    """
    bounds = tx.event_log_bounds()
    if after is None:
        after = bounds.pruned_through
    elif after < bounds.pruned_through:
        return Page([], bounds.pruned_through, resync=True)
    found: list[Event] = []
    cursor, scanned = after, 0
    while len(found) < limit and scanned < SCAN_BUDGET:
        batch = min(SCAN_BUDGET - scanned, max(limit - len(found), 100))
        rows = tx.events_after(
            cursor,
            batch,
            account_id=account_id,
            types=wanted.types,
            type_prefixes=wanted.prefixes,
            stream_name=wanted.stream,
        )
        for row in rows:
            cursor = row.cursor
            if visible(row):
                found.append(row)
                if len(found) == limit:
                    break
        scanned += len(rows)
        if len(rows) < batch:
            # Everything up to the log's last cursor (read first, and given out in
            # commit order) was visible to that read: nothing below it is left.
            if len(found) < limit:
                cursor = max(cursor, bounds.last_cursor)
            break
    return Page(found, cursor)
