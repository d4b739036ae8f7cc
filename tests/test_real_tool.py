"""A real migration tool's habits (modelled on AWS Cloud Migration Factory's MGH integration).

It looks up the home region first and builds its mgh client for that region; before every
notification it creates the stream and imports the task again; it always sends
NextUpdateSeconds = sys.maxsize and UpdateDateTime = now.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from typing import Any

from e2e_helpers import MighubServer, get_json, list_all_tasks, list_all_updates, make_client, uniq


class FakeMigrationTool:
    def __init__(self, endpoint: str, stream: str) -> None:
        config = make_client(endpoint, "migrationhub-config", region="us-east-1")
        self.home_region = config.get_home_region()["HomeRegion"]
        self.mgh = make_client(endpoint, "mgh", region=self.home_region)
        self.stream = stream

    def report(self, server_name: str, status: str, detail: str, percent: int | None = None) -> None:
        self.mgh.create_progress_update_stream(ProgressUpdateStreamName=self.stream)
        self.mgh.import_migration_task(ProgressUpdateStream=self.stream, MigrationTaskName=server_name)
        task: dict[str, Any] = {"Status": status, "StatusDetail": detail}
        if percent is not None:
            task["ProgressPercent"] = percent
        self.mgh.notify_migration_task_state(
            ProgressUpdateStream=self.stream,
            MigrationTaskName=server_name,
            Task=task,
            UpdateDateTime=datetime.now(UTC),
            NextUpdateSeconds=sys.maxsize,
        )


def test_tool_reports_a_wave(server: MighubServer) -> None:
    stream = uniq("CMF")
    tool = FakeMigrationTool(server.endpoint, stream)
    assert tool.home_region == "us-east-1"
    servers = [f"server-{i:02d}" for i in range(5)]
    steps = [
        ("NOT_STARTED", "Waiting for replication", 0),
        ("IN_PROGRESS", "Replication started", 10),
        ("IN_PROGRESS", "Copying image data", 77),
        ("COMPLETED", "Cutover complete", 100),
    ]
    for status, detail, percent in steps:
        for name in servers:
            if name == "server-04" and status == "COMPLETED":
                tool.report(name, "FAILED", "Launch failed", 90)
            else:
                tool.report(name, status, detail, percent)
        time.sleep(0.002)  # consecutive notifications of one task get distinct timestamps

    rows = {t["MigrationTaskName"]: t for t in list_all_tasks(tool.mgh) if t["ProgressUpdateStream"] == stream}
    assert sorted(rows) == servers
    for name in servers[:4]:
        assert (rows[name]["Status"], rows[name]["ProgressPercent"], rows[name]["StatusDetail"]) == (
            "COMPLETED",
            100,
            "Cutover complete",
        )
    assert (rows["server-04"]["Status"], rows["server-04"]["StatusDetail"]) == ("FAILED", "Launch failed")

    for name in servers:
        history = list_all_updates(tool.mgh, stream, name)
        assert len(history) == 4
        assert history[0]["MigrationTaskState"]["Status"] == "NOT_STARTED"

    # sys.maxsize never makes a task stale, and the deadline arithmetic does not overflow
    status, data = get_json(server.endpoint, f"/_mighub/api/tasks?stream={stream}")
    assert status == 200, data
    assert len(data["Tasks"]) == 5
    for row in data["Tasks"]:
        assert row["Stale"] is False
        assert row["NextUpdateSeconds"] == sys.maxsize


def test_tool_first_contact_with_strict_hub(server_factory: Any) -> None:
    """On a strict hub the tool's GetHomeRegion finds nothing until someone sets it."""
    srv = server_factory(home_region="none")
    config = make_client(srv.endpoint, "migrationhub-config", region="eu-west-1")
    assert "HomeRegion" not in config.get_home_region()
    config.create_home_region_control(HomeRegion="eu-west-1", Target={"Type": "ACCOUNT"})
    tool = FakeMigrationTool(srv.endpoint, "CloudMigrationFactory")
    assert tool.home_region == "eu-west-1"
    tool.report("web-1", "IN_PROGRESS", "Copying", 5)
    tool.report("web-1", "IN_PROGRESS", "Copying", 50)
    got = tool.mgh.describe_migration_task(ProgressUpdateStream="CloudMigrationFactory", MigrationTaskName="web-1")
    assert got["MigrationTask"]["Task"]["ProgressPercent"] == 50
