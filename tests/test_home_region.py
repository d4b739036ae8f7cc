"""Home region: strict mode (--home-region none), controls, region checks, the preset.

The rules run in process (tests/inprocess.py, a hub with the preset each test needs); what
``mighub serve`` itself decides stays end to end: its default preset, that --home-region
reaches the hub, an unsigned request from a bare HTTP client, and a restart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import ACCOUNT_ID, Databases, error_code, error_message, http_request, ts
from inprocess import InProcessHub, InProcessHubFactory

CONTROL_ID = re.compile(r"^hrc-[a-z0-9]{12}$")
WHEN = datetime(2026, 11, 1, 10, 0, 0, tzinfo=UTC)

# (method, kwargs) for every in-scope mgh operation that needs a home region
NEEDS_HOME_REGION = {
    "CreateProgressUpdateStream": ("create_progress_update_stream", {"ProgressUpdateStreamName": "s"}),
    "ListProgressUpdateStreams": ("list_progress_update_streams", {}),
    "DeleteProgressUpdateStream": ("delete_progress_update_stream", {"ProgressUpdateStreamName": "s"}),
    "ImportMigrationTask": ("import_migration_task", {"ProgressUpdateStream": "s", "MigrationTaskName": "t"}),
    "NotifyMigrationTaskState": (
        "notify_migration_task_state",
        {
            "ProgressUpdateStream": "s",
            "MigrationTaskName": "t",
            "Task": {"Status": "IN_PROGRESS"},
            "UpdateDateTime": WHEN,
            "NextUpdateSeconds": 60,
        },
    ),
    "DescribeMigrationTask": ("describe_migration_task", {"ProgressUpdateStream": "s", "MigrationTaskName": "t"}),
    "ListMigrationTasks": ("list_migration_tasks", {}),
}


def create_control(config: Any, region: str) -> dict[str, Any]:
    return config.create_home_region_control(HomeRegion=region, Target={"Type": "ACCOUNT"})["HomeRegionControl"]


# -- strict mode, nothing set -----------------------------------------------------------
@pytest.fixture(scope="module")
def strict(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessHub]:
    """A hub without a preset home region, on which no control is ever created."""
    factory = InProcessHubFactory(databases, tmp_path_factory.mktemp("strict"))
    yield factory(home_region=None)
    factory.close()


@pytest.mark.parametrize("op", list(NEEDS_HOME_REGION))
def test_home_region_not_set(strict: InProcessHub, op: str) -> None:
    method, kwargs = NEEDS_HOME_REGION[op]
    with pytest.raises(ClientError) as exc:
        getattr(strict.client("mgh"), method)(**kwargs)
    assert error_code(exc.value) == "HomeRegionNotSetException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "home region" in error_message(exc.value).lower()


def test_list_migration_task_updates_does_not_need_home_region(strict: InProcessHub) -> None:
    try:
        strict.client("mgh").list_migration_task_updates(ProgressUpdateStream="s", MigrationTaskName="t")
    except ClientError as exc:
        assert error_code(exc) != "HomeRegionNotSetException"
        assert error_code(exc) == "ResourceNotFoundException", exc.response


def test_get_home_region_when_unset(strict: InProcessHub) -> None:
    resp = strict.client("migrationhub-config").get_home_region()
    assert "HomeRegion" not in resp


def test_describe_controls_when_unset(strict: InProcessHub) -> None:
    resp = strict.client("migrationhub-config").describe_home_region_controls()
    assert resp["HomeRegionControls"] == []
    # raw: the key is present in the JSON itself
    status, _, body = strict.http(
        "POST",
        "/",
        body=b"{}",
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSMigrationHubMultiAccountService.DescribeHomeRegionControls",
        },
    )
    assert status == 200
    assert json.loads(body)["HomeRegionControls"] == []


def test_create_control_dry_run_changes_nothing(strict: InProcessHub) -> None:
    config = strict.client("migrationhub-config")
    with pytest.raises(ClientError) as exc:
        config.create_home_region_control(HomeRegion="us-west-2", Target={"Type": "ACCOUNT"}, DryRun=True)
    assert error_code(exc.value) == "DryRunOperation"
    assert "HomeRegion" not in config.get_home_region()
    assert config.describe_home_region_controls()["HomeRegionControls"] == []


# -- setting it -------------------------------------------------------------------------
def test_create_control_then_region_rules(inprocess_hub_factory: InProcessHubFactory) -> None:
    srv = inprocess_hub_factory(home_region=None)
    config = srv.client("migrationhub-config", region="us-west-2")
    before = datetime.now(UTC).timestamp()
    control = create_control(config, "us-west-2")
    after = datetime.now(UTC).timestamp()
    assert CONTROL_ID.match(control["ControlId"]), control
    assert control["HomeRegion"] == "us-west-2"
    assert control["Target"]["Type"] == "ACCOUNT"
    assert control["Target"].get("Id", ACCOUNT_ID) == ACCOUNT_ID
    assert before - 5 <= ts(control["RequestedTime"]) <= after + 5

    # GetHomeRegion and DescribeHomeRegionControls see it, from any region
    for region in ("us-west-2", "eu-west-1"):
        c = srv.client("migrationhub-config", region=region)
        assert c.get_home_region()["HomeRegion"] == "us-west-2"
        listed = c.describe_home_region_controls()["HomeRegionControls"]
        assert [x["ControlId"] for x in listed] == [control["ControlId"]]
    assert (
        config.describe_home_region_controls(ControlId=control["ControlId"])["HomeRegionControls"][0]["HomeRegion"]
        == "us-west-2"
    )
    assert len(config.describe_home_region_controls(HomeRegion="us-west-2")["HomeRegionControls"]) == 1
    assert config.describe_home_region_controls(HomeRegion="eu-west-1")["HomeRegionControls"] == []
    assert (
        len(config.describe_home_region_controls(Target={"Type": "ACCOUNT", "Id": ACCOUNT_ID})["HomeRegionControls"])
        == 1
    )

    home = srv.client("mgh", region="us-west-2")
    other = srv.client("mgh", region="us-east-1")

    # writes from the home region work
    home.create_progress_update_stream(ProgressUpdateStreamName="tool")
    home.import_migration_task(ProgressUpdateStream="tool", MigrationTaskName="t")
    home.notify_migration_task_state(
        ProgressUpdateStream="tool",
        MigrationTaskName="t",
        Task={"Status": "IN_PROGRESS", "ProgressPercent": 50},
        UpdateDateTime=WHEN,
        NextUpdateSeconds=60,
    )

    # writes signed for another region are refused
    for call in (
        lambda: other.create_progress_update_stream(ProgressUpdateStreamName="tool2"),
        lambda: other.import_migration_task(ProgressUpdateStream="tool", MigrationTaskName="t2"),
        lambda: other.notify_migration_task_state(
            ProgressUpdateStream="tool",
            MigrationTaskName="t",
            Task={"Status": "COMPLETED"},
            UpdateDateTime=WHEN,
            NextUpdateSeconds=0,
        ),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc.value) == "InvalidInputException", exc.value.response
    # ... and changed nothing
    assert [
        s["ProgressUpdateStreamName"] for s in home.list_progress_update_streams()["ProgressUpdateStreamSummaryList"]
    ] == ["tool"]
    assert home.describe_migration_task(ProgressUpdateStream="tool", MigrationTaskName="t")["MigrationTask"][
        "Task"
    ] == {
        "Status": "IN_PROGRESS",
        "ProgressPercent": 50,
    }

    # reads are allowed from any region
    assert (
        other.describe_migration_task(ProgressUpdateStream="tool", MigrationTaskName="t")["MigrationTask"]["Task"][
            "ProgressPercent"
        ]
        == 50
    )
    assert [t["MigrationTaskName"] for t in other.list_migration_tasks()["MigrationTaskSummaryList"]] == ["t"]
    assert (
        len(
            other.list_migration_task_updates(ProgressUpdateStream="tool", MigrationTaskName="t")[
                "MigrationTaskUpdateList"
            ]
        )
        == 1
    )
    assert [
        s["ProgressUpdateStreamName"] for s in other.list_progress_update_streams()["ProgressUpdateStreamSummaryList"]
    ] == ["tool"]

    # DeleteProgressUpdateStream is allowed from any region
    other.delete_progress_update_stream(ProgressUpdateStreamName="tool")
    assert home.list_progress_update_streams()["ProgressUpdateStreamSummaryList"] == []


def test_unsigned_request_counts_as_home_region(server_factory: Any) -> None:
    """End to end: a bare HTTP request, no Authorization header, to `serve --home-region none`."""
    srv = server_factory(home_region="none")
    create_control(srv.client("migrationhub-config", region="eu-central-1"), "eu-central-1")
    status, _headers, body = http_request(
        srv.endpoint,
        "POST",
        "/",
        body=json.dumps({"ProgressUpdateStreamName": "unsigned"}).encode(),
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "AWSMigrationHub.CreateProgressUpdateStream",
        },
    )
    assert status == 200, body
    names = srv.client("mgh", region="eu-central-1").list_progress_update_streams()["ProgressUpdateStreamSummaryList"]
    assert [s["ProgressUpdateStreamName"] for s in names] == ["unsigned"]


def test_delete_control_unsets_home_region(inprocess_hub_factory: InProcessHubFactory) -> None:
    srv = inprocess_hub_factory(home_region=None)
    config = srv.client("migrationhub-config", region="ap-southeast-2")
    control = create_control(config, "ap-southeast-2")
    mgh = srv.client("mgh", region="ap-southeast-2")
    mgh.create_progress_update_stream(ProgressUpdateStreamName="s1")

    resp = config.delete_home_region_control(ControlId=control["ControlId"])
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "HomeRegion" not in config.get_home_region()
    assert config.describe_home_region_controls()["HomeRegionControls"] == []
    with pytest.raises(ClientError) as exc:
        mgh.list_progress_update_streams()
    assert error_code(exc.value) == "HomeRegionNotSetException"

    # a new control can be created afterwards
    again = create_control(config, "ap-southeast-2")
    assert again["ControlId"] != control["ControlId"]
    assert CONTROL_ID.match(again["ControlId"])
    mgh.list_progress_update_streams()


# -- the preset ---------------------------------------------------------------------------
def test_default_preset_is_us_east_1(config: Any, mgh: Any) -> None:
    """End to end: `serve` without --home-region."""
    assert config.get_home_region()["HomeRegion"] == "us-east-1"
    controls = config.describe_home_region_controls()["HomeRegionControls"]
    assert len(controls) == 1
    assert CONTROL_ID.match(controls[0]["ControlId"])
    assert controls[0]["HomeRegion"] == "us-east-1"
    assert controls[0]["Target"]["Type"] == "ACCOUNT"
    mgh.list_progress_update_streams()


def test_preset_other_region(server_factory: Any) -> None:
    """End to end: --home-region reaches the hub."""
    srv = server_factory(home_region="eu-west-1")
    config = srv.client("migrationhub-config", region="eu-west-1")
    assert config.get_home_region()["HomeRegion"] == "eu-west-1"
    with pytest.raises(ClientError) as exc:
        srv.client("mgh", region="us-east-1").create_progress_update_stream(ProgressUpdateStreamName="x")
    assert error_code(exc.value) == "InvalidInputException"
    srv.client("mgh", region="eu-west-1").create_progress_update_stream(ProgressUpdateStreamName="x")


def test_preset_is_a_real_control(inprocess_hub_factory: InProcessHubFactory) -> None:
    srv = inprocess_hub_factory(home_region="us-east-1")
    config = srv.client("migrationhub-config")
    controls = config.describe_home_region_controls()["HomeRegionControls"]
    assert len(controls) == 1 and controls[0]["HomeRegion"] == "us-east-1"

    config.delete_home_region_control(ControlId=controls[0]["ControlId"])
    assert "HomeRegion" not in config.get_home_region()
    with pytest.raises(ClientError) as exc:
        srv.client("mgh").create_progress_update_stream(ProgressUpdateStreamName="x")
    assert error_code(exc.value) == "HomeRegionNotSetException"

    # a tool deletes the preset and creates its own
    eu = srv.client("migrationhub-config", region="eu-west-1")
    mine = create_control(eu, "eu-west-1")
    assert eu.get_home_region()["HomeRegion"] == "eu-west-1"
    assert [c["ControlId"] for c in eu.describe_home_region_controls()["HomeRegionControls"]] == [mine["ControlId"]]
    srv.client("mgh", region="eu-west-1").create_progress_update_stream(ProgressUpdateStreamName="x")
    with pytest.raises(ClientError) as exc:
        srv.client("mgh", region="us-east-1").create_progress_update_stream(ProgressUpdateStreamName="y")
    assert error_code(exc.value) == "InvalidInputException"


def test_deleted_preset_stays_deleted_after_restart(server_factory: Any) -> None:
    """Deleting the preset is durable: a restart must not silently re-create it."""
    srv = server_factory()
    config = srv.client("migrationhub-config")
    control = config.describe_home_region_controls()["HomeRegionControls"][0]
    config.delete_home_region_control(ControlId=control["ControlId"])
    mine = create_control(srv.client("migrationhub-config", region="eu-west-1"), "eu-west-1")
    srv.restart()
    config = srv.client("migrationhub-config")
    assert config.get_home_region()["HomeRegion"] == "eu-west-1"
    assert [c["ControlId"] for c in config.describe_home_region_controls()["HomeRegionControls"]] == [mine["ControlId"]]
