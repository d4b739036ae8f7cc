"""``mgh`` operations on progress update streams and migration tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..auth.resources import task_arn
from ..clock import from_us, now_us, to_us
from ..context import RequestContext
from ..errors import InvalidInputException, ResourceNotFoundException
from ..events import kinds
from ..protocol.validation import INT64_MAX
from ..store.rows import Task, TaskUpdate
from ..store.transaction import Transaction
from . import pagination
from .base import MigrationHubBase, reads, writes

FINAL_STATUSES = frozenset({"COMPLETED", "FAILED"})
DEFAULT_PAGE = 100


def stale_at_us(status: str, update_us: int, next_update_seconds: int) -> int | None:
    """When a task with this state turns stale, or None if it never does.

    A finished task is never stale, and ``NextUpdateSeconds = 0`` promises no
    further update. Tools send up to 2**63-1 seconds: the deadline saturates.
    """
    if status in FINAL_STATUSES or next_update_seconds == 0:
        return None
    return min(update_us + next_update_seconds * 1_000_000, INT64_MAX)


STREAMS = pagination.Listing("ListProgressUpdateStreams", (str,))
TASKS = pagination.Listing("ListMigrationTasks", (str, str))  # (stream, task)
UPDATES = pagination.Listing("ListMigrationTaskUpdates", (int, int))  # (update time, row id)


def describable(ctx: RequestContext) -> Callable[[Task], bool]:
    """Whether the caller may describe a task row: what the task listings show."""
    region, account = ctx.arn_region, ctx.account_id
    return lambda row: ctx.allows("mgh:DescribeMigrationTask", task_arn(region, account, row.stream_name, row.name))


class TaskOperations(MigrationHubBase):
    # -- progress update streams ------------------------------------------------

    @writes
    def create_progress_update_stream(
        self, tx: Transaction, ctx: RequestContext, progress_update_stream_name: str
    ) -> dict[str, Any]:
        stream = tx.stream(ctx.account_id, progress_update_stream_name)
        if stream is None:
            now = now_us()
            if tx.create_stream(ctx.account_id, progress_update_stream_name, now):
                data = {"ProgressUpdateStreamName": progress_update_stream_name}
                tx.emit(ctx.account_id, kinds.STREAM_CREATED, data, at_us=now, stream=progress_update_stream_name)
        elif stream.deleting:
            raise InvalidInputException(f"Progress update stream {progress_update_stream_name} is being deleted")
        return {}

    async def delete_progress_update_stream(
        self, ctx: RequestContext, progress_update_stream_name: str
    ) -> dict[str, Any]:
        result = await self._mark_stream_deleting(ctx, progress_update_stream_name)
        self._on_stream_deleting()  # committed: the background deleter may start on it
        return result

    @writes
    def _mark_stream_deleting(
        self, tx: Transaction, ctx: RequestContext, progress_update_stream_name: str
    ) -> dict[str, Any]:
        stream = tx.stream(ctx.account_id, progress_update_stream_name)
        if stream is None:
            raise ResourceNotFoundException(f"Progress update stream {progress_update_stream_name} does not exist")
        if not stream.deleting:
            tx.mark_stream_deleting(stream.id)
            data = {"ProgressUpdateStreamName": progress_update_stream_name}
            tx.emit(ctx.account_id, kinds.STREAM_DELETING, data, at_us=now_us(), stream=progress_update_stream_name)
        return {}

    @reads
    def list_progress_update_streams(
        self, tx: Transaction, ctx: RequestContext, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        names, token = self.tokens.pages(STREAMS, ctx.account_id).page(
            lambda after, n: tx.list_streams(ctx.account_id, after=after[0] if after else None, limit=n),
            next_token,
            max_results or DEFAULT_PAGE,
            lambda name: (name,),
        )
        summaries = [{"ProgressUpdateStreamName": n} for n in names]
        return pagination.listing("ProgressUpdateStreamSummaryList", summaries, token)

    # -- migration tasks ---------------------------------------------------------

    @writes
    def import_migration_task(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
    ) -> dict[str, Any]:
        stream = self.live_stream(tx, ctx, progress_update_stream)
        if tx.task(ctx.account_id, progress_update_stream, migration_task_name) is None:
            now = now_us()
            if tx.create_task(stream.id, ctx.account_id, progress_update_stream, migration_task_name, now):
                data = kinds.task_key(progress_update_stream, migration_task_name)
                tx.emit(ctx.account_id, kinds.TASK_IMPORTED, data, at_us=now, stream=progress_update_stream)
        return {}

    @writes
    def notify_migration_task_state(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        task: dict[str, Any],
        update_date_time: datetime,
        next_update_seconds: int,
    ) -> dict[str, Any]:
        # The task and its state in one locked lookup; only when it finds none is it
        # asked which of stream and task is missing (the error says which).
        previous = tx.live_task_for_update(ctx.account_id, progress_update_stream, migration_task_name)
        if previous is None:
            self.live_task_id(tx, ctx, progress_update_stream, migration_task_name)
            # Not missing after all: another replica imported it a moment ago.
            previous = tx.live_task_for_update(ctx.account_id, progress_update_stream, migration_task_name)
            if previous is None:
                raise ResourceNotFoundException(
                    f"Migration task {migration_task_name} does not exist in progress update stream {progress_update_stream}"
                )
        task_id = previous.id
        update_us = to_us(update_date_time)
        state = {
            "status": task["Status"],
            "status_detail": task.get("StatusDetail"),
            "progress_percent": task.get("ProgressPercent"),
            "update_us": update_us,
            "next_update_seconds": next_update_seconds,
            "stale_at_us": stale_at_us(task["Status"], update_us, next_update_seconds),
        }
        now = now_us()
        data = kinds.task_key(progress_update_stream, migration_task_name)
        data["Task"] = kinds.notified_state(state)
        if tx.record_update(task_id, state, now):
            data["Previous"] = kinds.task_state(previous)
            tx.emit(ctx.account_id, kinds.TASK_STATE_CHANGED, data, at_us=now, stream=progress_update_stream)
            if previous.stale_reported:  # the log said it went stale: now it says it is back
                back = kinds.task_key(progress_update_stream, migration_task_name)
                back.update(Task=data["Task"], StaleAt=kinds.iso(previous.stale_at_us or 0))
                tx.emit(ctx.account_id, kinds.TASK_RECOVERED, back, at_us=now, stream=progress_update_stream)
        else:
            data["Current"] = kinds.task_state(previous)
            tx.emit(ctx.account_id, kinds.TASK_UPDATE_RECORDED, data, at_us=now, stream=progress_update_stream)
        return {}

    @reads
    def describe_migration_task(
        self, tx: Transaction, ctx: RequestContext, progress_update_stream: str, migration_task_name: str
    ) -> dict[str, Any]:
        row = self.readable_task(tx, ctx, progress_update_stream, migration_task_name)
        described: dict[str, Any] = {"ProgressUpdateStream": row.stream_name, "MigrationTaskName": row.name}
        if row.status is not None:
            described["Task"] = _task_state(row)
            assert row.update_us is not None  # written together with the status
            described["UpdateDateTime"] = from_us(row.update_us)
        attributes = tx.resource_attributes(row.id)
        if attributes:
            described["ResourceAttributeList"] = [{"Type": a.type, "Value": a.value} for a in attributes]
        return {"MigrationTask": described}

    @reads
    def list_migration_tasks(
        self,
        tx: Transaction,
        ctx: RequestContext,
        next_token: str | None = None,
        max_results: int | None = None,
        resource_name: str | None = None,
    ) -> dict[str, Any]:
        # Only tasks the caller may describe, filtered before the page is cut.
        rows, token = self.tokens.pages(TASKS, ctx.account_id, resource_name).page(
            lambda after, n: tx.list_tasks(ctx.account_id, after=after, limit=n, configuration_id=resource_name),
            next_token,
            max_results or DEFAULT_PAGE,
            lambda r: (r.stream_name, r.name),
            describable(ctx),
        )
        return pagination.listing("MigrationTaskSummaryList", [_summary(r) for r in rows], token)

    @reads
    def list_migration_task_updates(
        self,
        tx: Transaction,
        ctx: RequestContext,
        progress_update_stream: str,
        migration_task_name: str,
        next_token: str | None = None,
        max_results: int | None = None,
    ) -> dict[str, Any]:
        task = self.readable_task(tx, ctx, progress_update_stream, migration_task_name)
        # The task's id in the scope keeps one task's token off another's
        # history, and off a new task of the same name.
        rows, token = self.tokens.pages(UPDATES, ctx.account_id, task.id).page(
            lambda after, n: tx.list_task_updates(task.id, after=after, limit=n),
            next_token,
            max_results or DEFAULT_PAGE,
            lambda r: (r.update_us, r.id),
        )
        updates = [
            {
                "UpdateDateTime": from_us(r.update_us),
                "UpdateType": "MIGRATION_TASK_STATE_UPDATED",
                "MigrationTaskState": _task_state(r),
            }
            for r in rows
        ]
        return pagination.listing("MigrationTaskUpdateList", updates, token)


def _task_state(row: Task | TaskUpdate) -> dict[str, Any]:
    state: dict[str, Any] = {"Status": row.status}
    if row.status_detail is not None:
        state["StatusDetail"] = row.status_detail
    if row.progress_percent is not None:
        state["ProgressPercent"] = row.progress_percent
    return state


def _summary(row: Task) -> dict[str, Any]:
    summary: dict[str, Any] = {"ProgressUpdateStream": row.stream_name, "MigrationTaskName": row.name}
    if row.status is not None:
        summary.update(_task_state(row))
        assert row.update_us is not None  # written together with the status
        summary["UpdateDateTime"] = from_us(row.update_us)
    return summary
