"""An acknowledged write survives kill -9 of the server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from e2e_helpers import list_all_streams, list_all_tasks, list_all_updates, poll, ts, utc

T0 = utc(2026, 11, 1, 10, 0, 0)
N_TASKS = 40
N_UPDATES = 3


def test_acknowledged_writes_survive_sigkill(server_factory: Any) -> None:
    srv = server_factory()
    mgh = srv.client("mgh")
    streams = ["dur-a", "dur-b"]
    for s in streams:
        mgh.create_progress_update_stream(ProgressUpdateStreamName=s)
    expected: dict[tuple[str, str], list[tuple[float, dict[str, Any]]]] = {}
    for i in range(N_TASKS):
        stream = streams[i % 2]
        name = f"task-{i:03d}"
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=name)
        history = []
        for u in range(N_UPDATES):
            when = T0 + timedelta(minutes=u, seconds=i)
            status = "COMPLETED" if u == N_UPDATES - 1 and i % 3 == 0 else "IN_PROGRESS"
            task = {"Status": status, "StatusDetail": f"{name} step {u}", "ProgressPercent": min(100, u * 40 + i % 7)}
            resp = mgh.notify_migration_task_state(
                ProgressUpdateStream=stream,
                MigrationTaskName=name,
                Task=task,
                UpdateDateTime=when,
                NextUpdateSeconds=300,
            )
            assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
            history.append((when.timestamp(), task))
        expected[(stream, name)] = history
    # one more task imported but never notified
    mgh.import_migration_task(ProgressUpdateStream="dur-a", MigrationTaskName="imported-only")

    srv.kill()  # SIGKILL: no shutdown hook runs
    srv.start()  # same data dir, new port
    mgh = srv.client("mgh")

    assert set(streams) <= set(list_all_streams(mgh))
    rows = {(r["ProgressUpdateStream"], r["MigrationTaskName"]): r for r in list_all_tasks(mgh)}
    for (stream, name), history in expected.items():
        last_when, last_task = history[-1]
        got = mgh.describe_migration_task(ProgressUpdateStream=stream, MigrationTaskName=name)["MigrationTask"]
        assert got["Task"] == last_task, (stream, name)
        assert ts(got["UpdateDateTime"]) == last_when
        row = rows[(stream, name)]
        assert (row["Status"], row["ProgressPercent"], row["StatusDetail"]) == (
            last_task["Status"],
            last_task["ProgressPercent"],
            last_task["StatusDetail"],
        )
        updates = list_all_updates(mgh, stream, name)
        assert [(ts(u["UpdateDateTime"]), u["MigrationTaskState"]) for u in updates] == history
    got = mgh.describe_migration_task(ProgressUpdateStream="dur-a", MigrationTaskName="imported-only")
    assert "Task" not in got["MigrationTask"]

    # and the restarted server keeps taking writes on the same data
    mgh.notify_migration_task_state(
        ProgressUpdateStream="dur-a",
        MigrationTaskName="task-000",
        Task={"Status": "FAILED"},
        UpdateDateTime=T0 + timedelta(days=1),
        NextUpdateSeconds=0,
    )
    assert len(list_all_updates(mgh, "dur-a", "task-000")) == N_UPDATES + 1


def test_home_region_control_survives_sigkill(server_factory: Any) -> None:
    srv = server_factory(home_region="none")
    config = srv.client("migrationhub-config", region="eu-west-1")
    control = config.create_home_region_control(HomeRegion="eu-west-1", Target={"Type": "ACCOUNT"})["HomeRegionControl"]
    srv.kill()
    srv.start()
    config = srv.client("migrationhub-config", region="eu-west-1")
    assert config.get_home_region()["HomeRegion"] == "eu-west-1"
    assert [c["ControlId"] for c in config.describe_home_region_controls()["HomeRegionControls"]] == [
        control["ControlId"]
    ]


def test_next_token_survives_restart(server_factory: Any) -> None:
    srv = server_factory()
    mgh = srv.client("mgh")
    for i in range(5):
        mgh.create_progress_update_stream(ProgressUpdateStreamName=f"tok-{i}")
    first = mgh.list_progress_update_streams(MaxResults=2)
    token = first["NextToken"]
    srv.restart()
    mgh = srv.client("mgh")
    rest = []
    kwargs: dict[str, Any] = {"MaxResults": 2, "NextToken": token}
    while True:
        resp = mgh.list_progress_update_streams(**kwargs)
        rest += [s["ProgressUpdateStreamName"] for s in resp["ProgressUpdateStreamSummaryList"]]
        if not resp.get("NextToken"):
            break
        kwargs["NextToken"] = resp["NextToken"]
    names = [s["ProgressUpdateStreamName"] for s in first["ProgressUpdateStreamSummaryList"]] + rest
    assert names == [f"tok-{i}" for i in range(5)]


def test_deletion_interrupted_by_sigkill_completes_after_restart(server_factory: Any) -> None:
    srv = server_factory()
    mgh = srv.client("mgh")
    mgh.create_progress_update_stream(ProgressUpdateStreamName="doomed")
    for i in range(50):
        mgh.import_migration_task(ProgressUpdateStream="doomed", MigrationTaskName=f"t{i}")
    mgh.delete_progress_update_stream(ProgressUpdateStreamName="doomed")
    srv.kill()
    srv.start()
    mgh = srv.client("mgh")
    assert "doomed" not in list_all_streams(mgh)

    def finished() -> bool:
        try:
            mgh.create_progress_update_stream(ProgressUpdateStreamName="doomed")
        except Exception as exc:  # InvalidInputException while the deletion goes on
            assert "InvalidInputException" in str(exc), exc
            return False
        return True

    poll(finished, timeout=20)
    assert [t for t in list_all_tasks(mgh) if t["ProgressUpdateStream"] == "doomed"] == []
