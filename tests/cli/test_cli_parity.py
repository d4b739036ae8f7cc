"""The same command lines through ``aws`` and ``mighub`` against one hub: same stdout
(parsed for JSON, exact for text and table), same success or failure.

Both CLIs run in process (see ``cli_harness``, whose own tests check that the console
scripts run as processes answer the same, exit codes included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_harness import Hub

SEED_TASK = 'Status=IN_PROGRESS,StatusDetail="Copying image data",ProgressPercent=77'


def _same(hub: Hub, *args: str, parse_json: bool = True) -> str:
    ours, theirs = hub.mighub(*args), hub.aws(*args)
    assert (ours.code == 0) == (theirs.code == 0), (ours, theirs)
    if parse_json and theirs.stdout.strip().startswith(("{", "[")):
        assert json.loads(ours.stdout) == json.loads(theirs.stdout)
    else:
        assert ours.stdout == theirs.stdout
    return ours.stdout


@pytest.fixture
def task(cli_hub: Hub, uniq: str) -> tuple[str, str]:
    assert cli_hub.mighub("mgh", "create-progress-update-stream", "--progress-update-stream-name", uniq).code == 0
    for name in ("t1", "t2", "t3"):
        r = cli_hub.mighub(
            "mgh", "import-migration-task", "--progress-update-stream", uniq, "--migration-task-name", name
        )
        assert r.code == 0, r
    return uniq, "t1"


def test_seed_command_shorthand(cli_hub: Hub, task: tuple[str, str]) -> None:
    stream, name = task
    r = cli_hub.mighub(
        "mgh",
        "notify-migration-task-state",
        "--progress-update-stream",
        stream,
        "--migration-task-name",
        name,
        "--task",
        SEED_TASK,
        "--update-date-time",
        "2024-05-01T10:00:00Z",
        "--next-update-seconds",
        "3600",
    )
    assert (r.code, r.stdout) == (0, ""), r
    out = _same(
        cli_hub, "mgh", "describe-migration-task", "--progress-update-stream", stream, "--migration-task-name", name
    )
    got = json.loads(out)["MigrationTask"]
    assert got["Task"] == {"Status": "IN_PROGRESS", "StatusDetail": "Copying image data", "ProgressPercent": 77}
    assert got["UpdateDateTime"] == "2024-05-01T10:00:00+00:00"


def test_seed_command_json_and_epoch(cli_hub: Hub, task: tuple[str, str]) -> None:
    stream, name = task
    args = (
        "mgh",
        "notify-migration-task-state",
        "--progress-update-stream",
        stream,
        "--migration-task-name",
        name,
        "--task",
        '{"Status": "COMPLETED", "ProgressPercent": 100}',
        "--update-date-time",
        "1714557600",
        "--next-update-seconds",
        "0",
    )
    assert _same(cli_hub, *args) == ""
    out = _same(
        cli_hub, "mgh", "describe-migration-task", "--progress-update-stream", stream, "--migration-task-name", name
    )
    assert json.loads(out)["MigrationTask"]["Task"]["Status"] == "COMPLETED"


def test_dry_run_flags(cli_hub: Hub, task: tuple[str, str]) -> None:
    stream, name = task
    base = (
        "mgh",
        "notify-migration-task-state",
        "--progress-update-stream",
        stream,
        "--migration-task-name",
        name,
        "--task",
        "Status=FAILED",
        "--update-date-time",
        "2024-05-01T10:00:00Z",
        "--next-update-seconds",
        "5",
    )
    dry = cli_hub.mighub(*base, "--dry-run")
    assert dry.code == 254 and "DryRunOperation" in dry.stderr
    assert "when calling the NotifyMigrationTaskState operation" in dry.stderr
    assert cli_hub.aws(*base, "--dry-run").code != 0
    assert _same(cli_hub, *base, "--no-dry-run") == ""


def test_cli_input_json_file_and_override(cli_hub: Hub, task: tuple[str, str], tmp_path: Path) -> None:
    stream, _name = task
    doc = {
        "ProgressUpdateStream": stream,
        "MigrationTaskName": "t2",
        "Task": {"Status": "IN_PROGRESS", "ProgressPercent": 10},
        "UpdateDateTime": "2024-05-01T10:00:00Z",
        "NextUpdateSeconds": 60,
    }
    path = tmp_path / "in.json"
    path.write_text(json.dumps(doc))
    assert _same(cli_hub, "mgh", "notify-migration-task-state", "--cli-input-json", f"file://{path}") == ""
    # A value on the command line wins over the document's.
    assert (
        _same(
            cli_hub,
            "mgh",
            "notify-migration-task-state",
            "--cli-input-json",
            f"file://{path}",
            "--task",
            "Status=IN_PROGRESS,ProgressPercent=20",
            "--update-date-time",
            "2024-05-01T11:00:00Z",
        )
        == ""
    )
    out = json.loads(
        cli_hub.mighub(
            "mgh", "describe-migration-task", "--progress-update-stream", stream, "--migration-task-name", "t2"
        ).stdout
    )
    assert out["MigrationTask"]["Task"]["ProgressPercent"] == 20


def test_cli_input_yaml(cli_hub: Hub, task: tuple[str, str], tmp_path: Path) -> None:
    stream, _ = task
    path = tmp_path / "in.yaml"
    path.write_text(
        f"ProgressUpdateStream: {stream}\nMigrationTaskName: t3\nTask:\n  Status: NOT_STARTED\n"
        "UpdateDateTime: 2024-05-01 10:00:00\nNextUpdateSeconds: 30\n"
    )
    r = cli_hub.mighub("mgh", "notify-migration-task-state", "--cli-input-yaml", f"file://{path}")
    assert (r.code, r.stdout) == (0, ""), r


def test_file_param(cli_hub: Hub, task: tuple[str, str], tmp_path: Path) -> None:
    stream, name = task
    path = tmp_path / "task.json"
    path.write_text('{"Status": "IN_PROGRESS", "ProgressPercent": 42}')
    assert (
        _same(
            cli_hub,
            "mgh",
            "notify-migration-task-state",
            "--progress-update-stream",
            stream,
            "--migration-task-name",
            name,
            "--task",
            f"file://{path}",
            "--update-date-time",
            "2024-05-02T00:00:00Z",
            "--next-update-seconds",
            "60",
        )
        == ""
    )


def test_list_of_structures_shorthand(cli_hub: Hub, task: tuple[str, str]) -> None:
    stream, name = task
    r = _same(
        cli_hub,
        "mgh",
        "put-resource-attributes",
        "--progress-update-stream",
        stream,
        "--migration-task-name",
        name,
        "--resource-attribute-list",
        "Type=IPV4_ADDRESS,Value=10.0.0.1",
        "Type=FQDN,Value=web01.example.com",
    )
    assert r == ""
    out = _same(
        cli_hub, "mgh", "describe-migration-task", "--progress-update-stream", stream, "--migration-task-name", name
    )
    assert {"Type": "FQDN", "Value": "web01.example.com"} in json.loads(out)["MigrationTask"]["ResourceAttributeList"]


@pytest.mark.parametrize("output", ["json", "text", "table"])
def test_list_outputs(cli_hub: Hub, task: tuple[str, str], output: str) -> None:
    stream, name = task
    cli_hub.mighub(
        "mgh",
        "notify-migration-task-state",
        "--progress-update-stream",
        stream,
        "--migration-task-name",
        name,
        "--task",
        SEED_TASK,
        "--update-date-time",
        "2024-05-01T10:00:00Z",
        "--next-update-seconds",
        "60",
    )
    _same(cli_hub, "mgh", "list-migration-tasks", "--output", output, parse_json=False)
    _same(
        cli_hub,
        "mgh",
        "list-migration-task-updates",
        "--progress-update-stream",
        stream,
        "--migration-task-name",
        name,
        "--output",
        output,
        parse_json=False,
    )
    _same(cli_hub, "migrationhub-config", "describe-home-region-controls", "--output", output, parse_json=False)


@pytest.mark.parametrize(
    "query",
    [
        "MigrationTaskSummaryList[].MigrationTaskName",
        "MigrationTaskSummaryList[?Status=='IN_PROGRESS'].[ProgressUpdateStream,MigrationTaskName]",
        "length(MigrationTaskSummaryList)",
    ],
)
@pytest.mark.parametrize("output", ["json", "text", "table"])
def test_query(cli_hub: Hub, task: tuple[str, str], query: str, output: str) -> None:
    _same(cli_hub, "mgh", "list-migration-tasks", "--query", query, "--output", output, parse_json=False)


@pytest.mark.parametrize("output", ["json", "text"])
def test_max_items_and_starting_token(cli_hub: Hub, task: tuple[str, str], output: str) -> None:
    _stream, _name = task
    args = ("mgh", "list-migration-tasks", "--max-items", "2", "--page-size", "1")
    first = json.loads(_same(cli_hub, *args))
    assert len(first["MigrationTaskSummaryList"]) == 2 and "NextToken" in first
    _same(cli_hub, *args, "--output", output, parse_json=False)
    _same(cli_hub, *args, "--starting-token", first["NextToken"], "--output", output, parse_json=False)
    _same(
        cli_hub,
        "mgh",
        "list-migration-tasks",
        "--no-paginate",
        "--max-results",
        "1",
        "--output",
        output,
        parse_json=False,
    )


def test_home_region_commands(cli_hub: Hub) -> None:
    _same(cli_hub, "migrationhub-config", "get-home-region")
    _same(cli_hub, "migrationhub-config", "describe-home-region-controls", "--home-region", "us-east-1")


def test_missing_required_option(cli_hub: Hub) -> None:
    args = ("mgh", "notify-migration-task-state", "--progress-update-stream", "s", "--task", "Status=IN_PROGRESS")
    ours = cli_hub.mighub(*args)
    assert ours.code == 252 and ours.stdout == ""
    assert (
        "the following arguments are required: --migration-task-name, --update-date-time, --next-update-seconds"
        in ours.stderr
    )
    assert cli_hub.aws(*args).code != 0


def test_service_error(cli_hub: Hub, uniq: str) -> None:
    args = (
        "mgh",
        "notify-migration-task-state",
        "--progress-update-stream",
        uniq,
        "--migration-task-name",
        "nope",
        "--task",
        "Status=IN_PROGRESS",
        "--update-date-time",
        "2024-05-01T10:00:00Z",
        "--next-update-seconds",
        "5",
    )
    ours, theirs = cli_hub.mighub(*args), cli_hub.aws(*args)
    assert ours.code == 254 and theirs.code != 0
    assert ours.stdout == theirs.stdout == ""
    assert (
        "An error occurred (ResourceNotFoundException) when calling the NotifyMigrationTaskState operation: "
        in ours.stderr
    )
    assert ours.stderr.strip() == theirs.stderr.strip()


def test_client_side_validation(cli_hub: Hub, task: tuple[str, str]) -> None:
    stream, name = task
    args = (
        "mgh",
        "notify-migration-task-state",
        "--progress-update-stream",
        stream,
        "--migration-task-name",
        name,
        "--task",
        "Status=IN_PROGRESS",
        "--update-date-time",
        "not-a-date",
        "--next-update-seconds",
        "5",
    )
    ours, theirs = cli_hub.mighub(*args), cli_hub.aws(*args)
    assert ours.code == 252 and theirs.code != 0
    assert "Invalid type for parameter UpdateDateTime" in ours.stderr
