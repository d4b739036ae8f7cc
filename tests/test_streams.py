"""Progress update streams: create (idempotent), list, delete (background), dry runs.

In process (tests/inprocess.py), on both engines."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import error_code, error_message, list_all_streams, list_all_tasks, poll, uniq
from inprocess import InProcessHub, InProcessHubFactory


@pytest.fixture(scope="module")
def mgh(inprocess_hub: InProcessHub) -> Any:
    return inprocess_hub.client("mgh")


def _notify(mgh: Any, stream: str, task: str, **task_fields: Any) -> None:
    mgh.notify_migration_task_state(
        ProgressUpdateStream=stream,
        MigrationTaskName=task,
        Task={"Status": "IN_PROGRESS", **task_fields},
        UpdateDateTime=datetime.now(UTC),
        NextUpdateSeconds=60,
    )


def test_create_then_listed(mgh: Any) -> None:
    name = uniq("stream")
    resp = mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert name in list_all_streams(mgh)


def test_create_is_idempotent(mgh: Any) -> None:
    name = uniq("idem")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    mgh.import_migration_task(ProgressUpdateStream=name, MigrationTaskName="t1")
    _notify(mgh, name, "t1", ProgressPercent=10)
    # a real tool creates the stream before every notification: nothing may change
    mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    assert list_all_streams(mgh).count(name) == 1
    task = mgh.describe_migration_task(ProgressUpdateStream=name, MigrationTaskName="t1")
    assert task["MigrationTask"]["Task"]["ProgressPercent"] == 10


def test_list_is_sorted_by_name(mgh: Any) -> None:
    prefix = uniq("sort")
    names = [f"{prefix}-{s}" for s in ("c", "a", "b", "e", "d")]
    for n in names:
        mgh.create_progress_update_stream(ProgressUpdateStreamName=n)
    listed = list_all_streams(mgh)
    assert listed == sorted(listed), "ListProgressUpdateStreams must be ordered by name"
    assert [n for n in listed if n.startswith(prefix)] == sorted(names)


def test_summary_shape(mgh: Any) -> None:
    name = uniq("shape")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    resp = mgh.list_progress_update_streams(MaxResults=100)
    assert "ProgressUpdateStreamSummaryList" in resp
    for summary in resp["ProgressUpdateStreamSummaryList"]:
        assert set(summary) == {"ProgressUpdateStreamName"}


def test_create_dry_run_changes_nothing(mgh: Any) -> None:
    name = uniq("dry")
    with pytest.raises(ClientError) as exc:
        mgh.create_progress_update_stream(ProgressUpdateStreamName=name, DryRun=True)
    assert error_code(exc.value) == "DryRunOperation"
    assert "Dry Run was a success!" in error_message(exc.value)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert name not in list_all_streams(mgh)
    # the stream really does not exist
    with pytest.raises(ClientError) as exc2:
        mgh.import_migration_task(ProgressUpdateStream=name, MigrationTaskName="t")
    assert error_code(exc2.value) == "ResourceNotFoundException"


def test_create_dry_run_false_creates(mgh: Any) -> None:
    name = uniq("nodry")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=name, DryRun=False)
    assert name in list_all_streams(mgh)


def test_delete_missing_stream_is_not_found(mgh: Any) -> None:
    with pytest.raises(ClientError) as exc:
        mgh.delete_progress_update_stream(ProgressUpdateStreamName=uniq("missing"))
    assert error_code(exc.value) == "ResourceNotFoundException"


def test_delete_dry_run_changes_nothing(mgh: Any) -> None:
    name = uniq("deldry")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    mgh.import_migration_task(ProgressUpdateStream=name, MigrationTaskName="t1")
    with pytest.raises(ClientError) as exc:
        mgh.delete_progress_update_stream(ProgressUpdateStreamName=name, DryRun=True)
    assert error_code(exc.value) == "DryRunOperation"
    assert name in list_all_streams(mgh)
    task = mgh.describe_migration_task(ProgressUpdateStream=name, MigrationTaskName="t1")
    assert task["MigrationTask"]["MigrationTaskName"] == "t1"


def _stream_gone_and_recreatable(mgh: Any, name: str) -> bool:
    """True once the deletion has finished: creating the name succeeds (a new stream)."""
    if name in list_all_streams(mgh):
        return False
    try:
        mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    except ClientError as exc:
        assert error_code(exc) == "InvalidInputException", exc.response
        return False
    return True


def test_delete_removes_stream_tasks_and_history(mgh: Any) -> None:
    name = uniq("del")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    for i in range(3):
        mgh.import_migration_task(ProgressUpdateStream=name, MigrationTaskName=f"task-{i}")
        _notify(mgh, name, f"task-{i}", ProgressPercent=i * 10)
    assert len([t for t in list_all_tasks(mgh) if t["ProgressUpdateStream"] == name]) == 3

    resp = mgh.delete_progress_update_stream(ProgressUpdateStreamName=name)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    # a stream being deleted (or deleted) is not listed, right away
    assert name not in list_all_streams(mgh)

    poll(lambda: _stream_gone_and_recreatable(mgh, name), timeout=20)

    # the re-created stream is new and empty
    assert name in list_all_streams(mgh)
    assert [t for t in list_all_tasks(mgh) if t["ProgressUpdateStream"] == name] == []
    with pytest.raises(ClientError) as exc:
        mgh.describe_migration_task(ProgressUpdateStream=name, MigrationTaskName="task-0")
    assert error_code(exc.value) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        _notify(mgh, name, "task-1")
    assert error_code(exc.value) == "ResourceNotFoundException"
    # importing again starts from scratch: no state and no history
    mgh.import_migration_task(ProgressUpdateStream=name, MigrationTaskName="task-0")
    fresh = mgh.describe_migration_task(ProgressUpdateStream=name, MigrationTaskName="task-0")
    assert "Task" not in fresh["MigrationTask"]
    updates = mgh.list_migration_task_updates(ProgressUpdateStream=name, MigrationTaskName="task-0")
    assert updates["MigrationTaskUpdateList"] == []


def test_writes_while_deleting_are_refused(inprocess_hub_factory: InProcessHubFactory) -> None:
    """While the background deletion runs, create/import/notify get InvalidInputException.

    The hub's lifespan is not started yet, so its deleter is not running: the stream stays
    in its deleting state until it is; then the name becomes a new, empty stream.
    """
    hub = inprocess_hub_factory(start=False)
    mgh = hub.client("mgh")
    name = uniq("deling")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    for i in range(3):
        mgh.import_migration_task(ProgressUpdateStream=name, MigrationTaskName=f"t{i:04d}")
    _notify(mgh, name, "t0000", ProgressPercent=5)
    mgh.delete_progress_update_stream(ProgressUpdateStreamName=name)

    for call in (
        lambda: _notify(mgh, name, "t0000", ProgressPercent=6),
        lambda: mgh.import_migration_task(ProgressUpdateStream=name, MigrationTaskName="t0001"),
        lambda: mgh.import_migration_task(ProgressUpdateStream=name, MigrationTaskName="new"),
        lambda: mgh.create_progress_update_stream(ProgressUpdateStreamName=name),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc.value) == "InvalidInputException", exc.value.response
    assert name not in list_all_streams(mgh)

    hub.start()
    poll(lambda: _stream_gone_and_recreatable(mgh, name), timeout=20)
    # the stream that now exists is empty
    assert [t for t in list_all_tasks(mgh) if t["ProgressUpdateStream"] == name] == []


def test_delete_then_delete_again(mgh: Any) -> None:
    """Once the deletion has finished, deleting the name again is ResourceNotFoundException.

    (While it runs, the hub answers a second delete as a success: marking a stream that
    is already being deleted changes nothing. So the end is watched through an import,
    refused with InvalidInputException while deleting, ResourceNotFoundException after.)
    """
    name = uniq("deltwice")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    mgh.delete_progress_update_stream(ProgressUpdateStreamName=name)
    poll(lambda: name not in list_all_streams(mgh))

    def gone() -> bool:
        try:
            mgh.import_migration_task(ProgressUpdateStream=name, MigrationTaskName="t")
        except ClientError as exc:
            assert error_code(exc) in {"ResourceNotFoundException", "InvalidInputException"}
            return error_code(exc) == "ResourceNotFoundException"
        raise AssertionError("importing into a deleted stream must fail")

    poll(gone, timeout=20)
    with pytest.raises(ClientError) as exc:
        mgh.delete_progress_update_stream(ProgressUpdateStreamName=name)
    assert error_code(exc.value) == "ResourceNotFoundException"


def test_stream_name_edge_characters(mgh: Any) -> None:
    # the pattern [^/:|\000-\037]+ allows spaces, dots, unicode...
    name = f"Tool v1.2 (é) {uniq('x')}"[:50]
    mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    assert name in list_all_streams(mgh)
    mgh.import_migration_task(ProgressUpdateStream=name, MigrationTaskName="srv #1 / é")
    got = mgh.describe_migration_task(ProgressUpdateStream=name, MigrationTaskName="srv #1 / é")
    assert got["MigrationTask"]["ProgressUpdateStream"] == name
    assert got["MigrationTask"]["MigrationTaskName"] == "srv #1 / é"
