"""The real aws CLI against mighub (the shared server of every store backend),
configured only through the environment.

The aws CLI runs in process through the harness; the seed command's dry run runs
``aws`` as a process, as a user types it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Clis, Result, clean_env

from e2e_helpers import uniq

SEED_TIME = datetime(2026, 11, 1, 10, 0, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def aws(endpoint: str, tmp_path: Path) -> Callable[..., Result]:
    clis = Clis(
        clean_env(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_DEFAULT_REGION="us-east-1",
            AWS_CONFIG_FILE=str(tmp_path / "no-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
            AWS_EC2_METADATA_DISABLED="true",
            AWS_MAX_ATTEMPTS="1",
        )
    )

    def run(*args: str, check: bool = True, process: bool = False) -> Result:
        result = clis.aws(*args, process=process)
        if check:
            assert result.code == 0, f"aws {' '.join(args)} failed ({result.code}):\n{result.stderr}"
        return result

    return run


def _epoch(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def test_seed_command(aws: Any) -> None:
    stream, task = uniq("cli"), "vm-0123"
    aws("mgh", "create-progress-update-stream", "--progress-update-stream-name", stream)
    aws("mgh", "import-migration-task", "--progress-update-stream", stream, "--migration-task-name", task)
    notify = [
        "mgh",
        "notify-migration-task-state",
        "--progress-update-stream",
        stream,
        "--migration-task-name",
        task,
        "--task",
        'Status=IN_PROGRESS,StatusDetail="Copying image data",ProgressPercent=77',
        "--update-date-time",
        "2026-11-01T10:00:00Z",
        "--next-update-seconds",
        "60",
    ]
    dry = aws(*notify, "--dry-run", check=False, process=True)
    assert dry.code != 0
    assert "DryRunOperation" in dry.stderr, dry.stderr
    assert "Dry Run was a success!" in dry.stderr, dry.stderr
    # the dry run changed nothing
    before = json.loads(
        aws(
            "mgh",
            "describe-migration-task",
            "--progress-update-stream",
            stream,
            "--migration-task-name",
            task,
            "--output",
            "json",
        ).stdout
    )
    assert "Task" not in before["MigrationTask"]

    done = aws(*notify)
    assert done.stdout.strip() == ""

    out = aws(
        "mgh",
        "describe-migration-task",
        "--progress-update-stream",
        stream,
        "--migration-task-name",
        task,
        "--output",
        "json",
    )
    described = json.loads(out.stdout)["MigrationTask"]
    assert described["ProgressUpdateStream"] == stream
    assert described["MigrationTaskName"] == task
    assert described["Task"] == {"Status": "IN_PROGRESS", "StatusDetail": "Copying image data", "ProgressPercent": 77}
    assert _epoch(described["UpdateDateTime"]) == SEED_TIME


def test_json_task_syntax_and_lists(aws: Any) -> None:
    stream = uniq("clij")
    aws("mgh", "create-progress-update-stream", "--progress-update-stream-name", stream)
    aws("mgh", "create-progress-update-stream", "--progress-update-stream-name", stream)  # idempotent
    aws("mgh", "import-migration-task", "--progress-update-stream", stream, "--migration-task-name", "db-1")
    aws(
        "mgh",
        "notify-migration-task-state",
        "--progress-update-stream",
        stream,
        "--migration-task-name",
        "db-1",
        "--task",
        json.dumps({"Status": "COMPLETED", "ProgressPercent": 100}),
        "--update-date-time",
        "1793527200",
        "--next-update-seconds",
        "9223372036854775807",
    )
    streams = json.loads(aws("mgh", "list-progress-update-streams", "--output", "json").stdout)
    assert stream in [s["ProgressUpdateStreamName"] for s in streams["ProgressUpdateStreamSummaryList"]]
    # the CLI paginates by itself with --page-size
    tasks = json.loads(aws("mgh", "list-migration-tasks", "--page-size", "2", "--output", "json").stdout)
    mine = [t for t in tasks["MigrationTaskSummaryList"] if t["ProgressUpdateStream"] == stream]
    assert [(t["MigrationTaskName"], t["Status"], t["ProgressPercent"]) for t in mine] == [("db-1", "COMPLETED", 100)]
    updates = json.loads(
        aws(
            "mgh",
            "list-migration-task-updates",
            "--progress-update-stream",
            stream,
            "--migration-task-name",
            "db-1",
            "--output",
            "json",
        ).stdout
    )
    assert [u["UpdateType"] for u in updates["MigrationTaskUpdateList"]] == ["MIGRATION_TASK_STATE_UPDATED"]


def test_cli_errors(aws: Any) -> None:
    missing = aws(
        "mgh",
        "describe-migration-task",
        "--progress-update-stream",
        uniq("none"),
        "--migration-task-name",
        "x",
        check=False,
    )
    assert missing.code != 0
    assert "ResourceNotFoundException" in missing.stderr
    invalid = aws(
        "mgh",
        "notify-migration-task-state",
        "--progress-update-stream",
        "s",
        "--migration-task-name",
        "t",
        "--task",
        "Status=IN_PROGRESS,ProgressPercent=101",
        "--update-date-time",
        "2026-11-01T10:00:00Z",
        "--next-update-seconds",
        "60",
        check=False,
    )
    assert invalid.code != 0
    # awscli v1 does not check max values itself: the server must
    assert "InvalidInputException" in invalid.stderr, invalid.stderr
    assert "ProgressPercent" in invalid.stderr


def test_cli_home_region(aws: Any) -> None:
    out = json.loads(aws("migrationhub-config", "get-home-region", "--output", "json").stdout)
    assert out == {"HomeRegion": "us-east-1"}
    controls = json.loads(aws("migrationhub-config", "describe-home-region-controls", "--output", "json").stdout)
    assert [c["HomeRegion"] for c in controls["HomeRegionControls"]] == ["us-east-1"]


def test_cli_delete_stream(aws: Any) -> None:
    stream = uniq("clid")
    aws("mgh", "create-progress-update-stream", "--progress-update-stream-name", stream)
    aws("mgh", "delete-progress-update-stream", "--progress-update-stream-name", stream)
    streams = json.loads(aws("mgh", "list-progress-update-streams", "--output", "json").stdout)
    assert stream not in [s["ProgressUpdateStreamName"] for s in streams["ProgressUpdateStreamSummaryList"]]
