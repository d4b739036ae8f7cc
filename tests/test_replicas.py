"""Several `mighub serve` replicas over one database behave as one hub.

Run on both stores: PostgreSQL is the scale-out story, and two processes on one
SQLite file must be just as correct (they take turns at the write lock).
"""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import error_code, list_all_tasks, list_all_updates, poll, uniq

# Tests that put the hub under load, or time it, do not run beside one another
# under pytest-xdist (``--dist loadgroup``): each would slow the others down.
pytestmark = pytest.mark.xdist_group("load")

BASE = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def replicas(server_factory: Any, tmp_path: Any) -> tuple[Any, Any]:
    shared = tmp_path / "shared-data"
    first = server_factory(data_dir=shared)
    second = server_factory(data_dir=shared)
    return first, second


def test_interleaved_notifications_keep_newest_state_and_every_update(replicas: tuple[Any, Any]) -> None:
    clients = [r.client("mgh") for r in replicas]
    stream = uniq("rep")
    clients[0].create_progress_update_stream(ProgressUpdateStreamName=stream)
    tasks = [f"task-{i}" for i in range(12)]
    for i, task in enumerate(tasks):
        clients[i % 2].import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=task)

    # Every notification gets a distinct time, so "newest" is unambiguous.
    times = list(range(2000))
    random.Random(7).shuffle(times)
    work = [(tasks[i % len(tasks)], t) for i, t in enumerate(times[:600])]
    acknowledged: list[tuple[str, int]] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        mine = [r.client("mgh") for r in replicas]  # boto3 clients are not shared across threads
        rng = random.Random(index)
        for task, offset in work[index::6]:
            try:
                rng.choice(mine).notify_migration_task_state(
                    ProgressUpdateStream=stream,
                    MigrationTaskName=task,
                    Task={"Status": "IN_PROGRESS", "ProgressPercent": offset % 101},
                    UpdateDateTime=BASE + timedelta(seconds=offset),
                    NextUpdateSeconds=60,
                )
            except BaseException as exc:
                errors.append(exc)
                continue
            with lock:
                acknowledged.append((task, offset))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]

    for client in clients:  # both replicas see the same hub
        for task in tasks:
            mine = [offset for t, offset in acknowledged if t == task]
            described = client.describe_migration_task(ProgressUpdateStream=stream, MigrationTaskName=task)
            newest = BASE + timedelta(seconds=max(mine))
            assert described["MigrationTask"]["UpdateDateTime"] == newest
            assert described["MigrationTask"]["Task"]["ProgressPercent"] == max(mine) % 101
            assert len(list_all_updates(client, stream, task)) == len(mine)


def test_concurrent_imports_of_one_task_create_one_task(replicas: tuple[Any, Any]) -> None:
    stream = uniq("imp")
    replicas[0].client("mgh").create_progress_update_stream(ProgressUpdateStreamName=stream)
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def importer(index: int) -> None:
        client = replicas[index % 2].client("mgh")
        barrier.wait()
        try:
            client.create_progress_update_stream(ProgressUpdateStreamName=stream)
            client.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="only-one")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=importer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    for replica in replicas:
        found = [t for t in list_all_tasks(replica.client("mgh")) if t["ProgressUpdateStream"] == stream]
        assert [t["MigrationTaskName"] for t in found] == ["only-one"]


def test_tokens_from_one_replica_work_on_the_other(replicas: tuple[Any, Any]) -> None:
    first, second = (r.client("mgh") for r in replicas)
    stream = uniq("tok")
    first.create_progress_update_stream(ProgressUpdateStreamName=stream)
    for i in range(5):
        first.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=f"t{i}")
        first.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName="t0",
            Task={"Status": "IN_PROGRESS"},
            UpdateDateTime=BASE + timedelta(seconds=i),
            NextUpdateSeconds=0,
        )
    page = first.list_migration_task_updates(ProgressUpdateStream=stream, MigrationTaskName="t0", MaxResults=2)
    rest = second.list_migration_task_updates(
        ProgressUpdateStream=stream, MigrationTaskName="t0", MaxResults=10, NextToken=page["NextToken"]
    )
    seen = page["MigrationTaskUpdateList"] + rest["MigrationTaskUpdateList"]
    assert [u["UpdateDateTime"] for u in seen] == [BASE + timedelta(seconds=i) for i in range(5)]


def test_a_stream_deleted_on_one_replica_is_gone_on_the_other(replicas: tuple[Any, Any]) -> None:
    first, second = (r.client("mgh") for r in replicas)
    stream = uniq("del")
    first.create_progress_update_stream(ProgressUpdateStreamName=stream)
    for i in range(30):
        second.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=f"t{i}")
    first.delete_progress_update_stream(ProgressUpdateStreamName=stream)
    # Right away: neither replica lists it, and writes to it are refused or find nothing.
    for client in (first, second):
        names = [
            s["ProgressUpdateStreamName"]
            for s in client.list_progress_update_streams()["ProgressUpdateStreamSummaryList"]
        ]
        assert stream not in names
    try:
        second.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="late")
    except ClientError as exc:
        assert error_code(exc) in ("InvalidInputException", "ResourceNotFoundException")

    def recreated() -> bool:
        try:
            second.create_progress_update_stream(ProgressUpdateStreamName=stream)
        except ClientError as exc:
            assert error_code(exc) == "InvalidInputException"
            return False
        return True

    poll(recreated, timeout=30)
    assert [t for t in list_all_tasks(first) if t["ProgressUpdateStream"] == stream] == []


def test_one_home_region_even_when_replicas_race(server_factory: Any, tmp_path: Any) -> None:
    shared = tmp_path / "strict"
    replicas = [server_factory(data_dir=shared, home_region="none") for _ in range(2)]
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def create(index: int) -> None:
        client = replicas[index % 2].client("migrationhub-config")
        barrier.wait()
        region = "us-west-2" if index % 3 else "eu-west-1"
        try:
            client.create_home_region_control(HomeRegion=region, Target={"Type": "ACCOUNT"})
            outcomes.append(region)
        except ClientError as exc:
            outcomes.append(error_code(exc))

    threads = [threading.Thread(target=create, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    controls = replicas[1].client("migrationhub-config").describe_home_region_controls()["HomeRegionControls"]
    assert len(controls) == 1
    winner = controls[0]["HomeRegion"]
    assert all(outcome in (winner, "InvalidInputException") for outcome in outcomes), outcomes
    time.sleep(0)  # keep the threads' clients alive until here
