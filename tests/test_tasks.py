"""Migration tasks: import, notify, describe, history, and which state is current.

In process (tests/inprocess.py), on both engines."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import error_code, error_message, list_all_tasks, list_all_updates, ts, uniq, utc
from inprocess import InProcessHub


@pytest.fixture(scope="module")
def mgh(inprocess_hub: InProcessHub) -> Any:
    return inprocess_hub.client("mgh")


T0 = utc(2026, 11, 1, 10, 0, 0)


@pytest.fixture
def stream(mgh: Any) -> str:
    name = uniq("tasks")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    return name


def notify(
    mgh: Any,
    stream: str,
    task: str,
    when: datetime,
    status: str = "IN_PROGRESS",
    next_update: int = 60,
    **fields: Any,
) -> dict[str, Any]:
    body = {"Status": status, **fields}
    return mgh.notify_migration_task_state(
        ProgressUpdateStream=stream,
        MigrationTaskName=task,
        Task=body,
        UpdateDateTime=when,
        NextUpdateSeconds=next_update,
    )


def describe(mgh: Any, stream: str, task: str) -> dict[str, Any]:
    return mgh.describe_migration_task(ProgressUpdateStream=stream, MigrationTaskName=task)["MigrationTask"]


# -- import ---------------------------------------------------------------------------
def test_import_needs_stream(mgh: Any) -> None:
    with pytest.raises(ClientError) as exc:
        mgh.import_migration_task(ProgressUpdateStream=uniq("nostream"), MigrationTaskName="t")
    assert error_code(exc.value) == "ResourceNotFoundException"


def test_import_then_describe_has_no_state(mgh: Any, stream: str) -> None:
    resp = mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="server-1")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    task = describe(mgh, stream, "server-1")
    assert task["ProgressUpdateStream"] == stream
    assert task["MigrationTaskName"] == "server-1"
    assert "Task" not in task
    assert "UpdateDateTime" not in task


def test_import_is_idempotent_and_keeps_state(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="server-1")
    notify(mgh, stream, "server-1", T0, ProgressPercent=40, StatusDetail="copying")
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="server-1")
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="server-1")
    task = describe(mgh, stream, "server-1")
    assert task["Task"] == {"Status": "IN_PROGRESS", "ProgressPercent": 40, "StatusDetail": "copying"}
    assert len(list_all_updates(mgh, stream, "server-1")) == 1
    assert [t["MigrationTaskName"] for t in list_all_tasks(mgh) if t["ProgressUpdateStream"] == stream] == ["server-1"]


def test_import_dry_run_changes_nothing(mgh: Any, stream: str) -> None:
    with pytest.raises(ClientError) as exc:
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="dry", DryRun=True)
    assert error_code(exc.value) == "DryRunOperation"
    assert "Dry Run was a success!" in error_message(exc.value)
    with pytest.raises(ClientError) as exc:
        describe(mgh, stream, "dry")
    assert error_code(exc.value) == "ResourceNotFoundException"


# -- notify / describe ----------------------------------------------------------------
def test_notify_needs_stream(mgh: Any) -> None:
    with pytest.raises(ClientError) as exc:
        notify(mgh, uniq("nostream"), "t", T0)
    assert error_code(exc.value) == "ResourceNotFoundException"


def test_notify_needs_imported_task(mgh: Any, stream: str) -> None:
    with pytest.raises(ClientError) as exc:
        notify(mgh, stream, "never-imported", T0)
    assert error_code(exc.value) == "ResourceNotFoundException"


def test_describe_missing_stream_and_task(mgh: Any, stream: str) -> None:
    with pytest.raises(ClientError) as exc:
        describe(mgh, uniq("nostream"), "t")
    assert error_code(exc.value) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        describe(mgh, stream, "missing")
    assert error_code(exc.value) == "ResourceNotFoundException"


def test_notify_then_describe(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="server-1")
    resp = notify(mgh, stream, "server-1", T0, StatusDetail="Copying image data", ProgressPercent=77)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    task = describe(mgh, stream, "server-1")
    assert task["ProgressUpdateStream"] == stream
    assert task["MigrationTaskName"] == "server-1"
    assert task["Task"] == {"Status": "IN_PROGRESS", "StatusDetail": "Copying image data", "ProgressPercent": 77}
    assert ts(task["UpdateDateTime"]) == T0.timestamp()


def test_notify_status_only(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    notify(mgh, stream, "t", T0, status="NOT_STARTED")
    assert describe(mgh, stream, "t")["Task"] == {"Status": "NOT_STARTED"}


@pytest.mark.parametrize("status", ["NOT_STARTED", "IN_PROGRESS", "FAILED", "COMPLETED"])
def test_every_status_roundtrips(mgh: Any, stream: str, status: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    notify(mgh, stream, "t", T0, status=status, ProgressPercent=100, StatusDetail="")
    task = describe(mgh, stream, "t")["Task"]
    assert task["Status"] == status
    assert task["ProgressPercent"] == 100


@pytest.mark.parametrize("next_update", [0, 1, 2**31, sys.maxsize], ids=["zero", "one", "over-int32", "maxsize"])
def test_next_update_seconds_range(mgh: Any, stream: str, next_update: int) -> None:
    assert sys.maxsize == 9223372036854775807
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    notify(mgh, stream, "t", T0, next_update=next_update, ProgressPercent=1)
    assert describe(mgh, stream, "t")["Task"]["ProgressPercent"] == 1


def test_notify_dry_run_changes_nothing(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    notify(mgh, stream, "t", T0, ProgressPercent=10)
    with pytest.raises(ClientError) as exc:
        mgh.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName="t",
            Task={"Status": "COMPLETED", "ProgressPercent": 100},
            UpdateDateTime=T0 + timedelta(hours=1),
            NextUpdateSeconds=0,
            DryRun=True,
        )
    assert error_code(exc.value) == "DryRunOperation"
    assert "Dry Run was a success!" in error_message(exc.value)
    assert describe(mgh, stream, "t")["Task"]["ProgressPercent"] == 10
    assert len(list_all_updates(mgh, stream, "t")) == 1


def test_notify_same_task_name_in_two_streams_is_two_tasks(mgh: Any) -> None:
    a, b = uniq("twoA"), uniq("twoB")
    for s in (a, b):
        mgh.create_progress_update_stream(ProgressUpdateStreamName=s)
        mgh.import_migration_task(ProgressUpdateStream=s, MigrationTaskName="shared")
    notify(mgh, a, "shared", T0, ProgressPercent=11)
    notify(mgh, b, "shared", T0, ProgressPercent=22)
    assert describe(mgh, a, "shared")["Task"]["ProgressPercent"] == 11
    assert describe(mgh, b, "shared")["Task"]["ProgressPercent"] == 22


# -- which state is current -----------------------------------------------------------
def test_newer_update_wins(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    notify(mgh, stream, "t", T0, ProgressPercent=10)
    notify(mgh, stream, "t", T0 + timedelta(minutes=1), ProgressPercent=20)
    task = describe(mgh, stream, "t")
    assert task["Task"]["ProgressPercent"] == 20
    assert ts(task["UpdateDateTime"]) == (T0 + timedelta(minutes=1)).timestamp()


def test_late_older_update_never_overwrites(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    notify(mgh, stream, "t", T0 + timedelta(minutes=5), status="COMPLETED", ProgressPercent=100)
    notify(mgh, stream, "t", T0, status="IN_PROGRESS", ProgressPercent=50)  # arrives late
    task = describe(mgh, stream, "t")
    assert task["Task"]["Status"] == "COMPLETED"
    assert task["Task"]["ProgressPercent"] == 100
    assert ts(task["UpdateDateTime"]) == (T0 + timedelta(minutes=5)).timestamp()
    summary = [r for r in list_all_tasks(mgh) if r["ProgressUpdateStream"] == stream]
    assert summary[0]["Status"] == "COMPLETED"
    # ... but the late notification is still recorded in the history
    history = list_all_updates(mgh, stream, "t")
    assert len(history) == 2
    assert sorted(h["MigrationTaskState"]["ProgressPercent"] for h in history) == [50, 100]


def test_tie_later_arrival_wins(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    notify(mgh, stream, "t", T0, StatusDetail="first", ProgressPercent=30)
    notify(mgh, stream, "t", T0, StatusDetail="second", ProgressPercent=31)
    task = describe(mgh, stream, "t")["Task"]
    assert task == {"Status": "IN_PROGRESS", "StatusDetail": "second", "ProgressPercent": 31}
    notify(mgh, stream, "t", T0, StatusDetail="third", ProgressPercent=29)
    assert describe(mgh, stream, "t")["Task"]["StatusDetail"] == "third"
    assert len(list_all_updates(mgh, stream, "t")) == 3


def test_sub_second_timestamps_order_updates(inprocess_hub: InProcessHub, mgh: Any, stream: str) -> None:
    """JSON 1.1 timestamps are epoch seconds with fractions allowed (sent raw: old botocore
    versions truncate to whole seconds)."""
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    base = T0.timestamp()
    for when, percent in ((base + 0.5, 2), (base + 0.25, 1)):
        body = {
            "ProgressUpdateStream": stream,
            "MigrationTaskName": "t",
            "Task": {"Status": "IN_PROGRESS", "ProgressPercent": percent},
            "UpdateDateTime": when,
            "NextUpdateSeconds": 60,
        }
        status, _, raw = inprocess_hub.http(
            "POST",
            "/",
            body=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSMigrationHub.NotifyMigrationTaskState",
            },
        )
        assert status == 200, raw
    task = describe(mgh, stream, "t")
    assert task["Task"]["ProgressPercent"] == 2
    assert abs(ts(task["UpdateDateTime"]) - (base + 0.5)) < 0.0015


# -- history --------------------------------------------------------------------------
def test_history_empty_after_import(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    resp = mgh.list_migration_task_updates(ProgressUpdateStream=stream, MigrationTaskName="t")
    assert resp["MigrationTaskUpdateList"] == []
    assert "NextToken" not in resp


def test_history_records_every_notification_in_time_order(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    sent = []
    for i in range(6):
        when = T0 + timedelta(minutes=i)
        fields = {"ProgressPercent": i * 20 if i < 5 else 100, "StatusDetail": f"step {i}"}
        status = "COMPLETED" if i == 5 else "IN_PROGRESS"
        notify(mgh, stream, "t", when, status=status, **fields)
        sent.append((when.timestamp(), {"Status": status, **fields}))
    history = list_all_updates(mgh, stream, "t")
    assert len(history) == 6
    for entry, (when, state) in zip(history, sent, strict=False):
        assert entry["UpdateType"] == "MIGRATION_TASK_STATE_UPDATED"
        assert ts(entry["UpdateDateTime"]) == when
        assert entry["MigrationTaskState"] == state
    times = [ts(h["UpdateDateTime"]) for h in history]
    assert times == sorted(times)


def test_history_keeps_duplicates(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    for _ in range(3):
        notify(mgh, stream, "t", T0, ProgressPercent=5)
    assert len(list_all_updates(mgh, stream, "t")) == 3


def test_history_of_missing_task(mgh: Any, stream: str) -> None:
    with pytest.raises(ClientError) as exc:
        mgh.list_migration_task_updates(ProgressUpdateStream=stream, MigrationTaskName="missing")
    assert error_code(exc.value) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        mgh.list_migration_task_updates(ProgressUpdateStream=uniq("nostream"), MigrationTaskName="t")
    assert error_code(exc.value) == "ResourceNotFoundException"


def test_history_of_one_task_only(mgh: Any, stream: str) -> None:
    for name in ("a", "b"):
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=name)
    notify(mgh, stream, "a", T0, ProgressPercent=1)
    notify(mgh, stream, "b", T0, ProgressPercent=2)
    notify(mgh, stream, "b", T0 + timedelta(seconds=1), ProgressPercent=3)
    assert [h["MigrationTaskState"]["ProgressPercent"] for h in list_all_updates(mgh, stream, "a")] == [1]
    assert [h["MigrationTaskState"]["ProgressPercent"] for h in list_all_updates(mgh, stream, "b")] == [2, 3]


# -- ListMigrationTasks ---------------------------------------------------------------
def test_list_migration_tasks_summary_fields(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="server-1")
    notify(mgh, stream, "server-1", T0, StatusDetail="Copying image data", ProgressPercent=77)
    rows = [r for r in list_all_tasks(mgh) if r["ProgressUpdateStream"] == stream]
    assert len(rows) == 1
    row = rows[0]
    assert row["MigrationTaskName"] == "server-1"
    assert row["Status"] == "IN_PROGRESS"
    assert row["ProgressPercent"] == 77
    assert row["StatusDetail"] == "Copying image data"
    assert ts(row["UpdateDateTime"]) == T0.timestamp()
    assert set(row) <= {
        "ProgressUpdateStream",
        "MigrationTaskName",
        "Status",
        "ProgressPercent",
        "StatusDetail",
        "UpdateDateTime",
    }


def test_list_migration_tasks_ordered_by_stream_then_task(mgh: Any) -> None:
    prefix = uniq("order")
    streams = [f"{prefix}-b", f"{prefix}-a"]
    tasks = ["t-3", "t-1", "t-2"]
    for s in streams:
        mgh.create_progress_update_stream(ProgressUpdateStreamName=s)
        for t in tasks:
            mgh.import_migration_task(ProgressUpdateStream=s, MigrationTaskName=t)
            notify(mgh, s, t, T0, ProgressPercent=int(t[-1]))
    rows = list_all_tasks(mgh, page_size=4)
    ours = [(r["ProgressUpdateStream"], r["MigrationTaskName"]) for r in rows if r["ProgressUpdateStream"] in streams]
    assert ours == sorted((s, t) for s in streams for t in tasks)
    keys = [(r["ProgressUpdateStream"], r["MigrationTaskName"]) for r in rows]
    assert len(keys) == len(set(keys)), "no task may appear twice across pages"


def test_list_migration_tasks_reflects_current_state(mgh: Any, stream: str) -> None:
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    notify(mgh, stream, "t", T0, ProgressPercent=10)
    notify(mgh, stream, "t", T0 + timedelta(hours=1), status="COMPLETED", ProgressPercent=100)
    notify(mgh, stream, "t", T0 + timedelta(minutes=30), ProgressPercent=60)  # late, older
    rows = [r for r in list_all_tasks(mgh) if r["ProgressUpdateStream"] == stream]
    assert [(r["Status"], r["ProgressPercent"]) for r in rows] == [("COMPLETED", 100)]
    assert ts(rows[0]["UpdateDateTime"]) == (T0 + timedelta(hours=1)).timestamp()


def test_now_timestamp_roundtrip(mgh: Any, stream: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    notify(mgh, stream, "t", now)
    assert ts(describe(mgh, stream, "t")["UpdateDateTime"]) == now.timestamp()


# -- concurrency ----------------------------------------------------------------------
def test_concurrent_notifications_lose_nothing(inprocess_hub: InProcessHub, stream: str) -> None:
    """Many threads notifying one task at once: every notification is kept, the newest wins."""
    from concurrent.futures import ThreadPoolExecutor

    setup = inprocess_hub.client("mgh")
    setup.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="hot")
    n_threads, per_thread = 8, 15

    def worker(w: int) -> int:
        client = inprocess_hub.client("mgh")
        for k in range(per_thread):
            client.notify_migration_task_state(
                ProgressUpdateStream=stream,
                MigrationTaskName="hot",
                Task={
                    "Status": "IN_PROGRESS",
                    "ProgressPercent": (w * per_thread + k) % 101,
                    "StatusDetail": f"w{w} k{k}",
                },
                UpdateDateTime=T0 + timedelta(seconds=w * per_thread + k),
                NextUpdateSeconds=60,
            )
        return per_thread

    with ThreadPoolExecutor(n_threads) as pool:
        assert sum(pool.map(worker, range(n_threads))) == n_threads * per_thread
    history = list_all_updates(setup, stream, "hot")
    assert len(history) == n_threads * per_thread
    newest = n_threads * per_thread - 1
    task = describe(setup, stream, "hot")
    assert task["Task"]["StatusDetail"] == f"w{n_threads - 1} k{per_thread - 1}"
    assert ts(task["UpdateDateTime"]) == (T0 + timedelta(seconds=newest)).timestamp()
    times = [ts(h["UpdateDateTime"]) for h in history]
    assert times == sorted(times)
