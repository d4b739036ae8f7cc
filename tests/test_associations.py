"""Created artifacts, discovered resources and source resources: associate, disassociate,
list (pagination, tokens), idempotence, errors, dry runs, the stream-deletion rules, and
ListMigrationTasks filtered by ResourceName.

In process (tests/inprocess.py): real boto3 clients, the real App, Hub and Store, on both engines.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import error_code, error_message, list_all_streams, poll, uniq
from inprocess import InProcessHub, InProcessHubFactory


# -- the three kinds of association, described once --------------------------------------
@dataclass(frozen=True)
class Kind:
    name: str
    associate_op: str
    disassociate_op: str
    list_op: str
    member: str  # the associate request's structure member
    key_field: str  # the key inside that structure and the listed items
    disassociate_key: str  # the disassociate request's key member
    list_key: str
    key: Callable[[int], str]
    extra: tuple[str, ...] = ()  # fields besides the key and Description

    def associate(self, mgh: Any, stream: str, task: str, key: str, **fields: Any) -> dict[str, Any]:
        """Fields go into the associated structure, except DryRun, a request member."""
        request = {"DryRun": fields.pop("DryRun")} if "DryRun" in fields else {}
        return getattr(mgh, self.associate_op)(
            ProgressUpdateStream=stream,
            MigrationTaskName=task,
            **{self.member: {self.key_field: key, **fields}},
            **request,
        )

    def disassociate(self, mgh: Any, stream: str, task: str, key: str, **kwargs: Any) -> dict[str, Any]:
        return getattr(mgh, self.disassociate_op)(
            ProgressUpdateStream=stream, MigrationTaskName=task, **{self.disassociate_key: key}, **kwargs
        )

    def list(self, mgh: Any, stream: str, task: str, **kwargs: Any) -> dict[str, Any]:
        return getattr(mgh, self.list_op)(ProgressUpdateStream=stream, MigrationTaskName=task, **kwargs)

    def items(self, mgh: Any, stream: str, task: str) -> list[dict[str, Any]]:
        """Every associated item, following NextToken."""
        out: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"MaxResults": 10}
        for _ in range(1000):
            resp = self.list(mgh, stream, task, **kwargs)
            out += resp[self.list_key]
            if not resp.get("NextToken"):
                return out
            kwargs["NextToken"] = resp["NextToken"]
        raise AssertionError("pagination never ended")

    def keys(self, mgh: Any, stream: str, task: str) -> list[str]:
        return [item[self.key_field] for item in self.items(mgh, stream, task)]


ARTIFACT = Kind(
    "created_artifact",
    "associate_created_artifact",
    "disassociate_created_artifact",
    "list_created_artifacts",
    "CreatedArtifact",
    "Name",
    "CreatedArtifactName",
    "CreatedArtifactList",
    lambda i: f"arn:aws:ec2:us-east-1:123456789012:instance/i-{i:017x}",
)
DISCOVERED = Kind(
    "discovered_resource",
    "associate_discovered_resource",
    "disassociate_discovered_resource",
    "list_discovered_resources",
    "DiscoveredResource",
    "ConfigurationId",
    "ConfigurationId",
    "DiscoveredResourceList",
    lambda i: f"d-server-{i:014x}",
)
SOURCE = Kind(
    "source_resource",
    "associate_source_resource",
    "disassociate_source_resource",
    "list_source_resources",
    "SourceResource",
    "Name",
    "SourceResourceName",
    "SourceResourceList",
    lambda i: f"source-server-{i:04d}",
    extra=("StatusDetail",),
)
KINDS = [ARTIFACT, DISCOVERED, SOURCE]
kinds = pytest.mark.parametrize("kind", KINDS, ids=[k.name for k in KINDS])


@pytest.fixture
def task(mgh: Any) -> tuple[str, str]:
    stream = uniq("assoc")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="server-1")
    return stream, "server-1"


@pytest.fixture(scope="module")
def mgh(inprocess_hub: InProcessHub) -> Any:
    return inprocess_hub.client("mgh")


@pytest.fixture(scope="module")
def lenient(inprocess_hub: InProcessHub) -> Any:
    """An mgh client without botocore's client-side parameter validation."""
    return inprocess_hub.client("mgh", validate=False)


def _fields(kind: Kind, text: str) -> dict[str, str]:
    fields = {"Description": f"description {text}"}
    for extra in kind.extra:
        fields[extra] = f"{extra} {text}"
    return fields


def _no_metadata(resp: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


# -- happy paths ---------------------------------------------------------------------------
@kinds
def test_fresh_task_lists_nothing(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    resp = kind.list(mgh, *task)
    assert resp[kind.list_key] == []
    assert "NextToken" not in resp


@kinds
def test_associate_list_disassociate(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    key = kind.key(1)
    resp = kind.associate(mgh, *task, key, **_fields(kind, "one"))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _no_metadata(resp) == {}
    assert kind.items(mgh, *task) == [{kind.key_field: key, **_fields(kind, "one")}]

    resp = kind.disassociate(mgh, *task, key)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert _no_metadata(resp) == {}
    assert kind.items(mgh, *task) == []


@kinds
def test_associate_without_description(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    kind.associate(mgh, *task, kind.key(2))
    assert kind.items(mgh, *task) == [{kind.key_field: kind.key(2)}]


@kinds
def test_associate_again_updates_and_does_not_duplicate(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    key = kind.key(3)
    kind.associate(mgh, *task, key, **_fields(kind, "first"))
    kind.associate(mgh, *task, kind.key(4), **_fields(kind, "other"))
    kind.associate(mgh, *task, key, **_fields(kind, "second"))
    kind.associate(mgh, *task, key, **_fields(kind, "second"))
    assert kind.items(mgh, *task) == [
        {kind.key_field: key, **_fields(kind, "second")},
        {kind.key_field: kind.key(4), **_fields(kind, "other")},
    ]
    # one disassociation removes it: there was only one
    kind.disassociate(mgh, *task, key)
    assert kind.keys(mgh, *task) == [kind.key(4)]


@kinds
def test_list_is_ordered_by_key(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    keys = [kind.key(i) for i in (5, 1, 4, 2, 3)]
    for key in keys:
        kind.associate(mgh, *task, key)
    assert kind.keys(mgh, *task) == sorted(keys)


@kinds
def test_associations_belong_to_one_task(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    stream, name = task
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="server-2")
    kind.associate(mgh, stream, name, kind.key(1))
    kind.associate(mgh, stream, "server-2", kind.key(2))
    # the same key on two tasks is two associations
    kind.associate(mgh, stream, "server-2", kind.key(1))
    assert kind.keys(mgh, stream, name) == [kind.key(1)]
    assert kind.keys(mgh, stream, "server-2") == [kind.key(1), kind.key(2)]
    kind.disassociate(mgh, stream, "server-2", kind.key(1))
    assert kind.keys(mgh, stream, name) == [kind.key(1)]
    # and a task of the same name in another stream is another task
    other = uniq("assoc-other")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=other)
    mgh.import_migration_task(ProgressUpdateStream=other, MigrationTaskName=name)
    assert kind.keys(mgh, other, name) == []


def test_kinds_are_independent(mgh: Any, task: tuple[str, str]) -> None:
    """A source resource and a created artifact may share a name without meeting."""
    name = "arn:aws:ec2:us-east-1:123456789012:instance/i-0shared"
    ARTIFACT.associate(mgh, *task, name)
    SOURCE.associate(mgh, *task, name)
    DISCOVERED.associate(mgh, *task, name)
    ARTIFACT.disassociate(mgh, *task, name)
    assert ARTIFACT.keys(mgh, *task) == []
    assert SOURCE.keys(mgh, *task) == [name]
    assert DISCOVERED.keys(mgh, *task) == [name]


def test_source_resource_fields_update_independently(mgh: Any, task: tuple[str, str]) -> None:
    SOURCE.associate(mgh, *task, "db-1", Description="Oracle", StatusDetail="replicating")
    SOURCE.associate(mgh, *task, "db-1", StatusDetail="cut over")
    items = SOURCE.items(mgh, *task)
    assert len(items) == 1
    assert items[0]["Name"] == "db-1"
    assert items[0]["StatusDetail"] == "cut over"


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:ec2:us-east-1:123456789012:image/ami-0abcdef1234567890",
        "arn:aws:ec2:eu-west-1:123456789012:instance/i-0123456789abcdef0",
        "arn:aws:s3:::my-bucket/key",
        "arn:aws-cn:rds:cn-north-1:123456789012:db:mydb",
        "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f",
    ],
)
def test_created_artifact_arn_forms(mgh: Any, task: tuple[str, str], arn: str) -> None:
    ARTIFACT.associate(mgh, *task, arn, Description="made")
    assert ARTIFACT.keys(mgh, *task) == [arn]
    ARTIFACT.disassociate(mgh, *task, arn)
    assert ARTIFACT.keys(mgh, *task) == []


# -- errors ----------------------------------------------------------------------------------
@kinds
def test_missing_stream_is_resource_not_found(mgh: Any, kind: Kind) -> None:
    stream = uniq("nostream")
    for call in (
        lambda: kind.associate(mgh, stream, "t", kind.key(1)),
        lambda: kind.disassociate(mgh, stream, "t", kind.key(1)),
        lambda: kind.list(mgh, stream, "t"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc.value) == "ResourceNotFoundException", exc.value.response
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert stream not in list_all_streams(mgh)


@kinds
def test_missing_task_is_resource_not_found(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    stream, _ = task
    for call in (
        lambda: kind.associate(mgh, stream, "never-imported", kind.key(1)),
        lambda: kind.disassociate(mgh, stream, "never-imported", kind.key(1)),
        lambda: kind.list(mgh, stream, "never-imported"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc.value) == "ResourceNotFoundException", exc.value.response
        assert "never-imported" in error_message(exc.value)
    # the failed associate did not import the task
    with pytest.raises(ClientError) as exc:
        mgh.describe_migration_task(ProgressUpdateStream=stream, MigrationTaskName="never-imported")
    assert error_code(exc.value) == "ResourceNotFoundException"


@kinds
def test_disassociate_what_is_not_associated(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    kind.associate(mgh, *task, kind.key(1))
    with pytest.raises(ClientError) as exc:
        kind.disassociate(mgh, *task, kind.key(2))
    assert error_code(exc.value) == "ResourceNotFoundException"
    assert kind.key(2) in error_message(exc.value)
    kind.disassociate(mgh, *task, kind.key(1))
    with pytest.raises(ClientError) as exc:
        kind.disassociate(mgh, *task, kind.key(1))
    assert error_code(exc.value) == "ResourceNotFoundException"


@pytest.mark.parametrize(
    "name",
    [
        "ami-0abcdef1234567890",
        "i-0123456789abcdef0",
        "arn:aws:ec2:us-east-1:1234:instance/i-1",  # account is not 12 digits
        "arn:AWS:ec2:us-east-1:123456789012:instance/i-1",  # upper-case partition
        "ARN:aws:ec2:us-east-1:123456789012:instance/i-1",
        "arn:aws:EC2:us-east-1:123456789012:instance/i-1",
        "arn:aws:ec2:us_east_1:123456789012:instance/i-1",
        "arn:aws:ec2",
        " arn:aws:ec2:us-east-1:123456789012:instance/i-1",
    ],
)
def test_invalid_artifact_arn_is_invalid_input(mgh: Any, task: tuple[str, str], name: str) -> None:
    with pytest.raises(ClientError) as exc:
        ARTIFACT.associate(mgh, *task, name)
    assert error_code(exc.value) == "InvalidInputException", exc.value.response
    assert "CreatedArtifact.Name" in error_message(exc.value)
    with pytest.raises(ClientError) as exc:
        ARTIFACT.disassociate(mgh, *task, name)
    assert error_code(exc.value) == "InvalidInputException", exc.value.response
    assert "CreatedArtifactName" in error_message(exc.value)
    assert ARTIFACT.items(mgh, *task) == []


@pytest.mark.parametrize(
    ("kind", "field", "size"),
    [
        (ARTIFACT, "Description", 501),
        (DISCOVERED, "Description", 501),
        (SOURCE, "Description", 501),
        (SOURCE, "StatusDetail", 2501),
        (DISCOVERED, "ConfigurationId", 1601),
        (SOURCE, "Name", 1601),
    ],
    ids=lambda x: getattr(x, "name", x),
)
def test_too_long_fields_are_invalid_input(
    lenient: Any, mgh: Any, task: tuple[str, str], kind: Kind, field: str, size: int
) -> None:
    key = kind.key(1)
    fields = {field: "x" * size}
    if field == kind.key_field:
        key = fields.pop(field)
    with pytest.raises(ClientError) as exc:
        kind.associate(lenient, *task, key, **fields)
    assert error_code(exc.value) == "InvalidInputException"
    assert f"{kind.member}.{field}" in error_message(exc.value)
    assert kind.items(mgh, *task) == []


@kinds
def test_dry_run_changes_nothing(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    kind.associate(mgh, *task, kind.key(1), **_fields(kind, "kept"))
    for call in (
        lambda: kind.associate(mgh, *task, kind.key(2), DryRun=True),
        lambda: kind.associate(mgh, *task, kind.key(1), DryRun=True, **_fields(kind, "changed")),
        lambda: kind.disassociate(mgh, *task, kind.key(1), DryRun=True),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc.value) == "DryRunOperation", exc.value.response
        assert error_message(exc.value) == "Dry Run was a success!"
    assert kind.items(mgh, *task) == [{kind.key_field: kind.key(1), **_fields(kind, "kept")}]
    kind.associate(mgh, *task, kind.key(2), DryRun=False)
    assert kind.keys(mgh, *task) == [kind.key(1), kind.key(2)]


@kinds
def test_writes_signed_for_another_region_are_refused(
    inprocess_hub: InProcessHub, mgh: Any, task: tuple[str, str], kind: Kind
) -> None:
    kind.associate(mgh, *task, kind.key(1))
    elsewhere = inprocess_hub.client("mgh", region="ap-southeast-2")
    for call in (
        lambda: kind.associate(elsewhere, *task, kind.key(2)),
        lambda: kind.disassociate(elsewhere, *task, kind.key(1)),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc.value) == "InvalidInputException", exc.value.response
    # reads work from any region; nothing changed
    assert kind.keys(elsewhere, *task) == [kind.key(1)]


def test_home_region_not_set(inprocess_hub_factory: InProcessHubFactory) -> None:
    """The artifact and discovered-resource operations list HomeRegionNotSetException;
    the newer source-resource operations do not, and answer as if it were set."""
    strict = inprocess_hub_factory(home_region=None).client("mgh")
    for kind in (ARTIFACT, DISCOVERED):
        for call in (
            lambda: kind.associate(strict, "s", "t", kind.key(1)),  # noqa: B023 -- called within this iteration
            lambda: kind.disassociate(strict, "s", "t", kind.key(1)),  # noqa: B023 -- called within this iteration
            lambda: kind.list(strict, "s", "t"),  # noqa: B023 -- called within this iteration
        ):
            with pytest.raises(ClientError) as exc:
                call()
            assert error_code(exc.value) == "HomeRegionNotSetException", (kind.name, exc.value.response)
    for call in (
        lambda: SOURCE.associate(strict, "s", "t", SOURCE.key(1)),
        lambda: SOURCE.disassociate(strict, "s", "t", SOURCE.key(1)),
        lambda: SOURCE.list(strict, "s", "t"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc.value) == "ResourceNotFoundException", exc.value.response


# -- pagination -------------------------------------------------------------------------------
@kinds
@pytest.mark.parametrize("page_size", [10, 4])
def test_pagination_over_several_pages(mgh: Any, task: tuple[str, str], kind: Kind, page_size: int) -> None:
    keys = [kind.key(i) for i in range(23)]
    for key in reversed(keys):
        kind.associate(mgh, *task, key, Description=f"d{key[-4:]}")
    pages: list[list[str]] = []
    kwargs: dict[str, Any] = {"MaxResults": page_size}
    while True:
        resp = kind.list(mgh, *task, **kwargs)
        page = resp[kind.list_key]
        assert 0 < len(page) <= page_size
        pages.append([item[kind.key_field] for item in page])
        if not resp.get("NextToken"):
            break
        kwargs["NextToken"] = resp["NextToken"]
    expected_pages = -(-len(keys) // page_size)
    assert len(pages) == expected_pages
    assert all(len(p) == page_size for p in pages[:-1])
    flat = [k for p in pages for k in p]
    assert flat == sorted(keys)


@kinds
def test_default_page_is_ten(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    for i in range(11):
        kind.associate(mgh, *task, kind.key(i))
    first = kind.list(mgh, *task)
    assert len(first[kind.list_key]) == 10
    assert first.get("NextToken")
    second = kind.list(mgh, *task, NextToken=first["NextToken"])
    assert [i[kind.key_field] for i in second[kind.list_key]] == [kind.key(10)]
    assert "NextToken" not in second


@kinds
def test_exact_multiple_ends_without_empty_page(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    for i in range(10):
        kind.associate(mgh, *task, kind.key(i))
    resp = kind.list(mgh, *task, MaxResults=10)
    assert len(resp[kind.list_key]) == 10
    # either no token, or a token whose page is empty and final
    if resp.get("NextToken"):
        tail = kind.list(mgh, *task, MaxResults=10, NextToken=resp["NextToken"])
        assert tail[kind.list_key] == [] and "NextToken" not in tail


@kinds
@pytest.mark.parametrize("token", ["garbage", "Zm9vYmFy", "AAAA", "eyJ4IjoxfQ==", "a" * 2048])
def test_garbage_next_token_is_invalid_input(mgh: Any, task: tuple[str, str], kind: Kind, token: str) -> None:
    with pytest.raises(ClientError) as exc:
        kind.list(mgh, *task, NextToken=token)
    assert error_code(exc.value) == "InvalidInputException", exc.value.response
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "NextToken" in error_message(exc.value)


@kinds
def test_token_of_another_listing_is_invalid_input(mgh: Any, task: tuple[str, str], kind: Kind) -> None:
    stream, name = task
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="server-2")
    for i in range(3):
        kind.associate(mgh, stream, name, kind.key(i))
        kind.associate(mgh, stream, "server-2", kind.key(i))
    token = kind.list(mgh, stream, name, MaxResults=1)["NextToken"]
    # another task's list, and another kind's list, refuse it
    with pytest.raises(ClientError) as exc:
        kind.list(mgh, stream, "server-2", MaxResults=1, NextToken=token)
    assert error_code(exc.value) == "InvalidInputException"
    for other in KINDS:
        if other is not kind:
            with pytest.raises(ClientError) as exc:
                other.list(mgh, stream, name, MaxResults=1, NextToken=token)
            assert error_code(exc.value) == "InvalidInputException"
    # a task listing's token is no good here either
    tasks_token = mgh.list_migration_tasks(MaxResults=1).get("NextToken")
    if tasks_token:
        with pytest.raises(ClientError) as exc:
            kind.list(mgh, stream, name, NextToken=tasks_token)
        assert error_code(exc.value) == "InvalidInputException"


@kinds
@pytest.mark.parametrize("max_results", [0, 11, 100])
def test_max_results_bounds(lenient: Any, task: tuple[str, str], kind: Kind, max_results: int) -> None:
    with pytest.raises(ClientError) as exc:
        kind.list(lenient, *task, MaxResults=max_results)
    assert error_code(exc.value) == "InvalidInputException"
    assert "maxResults" in error_message(exc.value) or "MaxResults" in error_message(exc.value)


# -- ListMigrationTasks filtered by ResourceName --------------------------------------------------
def _filtered(mgh: Any, resource_name: str, page_size: int) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    kwargs: dict[str, Any] = {"ResourceName": resource_name, "MaxResults": page_size}
    for _ in range(1000):
        resp = mgh.list_migration_tasks(**kwargs)
        page = resp["MigrationTaskSummaryList"]
        assert len(page) <= page_size
        pages.append(page)
        if not resp.get("NextToken"):
            return pages
        kwargs["NextToken"] = resp["NextToken"]
    raise AssertionError("pagination never ended")


def test_list_migration_tasks_by_resource_name(mgh: Any) -> None:
    config_id = uniq("d-server")
    other_id = uniq("d-server")
    streams = sorted([uniq("rn-a"), uniq("rn-b")])
    for s in streams:
        mgh.create_progress_update_stream(ProgressUpdateStreamName=s)
        for i in range(4):
            mgh.import_migration_task(ProgressUpdateStream=s, MigrationTaskName=f"task-{i}")
    tagged = [
        (streams[0], "task-0"),
        (streams[0], "task-2"),
        (streams[0], "task-3"),
        (streams[1], "task-1"),
        (streams[1], "task-3"),
    ]
    for s, t in reversed(tagged):
        DISCOVERED.associate(mgh, s, t, config_id, Description="the server")
    DISCOVERED.associate(mgh, streams[0], "task-1", other_id)
    DISCOVERED.associate(mgh, streams[0], "task-2", other_id)
    # another kind of association with the same name does not count
    SOURCE.associate(mgh, streams[1], "task-0", config_id)
    mgh.notify_migration_task_state(
        ProgressUpdateStream=streams[1],
        MigrationTaskName="task-1",
        Task={"Status": "IN_PROGRESS", "ProgressPercent": 30, "StatusDetail": "copying"},
        UpdateDateTime="2026-01-01T00:00:00Z",
        NextUpdateSeconds=60,
    )

    pages = _filtered(mgh, config_id, 2)
    assert len(pages) >= 3, "5 tasks at 2 a page must take three pages"
    listed = [(t["ProgressUpdateStream"], t["MigrationTaskName"]) for p in pages for t in p]
    assert listed == tagged  # tagged is already in (stream, task) order
    # the summaries are the same as the unfiltered list's
    summaries = {(t["ProgressUpdateStream"], t["MigrationTaskName"]): t for p in pages for t in p}
    notified = summaries[(streams[1], "task-1")]
    assert notified["Status"] == "IN_PROGRESS"
    assert notified["ProgressPercent"] == 30
    assert notified["StatusDetail"] == "copying"
    assert "Status" not in summaries[(streams[0], "task-0")]

    assert [(t["ProgressUpdateStream"], t["MigrationTaskName"]) for p in _filtered(mgh, other_id, 10) for t in p] == [
        (streams[0], "task-1"),
        (streams[0], "task-2"),
    ]
    assert _filtered(mgh, uniq("d-nothing"), 10) == [[]]

    # disassociating takes a task out of the filtered list
    DISCOVERED.disassociate(mgh, streams[0], "task-2", config_id)
    listed = [(t["ProgressUpdateStream"], t["MigrationTaskName"]) for p in _filtered(mgh, config_id, 100) for t in p]
    assert listed == [x for x in tagged if x != (streams[0], "task-2")]


def test_resource_name_tokens_are_bound_to_the_filter(mgh: Any) -> None:
    config_id = uniq("d-server")
    stream = uniq("rn-tok")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    for i in range(3):
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=f"t{i}")
        DISCOVERED.associate(mgh, stream, f"t{i}", config_id)
    token = mgh.list_migration_tasks(ResourceName=config_id, MaxResults=1)["NextToken"]
    for kwargs in ({}, {"ResourceName": uniq("d-other")}):
        with pytest.raises(ClientError) as exc:
            mgh.list_migration_tasks(NextToken=token, MaxResults=1, **kwargs)
        assert error_code(exc.value) == "InvalidInputException", kwargs
    with pytest.raises(ClientError) as exc:
        mgh.list_migration_tasks(ResourceName=config_id, NextToken="Zm9vYmFy")
    assert error_code(exc.value) == "InvalidInputException"
    # and the unfiltered list's token is no good for the filtered one
    plain = mgh.list_migration_tasks(MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as exc:
        mgh.list_migration_tasks(ResourceName=config_id, NextToken=plain)
    assert error_code(exc.value) == "InvalidInputException"


# -- the stream-deletion rules ---------------------------------------------------------------------
def _gone_and_recreatable(mgh: Any, name: str) -> bool:
    if name in list_all_streams(mgh):
        return False
    try:
        mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
    except ClientError as exc:
        assert error_code(exc) == "InvalidInputException", exc.response
        return False
    return True


def test_deleting_the_stream_removes_every_association(mgh: Any) -> None:
    stream = uniq("assoc-del")
    config_id = uniq("d-server")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    for t in ("server-1", "server-2"):
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=t)
        mgh.put_resource_attributes(
            ProgressUpdateStream=stream,
            MigrationTaskName=t,
            ResourceAttributeList=[{"Type": "IPV4_ADDRESS", "Value": "10.1.1.1"}],
        )
        for kind in KINDS:
            for i in range(3):
                kind.associate(mgh, stream, t, kind.key(i), Description="before")
        DISCOVERED.associate(mgh, stream, t, config_id)
    assert len(_filtered(mgh, config_id, 100)[0]) == 2

    mgh.delete_progress_update_stream(ProgressUpdateStreamName=stream)
    # the deleting stream's tasks are not found by the filtered list (or any read)
    poll(lambda: _gone_and_recreatable(mgh, stream), timeout=20)
    assert _filtered(mgh, config_id, 100) == [[]]

    for t in ("server-1", "server-2"):
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=t)
        for kind in KINDS:
            assert kind.items(mgh, stream, t) == [], kind.name
            # nothing left over to disassociate either
            with pytest.raises(ClientError) as exc:
                kind.disassociate(mgh, stream, t, kind.key(0))
            assert error_code(exc.value) == "ResourceNotFoundException"
        described = mgh.describe_migration_task(ProgressUpdateStream=stream, MigrationTaskName=t)["MigrationTask"]
        assert described.get("ResourceAttributeList", []) == []
    assert _filtered(mgh, config_id, 100) == [[]]


def _outcome(call: Callable[[], Any]) -> str:
    try:
        call()
    except ClientError as exc:
        return error_code(exc)
    return "OK"


def test_writes_to_a_stream_being_deleted_are_invalid_input(inprocess_hub_factory: InProcessHubFactory) -> None:
    """Associate (and disassociate, put attributes) on a stream being deleted: InvalidInputException.

    The hub's lifespan is not started, so its background deleter is not running yet: once
    deleted, the stream stays in its "deleting" state for as long as the test likes. The
    writes are fired together; each must be refused as a write to a stream being deleted,
    and the name cannot be taken again meanwhile. Then the lifespan starts, the deleter
    removes the stream, and the name is a new, empty stream.
    """
    hub = inprocess_hub_factory(start=False)
    mgh = hub.client("mgh")
    target = uniq("target")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=target)
    mgh.import_migration_task(ProgressUpdateStream=target, MigrationTaskName="t")
    for kind in KINDS:
        kind.associate(mgh, target, "t", kind.key(0))
    mgh.delete_progress_update_stream(ProgressUpdateStreamName=target)

    calls: list[tuple[str, Callable[[], Any]]] = (
        [(f"associate {k.name}", lambda k=k: k.associate(mgh, target, "t", k.key(1))) for k in KINDS]
        + [(f"disassociate {k.name}", lambda k=k: k.disassociate(mgh, target, "t", k.key(0))) for k in KINDS]
        + [
            (
                "put_resource_attributes",
                lambda: mgh.put_resource_attributes(
                    ProgressUpdateStream=target,
                    MigrationTaskName="t",
                    ResourceAttributeList=[{"Type": "IPV4_ADDRESS", "Value": "10.0.0.1"}],
                ),
            )
        ]
    )
    go = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> str:
        go.wait()
        return _outcome(call)

    with ThreadPoolExecutor(len(calls)) as pool:
        outcomes = dict(zip([name for name, _ in calls], pool.map(run, [call for _, call in calls]), strict=True))
    assert all(v == "InvalidInputException" for v in outcomes.values()), outcomes
    assert _outcome(lambda: mgh.create_progress_update_stream(ProgressUpdateStreamName=target)) == (
        "InvalidInputException"
    )

    hub.start()
    # afterwards the name is a new, empty stream
    poll(
        lambda: _outcome(lambda: mgh.create_progress_update_stream(ProgressUpdateStreamName=target)) == "OK", timeout=30
    )
    mgh.import_migration_task(ProgressUpdateStream=target, MigrationTaskName="t")
    for kind in KINDS:
        assert kind.items(mgh, target, "t") == []
