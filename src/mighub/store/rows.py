"""What a ``Transaction`` returns: one named, typed tuple per kind of row.

Each is a ``NamedTuple`` whose fields are columns of its table, in order, so a
query selects ``columns(table, Row)`` and makes each row with ``Row._make``: a
tuple, as cheap to build and read as the driver's own.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Column, Table


def columns(table: Table, row: type[tuple[Any, ...]]) -> list[Column[Any]]:
    """The columns of ``table`` that make a ``row``, in its fields' order."""
    return [table.c[name] for name in row._fields]  # type: ignore[attr-defined]


class HomeRegionControl(NamedTuple):
    control_id: str
    account_id: str
    home_region: str
    target_type: str
    target_id: str | None
    requested_us: int


class Stream(NamedTuple):
    id: int
    deleting: bool


class DeletingStream(NamedTuple):
    id: int
    account_id: str
    name: str


class StreamAndTask(NamedTuple):
    stream_id: int
    deleting: bool
    task_id: int | None  # None when the stream has no such task


class Task(NamedTuple):
    id: int
    stream_id: int
    account_id: str
    stream_name: str
    name: str
    created_us: int
    # The latest state; all None until the first notification.
    status: str | None
    status_detail: str | None
    progress_percent: int | None
    update_us: int | None
    next_update_seconds: int | None
    stale_at_us: int | None  # None: never stale
    stale_reported: bool  # the event log has said it went stale


class TaskUpdate(NamedTuple):
    id: int
    task_id: int
    update_us: int
    received_us: int
    status: str
    status_detail: str | None
    progress_percent: int | None
    next_update_seconds: int


class ResourceAttribute(NamedTuple):
    type: str
    value: str


# What a task is associated with; ``key`` is the name each is associated by.


class CreatedArtifact(NamedTuple):
    name: str
    description: str | None

    @property
    def key(self) -> str:
        return self.name


class DiscoveredResource(NamedTuple):
    configuration_id: str
    description: str | None

    @property
    def key(self) -> str:
        return self.configuration_id


class SourceResource(NamedTuple):
    name: str
    description: str | None
    status_detail: str | None

    @property
    def key(self) -> str:
        return self.name


Association = CreatedArtifact | DiscoveredResource | SourceResource


class ApplicationState(NamedTuple):
    application_id: str
    status: str
    update_us: int


class Event(NamedTuple):
    cursor: int
    account_id: str
    type: str
    stream_name: str | None
    occurred_us: int
    data: str  # JSON


class EventLogBounds(NamedTuple):
    last_cursor: int  # the newest event's cursor (0: none yet)
    pruned_through: int  # events up to this cursor may be gone


class WebhookEndpoint(NamedTuple):
    id: str
    account_id: str
    url: str
    description: str | None
    types: str  # JSON list
    streams: str  # JSON list
    enabled: bool
    disabled_reason: str | None
    secret: str
    previous_secret: str | None
    previous_secret_until_us: int | None
    created_us: int
    position: int
    attempts: int
    next_attempt_us: int
    failing_since_us: int | None
    lease_until_us: int


class WebhookAttempt(NamedTuple):
    id: int
    endpoint_id: str
    message_id: str
    cursor: int | None
    type: str
    attempt: int
    at_us: int
    status: int | None
    latency_us: int
    outcome: str
    answer: str | None
