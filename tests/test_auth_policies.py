"""Authorisation: IAM-style policies on progress update streams, in process.

The integrated-partner policy of customer-managed-vendor.md confines a tool to its own
stream; explicit denies win; NotAction/NotResource; wildcards (``*``, ``?``) in actions and
resources; case-insensitive action names and case-sensitive ARNs; and honest dry runs on
every write operation of both models (walked from botocore's service models).

The calls go to ``Hub.call`` with each key's parsed policy, as the gate leaves a validly
signed request (the signatures themselves are test_auth_signatures.py's); the hub's task
API is called through the whole ``App`` with an auth file, signed by botocore.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from e2e_helpers import list_all_streams, list_all_tasks
from inproc_calls import HubClient, asgi, auth_app
from mighub.store.engine import Store
from test_auth_helpers import (
    allow,
    code_of,
    deny,
    new_key,
    partner_policy,
    policy,
    snapshot_with,
    stream_arn,
)

ACCOUNT_C = (
    "777788889999"  # an account whose home region control is deleted (for the dry run of CreateHomeRegionControl)
)
ACCOUNT_D = "121212121212"  # the dry runs of the mgh operations: a small account, quick to snapshot
ACCOUNT_E = "343434343434"  # action-name case
READ_ONLY = policy(allow(["mgh:List*", "mgh:Describe*", "mgh:Get*"]))
WHEN = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
ARTIFACT = "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"

KEYS = {
    "admin": new_key("admin"),
    "reader": new_key("reader", policy=READ_ONLY),
    "dms": new_key("dms", policy=partner_policy("DMS")),
    "ata": new_key("ata", policy=partner_policy("ATADATA")),
    "denier": new_key(
        "denier",
        policy=policy(
            deny("mgh:DeleteProgressUpdateStream", stream_arn("precious")),
            allow("mgh:*", "*"),
            deny("mgh:Notify*", [stream_arn("locked"), stream_arn("locked") + "/*"]),
        ),
    ),
    "notaction": new_key(
        "notaction",
        policy=policy({"Effect": "Allow", "NotAction": ["mgh:Delete*", "mgh:Disassociate*"], "Resource": "*"}),
    ),
    "deny-notaction": new_key(
        "deny-notaction",
        policy=policy(
            allow("mgh:*"),
            {"Effect": "Deny", "NotAction": "mgh:List*", "Resource": stream_arn("readonly") + "/*"},
        ),
    ),
    "notresource": new_key(
        "notresource",
        policy=policy(
            {"Effect": "Allow", "Action": "mgh:*", "NotResource": [stream_arn("secret"), stream_arn("secret") + "/*"]}
        ),
    ),
    "wild": new_key(
        "wild",
        policy=policy(
            allow("mgh:create*", "arn:aws:mgh:us-east-1:111122223333:progressUpdateStream/wild-?"),
            allow("MGH:IMPORTMIGRATIONTASK", "arn:aws:mgh:*:111122223333:progressUpdateStream/wild-?/migrationTask/*"),
            allow("mgh:Notify*", "arn:aws:mgh:us-east-1:111122223333:progressUpdateStream/wild-?/*"),
            allow("mgh:Describe?igrationTask", "arn:aws:mgh:us-east-1:111122223333:progressUpdateStream/wild-?/*"),
            allow("mgh:*", "arn:aws:mgh:us-east-1:111122223333:progressUpdateStream/all-in*"),
            allow("*", "arn:aws:mgh:us-east-1:111122223333:progressUpdateStream/star-action"),
        ),
    ),
    "c-admin": new_key("c-admin", account=ACCOUNT_C),
    "c-reader": new_key("c-reader", account=ACCOUNT_C, policy=READ_ONLY),
    "d-admin": new_key("d-admin", account=ACCOUNT_D),
    "d-reader": new_key("d-reader", account=ACCOUNT_D, policy=READ_ONLY),
    "e-admin": new_key("e-admin", account=ACCOUNT_E),
    "upper": new_key(
        "upper",
        account=ACCOUNT_E,
        policy=policy(allow("MGH:CREATEPROGRESSUPDATESTREAM", stream_arn("CaseStream", ACCOUNT_E))),
    ),
    "mixed": new_key(
        "mixed",
        account=ACCOUNT_E,
        policy=policy(allow("Mgh:CreateProgressUpdateSTREAM", stream_arn("CaseStream", ACCOUNT_E))),
    ),
    "lower-arn": new_key(
        "lower-arn",
        account=ACCOUNT_E,
        policy=policy(allow("mgh:CreateProgressUpdateStream", stream_arn("casestream", ACCOUNT_E))),
    ),
}


@pytest.fixture(scope="module")
def hub(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    store = Store(databases.fresh_url(tmp_path_factory.mktemp("policies")))
    yield SimpleNamespace(app=auth_app(store, KEYS.values()), clients={})
    store.close()


def mgh(hub: SimpleNamespace, name: str, region: str = "us-east-1") -> Any:
    index = (name, "mgh", region)
    if index not in hub.clients:
        hub.clients[index] = HubClient(hub.app.hub, KEYS[name], region=region)
    return hub.clients[index]


def cfg(hub: SimpleNamespace, name: str) -> Any:
    index = (name, "migrationhub-config", "us-east-1")
    if index not in hub.clients:
        hub.clients[index] = HubClient(hub.app.hub, KEYS[name], "migrationhub-config")
    return hub.clients[index]


def snapshot(hub: SimpleNamespace, key: Any) -> dict[str, Any]:
    name = next(n for n, k in KEYS.items() if k == key)
    return snapshot_with(mgh(hub, name), cfg(hub, name))


def denied(call: Any) -> bool:
    return code_of(call) == "AccessDeniedException"


def notify(client: Any, stream: str, task: str, detail: str, minutes: int = 0, **kw: Any) -> Any:
    return client.notify_migration_task_state(
        ProgressUpdateStream=stream,
        MigrationTaskName=task,
        Task={"Status": "IN_PROGRESS", "ProgressPercent": 50, "StatusDetail": detail},
        UpdateDateTime=WHEN + timedelta(minutes=minutes),
        NextUpdateSeconds=600,
        **kw,
    )


# -- the integrated-partner policy --------------------------------------------------------
def test_partner_policy_works_on_its_own_stream(hub: SimpleNamespace) -> None:
    dms = mgh(hub, "dms")
    dms.create_progress_update_stream(ProgressUpdateStreamName="DMS")
    dms.create_progress_update_stream(ProgressUpdateStreamName="DMS")  # idempotent, as tools rely on
    for task in ("db-1", "db-2"):
        dms.import_migration_task(ProgressUpdateStream="DMS", MigrationTaskName=task)
        notify(dms, "DMS", task, f"copying {task}")
    ids = {"ProgressUpdateStream": "DMS", "MigrationTaskName": "db-1"}
    dms.put_resource_attributes(**ids, ResourceAttributeList=[{"Type": "IPV4_ADDRESS", "Value": "10.0.0.7"}])
    dms.associate_created_artifact(**ids, CreatedArtifact={"Name": ARTIFACT})
    dms.associate_discovered_resource(**ids, DiscoveredResource={"ConfigurationId": "d-server-01"})
    described = dms.describe_migration_task(**ids)["MigrationTask"]
    assert described["Task"]["StatusDetail"] == "copying db-1"
    assert described["ResourceAttributeList"] == [{"Type": "IPV4_ADDRESS", "Value": "10.0.0.7"}]
    assert [a["Name"] for a in dms.list_created_artifacts(**ids)["CreatedArtifactList"]] == [ARTIFACT]
    assert [d["ConfigurationId"] for d in dms.list_discovered_resources(**ids)["DiscoveredResourceList"]] == [
        "d-server-01"
    ]
    dms.disassociate_discovered_resource(**ids, ConfigurationId="d-server-01")
    assert dms.list_discovered_resources(**ids)["DiscoveredResourceList"] == []
    assert cfg(hub, "dms").get_home_region()["HomeRegion"] == "us-east-1"
    # dry runs on its own stream tell the truth too
    assert (
        code_of(lambda: dms.import_migration_task(ProgressUpdateStream="DMS", MigrationTaskName="db-9", DryRun=True))
        == "DryRunOperation"
    )


def test_partner_policy_denies_every_other_stream(hub: SimpleNamespace) -> None:
    admin, dms = mgh(hub, "admin"), mgh(hub, "dms")
    admin.create_progress_update_stream(ProgressUpdateStreamName="OTHER")
    admin.import_migration_task(ProgressUpdateStream="OTHER", MigrationTaskName="x")
    notify(admin, "OTHER", "x", "admin's")
    dms.create_progress_update_stream(ProgressUpdateStreamName="DMS")
    dms.import_migration_task(ProgressUpdateStream="DMS", MigrationTaskName="db-1")
    before = snapshot(hub, KEYS["admin"])
    other = {"ProgressUpdateStream": "OTHER", "MigrationTaskName": "x"}
    attempts = {
        "create other": lambda: dms.create_progress_update_stream(ProgressUpdateStreamName="OTHER2"),
        "create a longer name": lambda: dms.create_progress_update_stream(ProgressUpdateStreamName="DMS2"),
        "create a prefix": lambda: dms.create_progress_update_stream(ProgressUpdateStreamName="DM"),
        "create other case": lambda: dms.create_progress_update_stream(ProgressUpdateStreamName="dms"),
        "import": lambda: dms.import_migration_task(ProgressUpdateStream="OTHER", MigrationTaskName="y"),
        "notify": lambda: notify(dms, "OTHER", "x", "forged", minutes=5),
        "describe": lambda: dms.describe_migration_task(**other),
        "put attributes": lambda: dms.put_resource_attributes(
            **other, ResourceAttributeList=[{"Type": "IPV4_ADDRESS", "Value": "10.6.6.6"}]
        ),
        "associate artifact": lambda: dms.associate_created_artifact(**other, CreatedArtifact={"Name": ARTIFACT}),
        "associate discovered": lambda: dms.associate_discovered_resource(
            **other, DiscoveredResource={"ConfigurationId": "d-server-99"}
        ),
        "list artifacts": lambda: dms.list_created_artifacts(**other),
        "list updates": lambda: dms.list_migration_task_updates(**other),
        "delete other": lambda: dms.delete_progress_update_stream(ProgressUpdateStreamName="OTHER"),
        # not in the policy even for its own stream
        "delete own": lambda: dms.delete_progress_update_stream(ProgressUpdateStreamName="DMS"),
        "list streams": lambda: dms.list_progress_update_streams(),
        "associate source resource (not granted)": lambda: dms.associate_source_resource(
            ProgressUpdateStream="DMS", MigrationTaskName="db-1", SourceResource={"Name": "vm-1"}
        ),
        # the permissions reference authorises application-state calls against "*", which
        # the policy's stream-scoped grant does not cover
        "notify application state": lambda: dms.notify_application_state(
            ApplicationId="app-1", Status="IN_PROGRESS", UpdateDateTime=WHEN
        ),
        "home region control": lambda: cfg(hub, "dms").describe_home_region_controls(),
    }
    for what, call in attempts.items():
        assert code_of(call) == "AccessDeniedException", what
    for what, call in {
        "import dry run": lambda: dms.import_migration_task(
            ProgressUpdateStream="OTHER", MigrationTaskName="y", DryRun=True
        ),
        "notify dry run": lambda: notify(dms, "OTHER", "x", "forged", DryRun=True),
        "create dry run": lambda: dms.create_progress_update_stream(ProgressUpdateStreamName="OTHER2", DryRun=True),
    }.items():
        assert code_of(call) == "UnauthorizedOperation", what
    # a request signed for another region names the same ARN (the home region's): a read is
    # allowed from there, a write still has to come from the home region
    west = mgh(hub, "dms", region="us-west-2")
    assert west.describe_migration_task(ProgressUpdateStream="DMS", MigrationTaskName="db-1")["MigrationTask"]
    assert code_of(lambda: notify(west, "DMS", "db-1", "from the west")) == "InvalidInputException"
    assert denied(lambda: west.describe_migration_task(ProgressUpdateStream="OTHER", MigrationTaskName="x"))
    assert snapshot(hub, KEYS["admin"]) == before


def test_list_migration_tasks_shows_only_the_partners_stream(hub: SimpleNamespace) -> None:
    dms, ata, admin = mgh(hub, "dms"), mgh(hub, "ata"), mgh(hub, "admin")
    dms.create_progress_update_stream(ProgressUpdateStreamName="DMS")
    ata.create_progress_update_stream(ProgressUpdateStreamName="ATADATA")
    for i in range(3):
        dms.import_migration_task(ProgressUpdateStream="DMS", MigrationTaskName=f"list-{i}")
        notify(dms, "DMS", f"list-{i}", "dms")
        ata.import_migration_task(ProgressUpdateStream="ATADATA", MigrationTaskName=f"list-{i}")
        notify(ata, "ATADATA", f"list-{i}", "ata")
    everything = list_all_tasks(admin)
    streams = {r["ProgressUpdateStream"] for r in everything}
    assert {"DMS", "ATADATA"} <= streams
    for key, stream in (("dms", "DMS"), ("ata", "ATADATA")):
        seen = list_all_tasks(mgh(hub, key), page_size=2)  # short pages must not leak either
        assert seen and {r["ProgressUpdateStream"] for r in seen} == {stream}
        assert sorted(r["MigrationTaskName"] for r in seen) == sorted(
            r["MigrationTaskName"] for r in everything if r["ProgressUpdateStream"] == stream
        )
    # and neither partner can read the other's tasks directly
    assert denied(lambda: dms.describe_migration_task(ProgressUpdateStream="ATADATA", MigrationTaskName="list-0"))
    assert denied(lambda: ata.describe_migration_task(ProgressUpdateStream="DMS", MigrationTaskName="list-0"))


# -- explicit deny, NotAction, NotResource, wildcards ----------------------------------------
def test_deny_beats_allow(hub: SimpleNamespace) -> None:
    denier = mgh(hub, "denier")
    for stream in ("precious", "ordinary", "locked"):
        denier.create_progress_update_stream(ProgressUpdateStreamName=stream)
    denier.import_migration_task(ProgressUpdateStream="locked", MigrationTaskName="t")
    denier.import_migration_task(ProgressUpdateStream="ordinary", MigrationTaskName="t")
    notify(denier, "ordinary", "t", "fine")
    before = snapshot(hub, KEYS["admin"])
    assert denied(lambda: denier.delete_progress_update_stream(ProgressUpdateStreamName="precious"))
    assert (
        code_of(lambda: denier.delete_progress_update_stream(ProgressUpdateStreamName="precious", DryRun=True))
        == "UnauthorizedOperation"
    )
    assert denied(lambda: notify(denier, "locked", "t", "no"))
    assert code_of(lambda: notify(denier, "locked", "t", "no", DryRun=True)) == "UnauthorizedOperation"
    assert snapshot(hub, KEYS["admin"]) == before
    # what the denies do not name stays allowed
    assert (
        code_of(lambda: denier.delete_progress_update_stream(ProgressUpdateStreamName="ordinary", DryRun=True))
        == "DryRunOperation"
    )
    denier.describe_migration_task(ProgressUpdateStream="locked", MigrationTaskName="t")
    notify(denier, "ordinary", "t", "still fine", minutes=1)
    assert "precious" in list_all_streams(mgh(hub, "admin"))
    # the Notify* deny names the stream's ARNs; application state is authorised against "*"
    denier.notify_application_state(ApplicationId="denier-app", Status="COMPLETED", UpdateDateTime=WHEN)


def test_deny_with_not_action(hub: SimpleNamespace) -> None:
    admin, key = mgh(hub, "admin"), mgh(hub, "deny-notaction")
    admin.create_progress_update_stream(ProgressUpdateStreamName="readonly")
    admin.import_migration_task(ProgressUpdateStream="readonly", MigrationTaskName="t")
    ids = {"ProgressUpdateStream": "readonly", "MigrationTaskName": "t"}
    before = snapshot(hub, KEYS["admin"])
    # every action but List* is denied on the stream's tasks ...
    assert denied(lambda: notify(key, "readonly", "t", "no"))
    assert denied(lambda: key.describe_migration_task(**ids))
    assert denied(lambda: key.associate_created_artifact(**ids, CreatedArtifact={"Name": ARTIFACT}))
    assert snapshot(hub, KEYS["admin"]) == before
    # ... List* stays allowed there, and everything elsewhere
    assert key.list_created_artifacts(**ids)["CreatedArtifactList"] == []
    key.create_progress_update_stream(ProgressUpdateStreamName="writable")
    key.import_migration_task(ProgressUpdateStream="writable", MigrationTaskName="t")
    # ListMigrationTasks is allowed but lists only what DescribeMigrationTask allows
    seen = {(r["ProgressUpdateStream"], r["MigrationTaskName"]) for r in list_all_tasks(key)}
    assert ("writable", "t") in seen and ("readonly", "t") not in seen


def test_allow_with_not_action(hub: SimpleNamespace) -> None:
    key = mgh(hub, "notaction")
    key.create_progress_update_stream(ProgressUpdateStreamName="na-stream")
    key.import_migration_task(ProgressUpdateStream="na-stream", MigrationTaskName="t")
    ids = {"ProgressUpdateStream": "na-stream", "MigrationTaskName": "t"}
    key.associate_created_artifact(**ids, CreatedArtifact={"Name": ARTIFACT})
    notify(key, "na-stream", "t", "ok")
    before = snapshot(hub, KEYS["admin"])
    assert denied(lambda: key.delete_progress_update_stream(ProgressUpdateStreamName="na-stream"))
    assert denied(lambda: key.disassociate_created_artifact(**ids, CreatedArtifactName=ARTIFACT))
    assert denied(lambda: cfg(hub, "notaction").delete_home_region_control(ControlId="hrc-abcdefghijkl"))
    assert snapshot(hub, KEYS["admin"]) == before
    assert key.list_created_artifacts(**ids)["CreatedArtifactList"][0]["Name"] == ARTIFACT


def test_allow_with_not_resource(hub: SimpleNamespace) -> None:
    admin, key = mgh(hub, "admin"), mgh(hub, "notresource")
    admin.create_progress_update_stream(ProgressUpdateStreamName="secret")
    admin.import_migration_task(ProgressUpdateStream="secret", MigrationTaskName="t")
    before = snapshot(hub, KEYS["admin"])
    assert denied(lambda: key.import_migration_task(ProgressUpdateStream="secret", MigrationTaskName="u"))
    assert denied(lambda: key.describe_migration_task(ProgressUpdateStream="secret", MigrationTaskName="t"))
    assert denied(lambda: key.delete_progress_update_stream(ProgressUpdateStreamName="secret"))
    assert snapshot(hub, KEYS["admin"]) == before
    # "secret2" is not "secret": ARNs are matched whole
    key.create_progress_update_stream(ProgressUpdateStreamName="secret2")
    key.import_migration_task(ProgressUpdateStream="secret2", MigrationTaskName="t")
    # the account-wide resource "*" is not among the NotResource ARNs
    seen = {(r["ProgressUpdateStream"], r["MigrationTaskName"]) for r in list_all_tasks(key)}
    assert ("secret2", "t") in seen and ("secret", "t") not in seen
    assert "secret" in list_all_streams(key)  # listing streams is account-wide ("*")


def test_wildcards_and_case(hub: SimpleNamespace) -> None:
    key = mgh(hub, "wild")
    before = snapshot(hub, KEYS["admin"])
    refused = {
        "? is exactly one character": lambda: key.create_progress_update_stream(ProgressUpdateStreamName="wild-ab"),
        "? is not zero characters": lambda: key.create_progress_update_stream(ProgressUpdateStreamName="wild-"),
        "ARNs are case-sensitive": lambda: key.create_progress_update_stream(ProgressUpdateStreamName="WILD-a"),
        "no statement": lambda: key.create_progress_update_stream(ProgressUpdateStreamName="tame"),
        "Notify* is not Delete": lambda: key.delete_progress_update_stream(ProgressUpdateStreamName="wild-a"),
        "application state is on *": lambda: key.notify_application_state(
            ApplicationId="a", Status="IN_PROGRESS", UpdateDateTime=WHEN
        ),
        "star action on one stream": lambda: key.import_migration_task(
            ProgressUpdateStream="star-action", MigrationTaskName="t"
        ),
    }
    for what, call in refused.items():
        assert denied(call), what
    assert snapshot(hub, KEYS["admin"]) == before

    key.create_progress_update_stream(ProgressUpdateStreamName="wild-a")  # mgh:create*, lower case
    key.import_migration_task(ProgressUpdateStream="wild-a", MigrationTaskName="t")  # MGH:IMPORTMIGRATIONTASK
    notify(key, "wild-a", "t", "wildcard notify")  # mgh:Notify*
    described = key.describe_migration_task(
        ProgressUpdateStream="wild-a", MigrationTaskName="t"
    )  # Describe?igrationTask
    assert described["MigrationTask"]["Task"]["StatusDetail"] == "wildcard notify"
    assert denied(lambda: key.list_created_artifacts(ProgressUpdateStream="wild-a", MigrationTaskName="t"))
    # mgh:* on ".../all-in*": the stream, its tasks, and any stream whose name starts so
    for stream in ("all-in", "all-in-2"):
        key.create_progress_update_stream(ProgressUpdateStreamName=stream)
        key.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
        key.list_created_artifacts(ProgressUpdateStream=stream, MigrationTaskName="t")
        key.delete_progress_update_stream(ProgressUpdateStreamName=stream)
    # Action "*" on one stream ARN: every action on the stream itself, none on its tasks
    key.create_progress_update_stream(ProgressUpdateStreamName="star-action")
    assert (
        code_of(lambda: key.delete_progress_update_stream(ProgressUpdateStreamName="star-action", DryRun=True))
        == "DryRunOperation"
    )


def test_action_names_are_case_insensitive_resources_are_not(hub: SimpleNamespace) -> None:
    upper, mixed, lower_arn = mgh(hub, "upper"), mgh(hub, "mixed"), mgh(hub, "lower-arn")
    upper.create_progress_update_stream(ProgressUpdateStreamName="CaseStream")
    mixed.create_progress_update_stream(ProgressUpdateStreamName="CaseStream")
    assert denied(lambda: lower_arn.create_progress_update_stream(ProgressUpdateStreamName="CaseStream"))
    assert denied(lambda: upper.create_progress_update_stream(ProgressUpdateStreamName="casestream"))
    assert list_all_streams(mgh(hub, "e-admin")) == ["CaseStream"]


# -- dry runs on every write operation -------------------------------------------------------
DRY = "dry-stream"
DRY_TASK = {"ProgressUpdateStream": DRY, "MigrationTaskName": "t1"}


def write_calls() -> dict[str, tuple[str, dict[str, Any]]]:
    """A call that would change the account, for each operation that has DryRun."""
    later = WHEN + timedelta(days=1)
    return {
        "AssociateCreatedArtifact": (
            "mgh",
            {**DRY_TASK, "CreatedArtifact": {"Name": ARTIFACT.replace("0123", "9999")}},
        ),
        "AssociateDiscoveredResource": ("mgh", {**DRY_TASK, "DiscoveredResource": {"ConfigurationId": "d-server-new"}}),
        "AssociateSourceResource": ("mgh", {**DRY_TASK, "SourceResource": {"Name": "src-new"}}),
        "CreateProgressUpdateStream": ("mgh", {"ProgressUpdateStreamName": "dry-new"}),
        "DeleteProgressUpdateStream": ("mgh", {"ProgressUpdateStreamName": DRY}),
        "DisassociateCreatedArtifact": ("mgh", {**DRY_TASK, "CreatedArtifactName": ARTIFACT}),
        "DisassociateDiscoveredResource": ("mgh", {**DRY_TASK, "ConfigurationId": "d-server-old"}),
        "DisassociateSourceResource": ("mgh", {**DRY_TASK, "SourceResourceName": "src-old"}),
        "ImportMigrationTask": ("mgh", {"ProgressUpdateStream": DRY, "MigrationTaskName": "t-new"}),
        "NotifyApplicationState": ("mgh", {"ApplicationId": "app-1", "Status": "COMPLETED", "UpdateDateTime": later}),
        "NotifyMigrationTaskState": (
            "mgh",
            {
                **DRY_TASK,
                "Task": {"Status": "COMPLETED", "StatusDetail": "dry"},
                "UpdateDateTime": later,
                "NextUpdateSeconds": 0,
            },
        ),
        "PutResourceAttributes": (
            "mgh",
            {**DRY_TASK, "ResourceAttributeList": [{"Type": "IPV4_ADDRESS", "Value": "10.9.9.9"}]},
        ),
        "CreateHomeRegionControl": ("migrationhub-config", {"HomeRegion": "us-west-2", "Target": {"Type": "ACCOUNT"}}),
    }


def operations_with_dry_run() -> set[str]:
    session = botocore.session.get_session()
    found = set()
    for service in ("mgh", "migrationhub-config"):
        model = session.get_service_model(service)
        for name in model.operation_names:
            shape = model.operation_model(name).input_shape
            if shape is not None and "DryRun" in shape.members:
                found.add(name)
    return found


def test_every_write_operation_is_covered() -> None:
    assert set(write_calls()) == operations_with_dry_run()


@pytest.fixture(scope="module")
def dry_setup(hub: SimpleNamespace) -> SimpleNamespace:
    admin = mgh(hub, "d-admin")
    admin.create_progress_update_stream(ProgressUpdateStreamName=DRY)
    admin.import_migration_task(**DRY_TASK)
    notify(admin, DRY, "t1", "before the dry runs")
    admin.associate_created_artifact(**DRY_TASK, CreatedArtifact={"Name": ARTIFACT})
    admin.associate_discovered_resource(**DRY_TASK, DiscoveredResource={"ConfigurationId": "d-server-old"})
    admin.associate_source_resource(**DRY_TASK, SourceResource={"Name": "src-old"})
    admin.put_resource_attributes(**DRY_TASK, ResourceAttributeList=[{"Type": "IPV4_ADDRESS", "Value": "10.0.0.1"}])
    admin.notify_application_state(ApplicationId="app-1", Status="IN_PROGRESS", UpdateDateTime=WHEN)
    # account C has no home region control at all, so a CreateHomeRegionControl would show
    c_config = cfg(hub, "c-admin")
    assert c_config.get_home_region()["HomeRegion"] == "us-east-1"  # the preset, on first sight
    for control in c_config.describe_home_region_controls()["HomeRegionControls"]:
        c_config.delete_home_region_control(ControlId=control["ControlId"])
    assert c_config.describe_home_region_controls()["HomeRegionControls"] == []
    return SimpleNamespace()


@pytest.mark.parametrize("operation", sorted(write_calls()))
def test_dry_run_both_ways_and_denial(hub: SimpleNamespace, dry_setup: Any, operation: str) -> None:
    service, params = write_calls()[operation]
    home_region = operation == "CreateHomeRegionControl"
    allowed, refused, admin = ("c-admin", "c-reader", "c-admin") if home_region else ("d-admin", "d-reader", "d-admin")

    def call(key: str, **extra: Any) -> str | None:
        client = cfg(hub, key) if service == "migrationhub-config" else mgh(hub, key)
        return code_of(lambda: getattr(client, xform_name(operation))(**params, **extra))

    before = snapshot(hub, KEYS[admin])
    assert call(allowed, DryRun=True) == "DryRunOperation"
    assert call(refused, DryRun=True) == "UnauthorizedOperation"
    assert call(refused) == "AccessDeniedException"
    assert call(refused, DryRun=False) == "AccessDeniedException"
    assert snapshot(hub, KEYS[admin]) == before


def test_dry_run_answers_in_aws_words(hub: SimpleNamespace, dry_setup: Any) -> None:
    with pytest.raises(ClientError) as exc:
        mgh(hub, "d-admin").create_progress_update_stream(ProgressUpdateStreamName="dry-new", DryRun=True)
    assert exc.value.response["Error"]["Message"] == "Dry Run was a success!"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as exc:
        mgh(hub, "d-reader").create_progress_update_stream(ProgressUpdateStreamName="dry-new", DryRun=True)
    message = exc.value.response["Error"]["Message"]
    assert "d-reader" in message and "mgh:CreateProgressUpdateStream" in message
    assert "dry-new" not in list_all_streams(mgh(hub, "d-admin"))


def test_reader_can_read_but_not_write(hub: SimpleNamespace, dry_setup: Any) -> None:
    reader = mgh(hub, "d-reader")
    assert DRY in list_all_streams(reader)
    assert reader.describe_migration_task(**DRY_TASK)["MigrationTask"]["Task"]["StatusDetail"] == "before the dry runs"
    assert reader.describe_application_state(ApplicationId="app-1")["ApplicationStatus"] == "IN_PROGRESS"
    assert cfg(hub, "d-reader").get_home_region()["HomeRegion"] == "us-east-1"
    assert code_of(lambda: notify(reader, DRY, "t1", "no")) == "AccessDeniedException"


# -- the hub's own task API applies the same policies ------------------------------------------
def signed_get(hub: SimpleNamespace, path: str, key: Any) -> tuple[int, Any]:
    request = AWSRequest(method="GET", url="http://hub.test" + path)
    if key is not None:
        SigV4Auth(Credentials(key.access_key_id, key.secret), "mgh", "us-east-1").add_auth(request)
    status, _, body = asgi(hub.app, "GET", path, dict(request.headers.items()))
    return status, json.loads(body)


def test_task_api_extension_applies_the_policies(hub: SimpleNamespace) -> None:
    admin, dms = mgh(hub, "admin"), mgh(hub, "dms")
    dms.create_progress_update_stream(ProgressUpdateStreamName="DMS")
    dms.import_migration_task(ProgressUpdateStream="DMS", MigrationTaskName="ext-1")
    admin.create_progress_update_stream(ProgressUpdateStreamName="OTHER")
    admin.import_migration_task(ProgressUpdateStream="OTHER", MigrationTaskName="ext-2")
    status, body = signed_get(hub, "/_mighub/api/tasks?max_results=1000", None)
    assert status == 403 and body["error"] == "MissingAuthenticationTokenException"
    status, body = signed_get(hub, "/_mighub/api/tasks?max_results=1000", KEYS["admin"])
    assert status == 200
    assert {"DMS", "OTHER"} <= {t["ProgressUpdateStream"] for t in body["Tasks"]}
    status, body = signed_get(hub, "/_mighub/api/tasks?max_results=1000", KEYS["dms"])
    assert status == 200
    assert {t["ProgressUpdateStream"] for t in body["Tasks"]} == {"DMS"}
    status, body = signed_get(hub, "/_mighub/api/tasks?stream=OTHER", KEYS["dms"])
    assert status == 200 and body["Tasks"] == []
    status, body = signed_get(hub, "/_mighub/api/tasks", KEYS["upper"])
    assert status == 400 and body["error"] == "AccessDeniedException"
    bad = new_key("ghost")
    status, body = signed_get(hub, "/_mighub/api/tasks", bad)
    assert status == 400 and body["error"] == "UnrecognizedClientException"
