"""Accounts are walls: two accounts use the same stream, task and application names, and
neither sees nor touches the other's streams, tasks, history, associations, application
states or home-region controls, whatever their policies say.

In process: ``Hub.call`` over a real store, each call in the context the gate gives a
validly signed request of the key (its account, name and parsed policy).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import list_all_streams, list_all_tasks
from inproc_calls import HubClient
from mighub.server.hub import Hub
from mighub.store.engine import Store
from test_auth_helpers import (
    ACCOUNT_A,
    ACCOUNT_B,
    allow,
    code_of,
    new_key,
    policy,
    snapshot_with,
)

WHEN = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
ARTIFACT = "arn:aws:ec2:us-east-1:111122223333:instance/i-0aaaaaaaaaaaaaaaa"

KEYS = {
    "a": new_key("a-admin", account=ACCOUNT_A),
    "b": new_key("b-admin", account=ACCOUNT_B),
    # an account-A key whose policy names account B's resources: it still acts in account A
    "a-aims-at-b": new_key(
        "a-aims-at-b",
        account=ACCOUNT_A,
        policy=policy(allow("mgh:*", f"arn:aws:mgh:*:{ACCOUNT_B}:*")),
    ),
}


@pytest.fixture(scope="module")
def hub(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    store = Store(databases.fresh_url(tmp_path_factory.mktemp("accounts")))
    found = Hub(store)
    ns = SimpleNamespace(
        clients={(who, service): HubClient(found, KEYS[who], service) for who in KEYS for service in SERVICES}
    )
    for who in ("a", "b"):
        mgh = ns.clients[who, "mgh"]
        for stream in ("shared", f"only-{who}"):
            mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
            mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
            mgh.notify_migration_task_state(
                ProgressUpdateStream=stream,
                MigrationTaskName="t",
                Task={"Status": "IN_PROGRESS", "ProgressPercent": 10 if who == "a" else 90, "StatusDetail": f"{who}'s"},
                UpdateDateTime=WHEN,
                NextUpdateSeconds=60,
            )
        ids = {"ProgressUpdateStream": "shared", "MigrationTaskName": "t"}
        mgh.associate_created_artifact(**ids, CreatedArtifact={"Name": ARTIFACT, "Description": who})
        mgh.associate_discovered_resource(**ids, DiscoveredResource={"ConfigurationId": f"d-{who}"})
        mgh.put_resource_attributes(**ids, ResourceAttributeList=[{"Type": "FQDN", "Value": f"{who}.example.com"}])
        mgh.notify_application_state(
            ApplicationId="app-1", Status="IN_PROGRESS" if who == "a" else "COMPLETED", UpdateDateTime=WHEN
        )
    yield ns
    store.close()


SERVICES = ("mgh", "migrationhub-config")


def mgh(hub: SimpleNamespace, who: str) -> Any:
    return hub.clients[who, "mgh"]


def cfg(hub: SimpleNamespace, who: str) -> Any:
    return hub.clients[who, "migrationhub-config"]


def snapshot(hub: SimpleNamespace, who: str) -> dict[str, Any]:
    return snapshot_with(mgh(hub, who), cfg(hub, who))


@pytest.mark.parametrize(("me", "other"), [("a", "b"), ("b", "a")])
def test_each_account_sees_only_its_own(hub: SimpleNamespace, me: str, other: str) -> None:
    client = mgh(hub, me)
    streams = list_all_streams(client)
    assert "shared" in streams and f"only-{me}" in streams and f"only-{other}" not in streams
    rows = list_all_tasks(client)
    assert {r["ProgressUpdateStream"] for r in rows} == {"shared", f"only-{me}"}
    assert {r["StatusDetail"] for r in rows} == {f"{me}'s"}
    ids = {"ProgressUpdateStream": "shared", "MigrationTaskName": "t"}
    task = client.describe_migration_task(**ids)["MigrationTask"]
    assert task["Task"]["StatusDetail"] == f"{me}'s"
    assert task["ResourceAttributeList"] == [{"Type": "FQDN", "Value": f"{me}.example.com"}]
    assert [a["Description"] for a in client.list_created_artifacts(**ids)["CreatedArtifactList"]] == [me]
    assert [d["ConfigurationId"] for d in client.list_discovered_resources(**ids)["DiscoveredResourceList"]] == [
        f"d-{me}"
    ]
    history = client.list_migration_task_updates(**ids)["MigrationTaskUpdateList"]
    assert [h["MigrationTaskState"]["StatusDetail"] for h in history] == [f"{me}'s"]
    status = client.describe_application_state(ApplicationId="app-1")["ApplicationStatus"]
    assert status == ("IN_PROGRESS" if me == "a" else "COMPLETED")
    assert [s["ApplicationId"] for s in client.list_application_states()["ApplicationStateList"]] == ["app-1"]
    # the other account's own stream does not exist here
    with pytest.raises(ClientError) as exc:
        client.describe_migration_task(ProgressUpdateStream=f"only-{other}", MigrationTaskName="t")
    assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_home_region_controls_are_per_account(hub: SimpleNamespace) -> None:
    a_controls = cfg(hub, "a").describe_home_region_controls()["HomeRegionControls"]
    b_controls = cfg(hub, "b").describe_home_region_controls()["HomeRegionControls"]
    assert len(a_controls) == 1 and len(b_controls) == 1
    assert a_controls[0]["ControlId"] != b_controls[0]["ControlId"]
    assert a_controls[0]["Target"] == {"Type": "ACCOUNT", "Id": ACCOUNT_A}
    assert b_controls[0]["Target"] == {"Type": "ACCOUNT", "Id": ACCOUNT_B}
    a_id = a_controls[0]["ControlId"]
    before = snapshot(hub, "a")
    b_config = cfg(hub, "b")
    # B cannot see, delete or create over A's control
    assert b_config.describe_home_region_controls(ControlId=a_id)["HomeRegionControls"] == []
    assert code_of(lambda: b_config.delete_home_region_control(ControlId=a_id)) not in (None, "InternalServerError")
    assert code_of(
        lambda: b_config.create_home_region_control(HomeRegion="eu-west-1", Target={"Type": "ACCOUNT", "Id": ACCOUNT_A})
    ) not in (None, "InternalServerError")
    assert snapshot(hub, "a") == before


def test_deleting_a_stream_in_one_account_leaves_the_other(hub: SimpleNamespace) -> None:
    b = mgh(hub, "b")
    b.create_progress_update_stream(ProgressUpdateStreamName="doomed")
    mgh(hub, "a").create_progress_update_stream(ProgressUpdateStreamName="doomed")
    mgh(hub, "a").import_migration_task(ProgressUpdateStream="doomed", MigrationTaskName="t")
    before = snapshot(hub, "a")
    b.delete_progress_update_stream(ProgressUpdateStreamName="doomed")
    assert "doomed" not in list_all_streams(b)  # the client finishes the deletion
    assert snapshot(hub, "a") == before
    # B's home region control, deleted, leaves A's home region in place
    b_config = cfg(hub, "b")
    for control in b_config.describe_home_region_controls()["HomeRegionControls"]:
        b_config.delete_home_region_control(ControlId=control["ControlId"])
    assert code_of(lambda: b.list_progress_update_streams()) == "HomeRegionNotSetException"
    assert cfg(hub, "a").get_home_region()["HomeRegion"] == "us-east-1"
    assert snapshot(hub, "a") == before
    b_config.create_home_region_control(HomeRegion="us-east-1", Target={"Type": "ACCOUNT"})
    assert "shared" in list_all_streams(b)


def test_a_policy_naming_another_account_grants_nothing_there(hub: SimpleNamespace) -> None:
    aimer = mgh(hub, "a-aims-at-b")
    before_a, before_b = snapshot(hub, "a"), snapshot(hub, "b")
    for call in (
        lambda: aimer.create_progress_update_stream(ProgressUpdateStreamName="only-b"),
        lambda: aimer.import_migration_task(ProgressUpdateStream="only-b", MigrationTaskName="x"),
        lambda: aimer.delete_progress_update_stream(ProgressUpdateStreamName="shared"),
        lambda: aimer.describe_migration_task(ProgressUpdateStream="only-b", MigrationTaskName="t"),
    ):
        assert code_of(call) == "AccessDeniedException"
    assert snapshot(hub, "a") == before_a
    assert snapshot(hub, "b") == before_b


def test_next_tokens_do_not_cross_accounts(hub: SimpleNamespace) -> None:
    a = mgh(hub, "a")
    for i in range(3):
        a.create_progress_update_stream(ProgressUpdateStreamName=f"page-{i}")
    token = a.list_progress_update_streams(MaxResults=1)["NextToken"]
    b = mgh(hub, "b")
    # The account is sealed into the token: another account's is refused outright.
    with pytest.raises(ClientError) as exc:
        b.list_progress_update_streams(NextToken=token)
    assert exc.value.response["Error"]["Code"] == "InvalidInputException"
    assert "NextToken" in exc.value.response["Error"]["Message"]
