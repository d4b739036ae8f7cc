"""The commands for people: `mighub tasks`, `mighub streams`, `mighub watch` (in process,
but for `watch`, which is interrupted as a process, and the exit code of a missing hub)."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from cli_harness import Hub, tool


def _populate(hub: Hub, stream: str) -> None:
    mgh = boto3.client(
        "mgh", endpoint_url=hub.endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    now = datetime.now(UTC)
    states = {
        "web": ("IN_PROGRESS", 40, now, 3600),  # fresh
        "db": ("IN_PROGRESS", 70, now - timedelta(hours=2), 60),  # stale
        "app": ("COMPLETED", 100, now - timedelta(hours=2), 60),  # finished: never stale
        "cache": ("FAILED", 10, now, 0),
    }
    for task, (status, percent, when, next_seconds) in states.items():
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=task)
        mgh.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName=task,
            Task={"Status": status, "ProgressPercent": percent, "StatusDetail": f"{task} detail"},
            UpdateDateTime=when,
            NextUpdateSeconds=next_seconds,
        )


def _mine(rows: list[dict[str, Any]], stream: str) -> dict[str, dict[str, Any]]:
    return {r["MigrationTaskName"]: r for r in rows if r["ProgressUpdateStream"] == stream}


def test_tasks_lists_state_progress_and_stale_flags(cli_hub: Hub, uniq: str) -> None:
    _populate(cli_hub, uniq)
    result = cli_hub.mighub("tasks", "--stream", uniq, "--output", "json")
    assert result.code == 0, result.stderr
    rows = _mine(result.json()["Tasks"], uniq)
    assert set(rows) == {"web", "db", "app", "cache"}
    assert rows["db"]["Stale"] is True
    assert not rows["web"]["Stale"] and not rows["app"]["Stale"] and not rows["cache"]["Stale"]
    assert rows["web"]["ProgressPercent"] == 40

    stale = cli_hub.mighub("tasks", "--stream", uniq, "--stale", "--output", "json").json()["Tasks"]
    assert [r["MigrationTaskName"] for r in stale] == ["db"]
    failed = cli_hub.mighub("tasks", "--stream", uniq, "--status", "FAILED", "--output", "json").json()["Tasks"]
    assert [r["MigrationTaskName"] for r in failed] == ["cache"]


def test_tasks_piped_is_plain_text_and_sorts(cli_hub: Hub, uniq: str) -> None:
    _populate(cli_hub, uniq)
    result = cli_hub.mighub("tasks", "--stream", uniq, "--sort", "progress", "--reverse")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["STREAM", "TASK", "STATUS"]
    assert [line.split("\t")[1] for line in lines[1:]] == ["app", "db", "web", "cache"]
    assert "\x1b[" not in result.stdout  # no colour codes when piped
    assert lines[2].split("\t")[-1] == "STALE"


def test_tasks_table_shows_bars_and_summary(cli_hub: Hub, uniq: str) -> None:
    _populate(cli_hub, uniq)
    result = cli_hub.mighub("tasks", "--stream", uniq, "--output", "table")
    assert result.code == 0, result.stderr
    assert "STALE" in result.stdout and "70%" in result.stdout
    assert "4 tasks · 1 completed · 2 in progress · 1 failed · 55% complete · 1 stale" in result.stdout


def test_streams_counts_tasks_by_status(cli_hub: Hub, uniq: str) -> None:
    _populate(cli_hub, uniq)
    result = cli_hub.mighub("streams", "--output", "json")
    assert result.code == 0, result.stderr
    mine = [s for s in result.json()["Streams"] if s["Stream"] == uniq]
    assert mine == [
        {"Stream": uniq, "Tasks": 4, "Completed": 1, "InProgress": 2, "Failed": 1, "Stale": 1, "Percent": 55}
    ]


def test_watch_refreshes_until_interrupted(cli_hub: Hub, uniq: str) -> None:
    _populate(cli_hub, uniq)
    # On a terminal (a pseudo-terminal here) watch draws each refresh as it comes:
    # interrupt it once it has drawn, however long starting took.
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [tool("mighub"), "watch", "--stream", uniq, "--interval", "0.2"],
        env={**cli_hub.env, "COLUMNS": "160", "LINES": "50"},
        stdout=follower,
        stderr=subprocess.PIPE,
    )
    os.close(follower)
    drawn = b""
    deadline = time.monotonic() + 30
    while b"1 stale" not in drawn and time.monotonic() < deadline:
        if select.select([leader], [], [], 0.5)[0]:
            try:
                drawn += os.read(leader, 65536)
            except OSError:  # the process has gone
                break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    os.close(leader)
    assert proc.returncode == 0, err
    assert b"4 tasks" in drawn and b"1 stale" in drawn, drawn[-2000:]


def test_people_commands_say_when_no_hub_answers(cli_hub: Hub) -> None:
    env = dict(cli_hub.env, AWS_ENDPOINT_URL="http://127.0.0.1:9")
    result = cli_hub.mighub("tasks", env=env, process=True)
    assert result.code == 255
    assert "cannot reach a hub" in result.stderr


def test_hostile_names_cannot_forge_rows_or_reach_the_terminal(cli_hub: Hub, uniq: str) -> None:
    mgh = boto3.client(
        "mgh", endpoint_url=cli_hub.endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )
    mgh.create_progress_update_stream(ProgressUpdateStreamName=uniq)
    task = "vm\nforged-stream\tforged-task\tCOMPLETED\x1b[2J"
    mgh.import_migration_task(ProgressUpdateStream=uniq, MigrationTaskName=task)
    for output in ("text", "table"):
        result = cli_hub.mighub("tasks", "--stream", uniq, "--output", output)
        assert result.code == 0, result.stderr
        assert "\x1b[2J" not in result.stdout and "forged-task" in result.stdout
        assert not any(line.startswith("forged-stream") for line in result.stdout.splitlines())
    rows = cli_hub.mighub("tasks", "--stream", uniq, "--output", "json").json()["Tasks"]
    assert [r["MigrationTaskName"] for r in rows] == [task]
