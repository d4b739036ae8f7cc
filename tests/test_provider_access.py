"""How a provider method reaches the store is declared (``@reads`` / ``@writes``
in provider/base.py): reads never reach the writer, each write is one unit of
work, and the home-region rules run first in that same transaction.

In process (``Hub.call`` over a real store, on both engines).
"""

from __future__ import annotations

import asyncio
import inspect
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name

from mighub.auth.policy import parse_policy
from mighub.clock import now_us
from mighub.context import RequestContext
from mighub.errors import AccessDeniedException, ServiceError
from mighub.models import operations_by_target
from mighub.server.hub import Hub
from mighub.store.engine import Store, Work
from mighub.store.rows import HomeRegionControl
from mighub.store.transaction import Transaction
from test_auth_helpers import ACCOUNT_A

READ_PREFIXES = ("Describe", "List", "Get")
STREAM, TASK = "S", "T"
ARTIFACT = f"arn:aws:ec2:us-east-1:{ACCOUNT_A}:image/ami-1"
WHERE = {"ProgressUpdateStream": STREAM, "MigrationTaskName": TASK}


class TallyStore(Store):
    """A real store that counts the transactions it is asked for."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.tally: Counter[str] = Counter()

    async def aread(self, work: Work[Any]) -> Any:
        self.tally["read"] += 1
        return await super().aread(work)

    async def awrite(self, work: Work[Any]) -> Any:
        self.tally["write"] += 1
        return await super().awrite(work)


@pytest.fixture
def store(databases: Any, tmp_path: Path) -> Iterator[TallyStore]:
    url = databases.fresh_url(tmp_path)
    found = TallyStore(url)
    yield found
    found.close()


def context(operation: str, region: str | None = "us-east-1", policy: dict[str, Any] | None = None) -> RequestContext:
    for _target, found in operations_by_target().items():
        if found.name == operation:
            return RequestContext(
                operation=found,
                account_id=ACCOUNT_A,
                region=region,
                policy=parse_policy(policy) if policy is not None else None,
            )
    raise KeyError(operation)


def call(hub: Hub, operation: str, body: dict[str, Any], **who: Any) -> dict[str, Any]:
    return asyncio.run(hub.call(context(operation, **who), body))


def code_of(hub: Hub, operation: str, body: dict[str, Any], **who: Any) -> str:
    with pytest.raises(ServiceError) as raised:
        call(hub, operation, body, **who)
    return raised.value.code


def streams(hub: Hub) -> list[str]:
    return list(hub.store.read(lambda tx: tx.list_streams(ACCOUNT_A, after=None, limit=100)))


def move_home_region(hub: Hub, region: str) -> None:
    """Another replica changes the account's home region: straight in the store."""

    def work(tx: Transaction) -> None:
        for control in tx.list_home_region_controls(
            ACCOUNT_A, control_id=None, home_region=None, target_type=None, target_id=None, after=None, limit=10
        ):
            tx.delete_home_region_control(ACCOUNT_A, control.control_id)
        tx.insert_home_region_control(HomeRegionControl("hrc-moved", ACCOUNT_A, region, "ACCOUNT", ACCOUNT_A, now_us()))

    hub.store.write(work)


def every_operation() -> list[tuple[str, dict[str, Any]]]:
    """A call of every operation of both services, in an order where each one succeeds."""
    artifact, resource, source = {"Name": ARTIFACT}, {"ConfigurationId": "d-1"}, {"Name": "s"}
    state = {"Task": {"Status": "IN_PROGRESS"}, "UpdateDateTime": 1_700_000_000, "NextUpdateSeconds": 60}
    return [
        ("CreateProgressUpdateStream", {"ProgressUpdateStreamName": STREAM}),
        ("ImportMigrationTask", WHERE),
        ("NotifyMigrationTaskState", {**WHERE, **state}),
        ("PutResourceAttributes", {**WHERE, "ResourceAttributeList": [{"Type": "FQDN", "Value": "h"}]}),
        ("AssociateCreatedArtifact", {**WHERE, "CreatedArtifact": artifact}),
        ("AssociateDiscoveredResource", {**WHERE, "DiscoveredResource": resource}),
        ("AssociateSourceResource", {**WHERE, "SourceResource": source}),
        ("NotifyApplicationState", {"ApplicationId": "app-1", "Status": "IN_PROGRESS"}),
        ("DescribeMigrationTask", WHERE),
        ("ListMigrationTasks", {}),
        ("ListMigrationTaskUpdates", WHERE),
        ("ListProgressUpdateStreams", {}),
        ("ListCreatedArtifacts", WHERE),
        ("ListDiscoveredResources", WHERE),
        ("ListSourceResources", WHERE),
        ("DescribeApplicationState", {"ApplicationId": "app-1"}),
        ("ListApplicationStates", {}),
        ("GetHomeRegion", {}),
        ("DescribeHomeRegionControls", {}),
        ("DisassociateCreatedArtifact", {**WHERE, "CreatedArtifactName": ARTIFACT}),
        ("DisassociateDiscoveredResource", {**WHERE, "ConfigurationId": "d-1"}),
        ("DisassociateSourceResource", {**WHERE, "SourceResourceName": "s"}),
        ("DeleteProgressUpdateStream", {"ProgressUpdateStreamName": STREAM}),
        ("CreateHomeRegionControl", {"HomeRegion": "us-east-1", "Target": {"Type": "ACCOUNT"}}),
    ]


def test_every_operation_is_called_here() -> None:
    modeled = {operation.name for operation in operations_by_target().values()}
    assert {name for name, _ in every_operation()} | {"DeleteHomeRegionControl"} == modeled


def test_reads_never_reach_the_writer_and_a_write_is_one_unit_of_work(store: TallyStore) -> None:
    hub = Hub(store)
    call(hub, "GetHomeRegion", {})  # the account is created, its ARN region cached
    for operation, body in [*every_operation(), ("DeleteHomeRegionControl", {})]:
        if operation == "DeleteHomeRegionControl":
            controls = call(hub, "DescribeHomeRegionControls", {})["HomeRegionControls"]
            body = {"ControlId": controls[0]["ControlId"]}
        store.tally.clear()
        call(hub, operation, body)
        expected = {"read": 1} if operation.startswith(READ_PREFIXES) else {"write": 1}
        assert store.tally == expected, operation


def test_a_write_refused_by_the_home_region_changes_nothing(store: TallyStore) -> None:
    hub = Hub(store)
    call(hub, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": "kept"})
    move_home_region(hub, "us-west-2")
    before = streams(hub)
    for stream in ("new", "kept"):  # a new stream, and one that exists
        assert code_of(hub, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": stream}) == (
            "InvalidInputException"
        )
    assert code_of(hub, "ImportMigrationTask", {"ProgressUpdateStream": "kept", "MigrationTaskName": "t"}) == (
        "InvalidInputException"
    )
    assert streams(hub) == before
    assert hub.store.read(lambda tx: tx.task(ACCOUNT_A, "kept", "t")) is None
    # Reads and deletes work from anywhere; from the home region the write goes through.
    assert call(hub, "ListProgressUpdateStreams", {})["ProgressUpdateStreamSummaryList"]
    call(hub, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": "new"}, region="us-west-2")
    assert streams(hub) == ["kept", "new"]


def allow_in(region: str) -> dict[str, Any]:
    arn = f"arn:aws:mgh:{region}:{ACCOUNT_A}:progressUpdateStream/*"
    return {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "mgh:*", "Resource": arn}]}


def test_a_write_authorised_with_a_stale_arn_region_is_authorised_again(store: TallyStore) -> None:
    hub = Hub(store)
    call(hub, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": STREAM})  # caches us-east-1
    move_home_region(hub, "us-west-2")
    # Allowed by the stale ARN region only: refused once the transaction sees the move.
    with pytest.raises(AccessDeniedException):
        call(hub, "ImportMigrationTask", WHERE, region="us-west-2", policy=allow_in("us-east-1"))
    assert hub.store.read(lambda tx: tx.task(ACCOUNT_A, STREAM, TASK)) is None
    move_home_region(hub, "eu-west-1")  # moved again under a cached us-west-2
    call(hub, "ImportMigrationTask", WHERE, region="eu-west-1", policy=allow_in("eu-west-1"))
    assert hub.store.read(lambda tx: tx.task(ACCOUNT_A, STREAM, TASK)) is not None


def test_a_read_that_needs_a_home_region_is_refused_without_one(store: TallyStore) -> None:
    hub = Hub(store)
    call(hub, "GetHomeRegion", {})
    controls = call(hub, "DescribeHomeRegionControls", {})["HomeRegionControls"]
    call(hub, "DeleteHomeRegionControl", {"ControlId": controls[0]["ControlId"]})
    assert code_of(hub, "ListProgressUpdateStreams", {}) == "HomeRegionNotSetException"
    assert call(hub, "GetHomeRegion", {}) == {}  # the config service has no such rule


def test_provider_methods_take_the_model_input_but_dry_run(store: TallyStore) -> None:
    """The hub answers dry runs before dispatch: no provider method takes DryRun."""
    hub = Hub(store)
    providers = {"mgh": hub.mgh, "migrationhub-config": hub.config}
    for operation in operations_by_target().values():
        method = getattr(providers[operation.service], xform_name(operation.name))
        taken = set(inspect.signature(method).parameters) - {"tx", "ctx"}
        shape = operation.model.input_shape
        members = {xform_name(name) for name in shape.members} if shape else set()
        assert taken == members - {"dry_run"}, operation.name


def test_a_dry_run_refuses_what_the_real_call_would(store: TallyStore) -> None:
    """A control for another account is refused before the dry run is answered, and
    costs no trip through the writer."""
    hub = Hub(store)
    call(hub, "GetHomeRegion", {})
    other = {"HomeRegion": "us-west-2", "Target": {"Type": "ACCOUNT", "Id": "999999999999"}}
    writes = store.tally["write"]
    assert code_of(hub, "CreateHomeRegionControl", {**other, "DryRun": True}) == "InvalidInputException"
    assert code_of(hub, "CreateHomeRegionControl", other) == "InvalidInputException"
    assert store.tally["write"] == writes
    mine = {"HomeRegion": "us-east-1", "Target": {"Type": "ACCOUNT", "Id": ACCOUNT_A}}
    assert code_of(hub, "CreateHomeRegionControl", {**mine, "DryRun": True}) == "DryRunOperation"
