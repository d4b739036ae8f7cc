"""The event types, named in the Standard Webhooks style (``resource.happening``).

``data`` uses the API's own member names (``ProgressUpdateStream``,
``MigrationTaskName``, ``ApplicationId`` …), times as ISO 8601 UTC strings.
"""

from __future__ import annotations

from typing import Any

from ..clock import from_us
from ..store.rows import Task

STREAM_CREATED = "progress_update_stream.created"
STREAM_DELETING = "progress_update_stream.deleting"
STREAM_DELETED = "progress_update_stream.deleted"
TASK_IMPORTED = "migration_task.imported"
# The notification became the task's current state (the newest it has had).
TASK_STATE_CHANGED = "migration_task.state_changed"
# A notification older than the task's state: recorded in its history only.
TASK_UPDATE_RECORDED = "migration_task.update_recorded"
# Neither finished nor heard from by its UpdateDateTime + NextUpdateSeconds.
TASK_STALE = "migration_task.stale"
# A stale task was notified again.
TASK_RECOVERED = "migration_task.recovered"
TASK_ATTRIBUTES_CHANGED = "migration_task.attributes_changed"
TASK_ASSOCIATED = "migration_task.associated"
TASK_DISASSOCIATED = "migration_task.disassociated"
APPLICATION_STATE_CHANGED = "application.state_changed"
HOME_REGION_CREATED = "home_region.created"
HOME_REGION_DELETED = "home_region.deleted"
WEBHOOK_CREATED = "webhook_endpoint.created"
WEBHOOK_DELETED = "webhook_endpoint.deleted"
WEBHOOK_ENABLED = "webhook_endpoint.enabled"
# Disabled by a user, or by the hub (410 Gone, or failing for too long).
WEBHOOK_DISABLED = "webhook_endpoint.disabled"

TYPES = (
    STREAM_CREATED,
    STREAM_DELETING,
    STREAM_DELETED,
    TASK_IMPORTED,
    TASK_STATE_CHANGED,
    TASK_UPDATE_RECORDED,
    TASK_STALE,
    TASK_RECOVERED,
    TASK_ATTRIBUTES_CHANGED,
    TASK_ASSOCIATED,
    TASK_DISASSOCIATED,
    APPLICATION_STATE_CHANGED,
    HOME_REGION_CREATED,
    HOME_REGION_DELETED,
    WEBHOOK_CREATED,
    WEBHOOK_DELETED,
    WEBHOOK_ENABLED,
    WEBHOOK_DISABLED,
)

# What an association event calls each kind of thing associated with a task.
ASSOCIATION_KINDS = {
    "created_artifact": "CreatedArtifact",
    "discovered_resource": "DiscoveredResource",
    "source_resource": "SourceResource",
}


def iso(us: int) -> str:
    """A stored time as ISO 8601 UTC with microseconds, as events carry times."""
    return from_us(us).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def task_key(stream: str, task: str) -> dict[str, Any]:
    return {"ProgressUpdateStream": stream, "MigrationTaskName": task}


def task_state(row: Task) -> dict[str, Any] | None:
    """A task's current state as an event shows it; None before its first notification."""
    if row.status is None or row.update_us is None:
        return None
    state: dict[str, Any] = {"Status": row.status}
    if row.status_detail is not None:
        state["StatusDetail"] = row.status_detail
    if row.progress_percent is not None:
        state["ProgressPercent"] = row.progress_percent
    state["UpdateDateTime"] = iso(row.update_us)
    state["NextUpdateSeconds"] = row.next_update_seconds
    return state


def notified_state(state: dict[str, Any]) -> dict[str, Any]:
    """A notification (as ``record_update`` takes it) as an event shows it."""
    shown: dict[str, Any] = {"Status": state["status"]}
    if state["status_detail"] is not None:
        shown["StatusDetail"] = state["status_detail"]
    if state["progress_percent"] is not None:
        shown["ProgressPercent"] = state["progress_percent"]
    shown["UpdateDateTime"] = iso(state["update_us"])
    shown["NextUpdateSeconds"] = state["next_update_seconds"]
    return shown
