"""MaxResults and NextToken for every list operation; garbage and foreign tokens.

In process (tests/inprocess.py), on both engines."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import error_code, uniq, utc
from inprocess import InProcessHub


@pytest.fixture(scope="module")
def mgh(inprocess_hub: InProcessHub) -> Any:
    return inprocess_hub.client("mgh")


@pytest.fixture(scope="module")
def config(inprocess_hub: InProcessHub) -> Any:
    return inprocess_hub.client("migrationhub-config")


T0 = utc(2026, 1, 1)
GARBAGE_TOKENS = ["Zm9vYmFy", "abc", "AAAA", "eyJ4IjoxfQ==", "a" * 2048]


def pages(call: Any, key: str, page_size: int, **kwargs: Any) -> list[list[Any]]:
    """Every page of a list call, following NextToken by hand."""
    out: list[list[Any]] = []
    token = None
    for _ in range(10_000):
        args = dict(kwargs, MaxResults=page_size)
        if token:
            args["NextToken"] = token
        resp = call(**args)
        assert key in resp
        out.append(resp[key])
        assert len(resp[key]) <= page_size, "a page may not exceed MaxResults"
        token = resp.get("NextToken")
        if not token:
            return out
    raise AssertionError("pagination never ended")


@pytest.fixture
def five_tasks(mgh: Any) -> str:
    stream = uniq("pg")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    for i in range(5):
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=f"task-{i}")
        mgh.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName=f"task-{i}",
            Task={"Status": "IN_PROGRESS", "ProgressPercent": i},
            UpdateDateTime=T0,
            NextUpdateSeconds=60,
        )
    return stream


def test_list_progress_update_streams_pages(mgh: Any) -> None:
    prefix = uniq("pgs")
    names = [f"{prefix}-{i}" for i in range(5)]
    for n in names:
        mgh.create_progress_update_stream(ProgressUpdateStreamName=n)
    all_pages = pages(mgh.list_progress_update_streams, "ProgressUpdateStreamSummaryList", 2)
    assert len(all_pages) >= 3
    assert all(len(p) == 2 for p in all_pages[:-1]), "only the last page may be short"
    flat = [s["ProgressUpdateStreamName"] for p in all_pages for s in p]
    assert len(flat) == len(set(flat))
    assert flat == sorted(flat)
    assert [n for n in flat if n.startswith(prefix)] == names


def test_list_migration_tasks_pages(mgh: Any, five_tasks: str) -> None:
    all_pages = pages(mgh.list_migration_tasks, "MigrationTaskSummaryList", 2)
    assert len(all_pages) >= 3
    assert all(len(p) == 2 for p in all_pages[:-1])
    flat = [(t["ProgressUpdateStream"], t["MigrationTaskName"]) for p in all_pages for t in p]
    assert len(flat) == len(set(flat))
    assert [t for s, t in flat if s == five_tasks] == [f"task-{i}" for i in range(5)]


def test_list_migration_task_updates_pages(mgh: Any) -> None:
    stream = uniq("pgu")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    for i in range(5):
        mgh.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName="t",
            Task={"Status": "IN_PROGRESS", "ProgressPercent": i * 10},
            UpdateDateTime=T0 + timedelta(minutes=i),
            NextUpdateSeconds=60,
        )
    all_pages = pages(
        mgh.list_migration_task_updates,
        "MigrationTaskUpdateList",
        2,
        ProgressUpdateStream=stream,
        MigrationTaskName="t",
    )
    assert [len(p) for p in all_pages] == [2, 2, 1]
    flat = [u["MigrationTaskState"]["ProgressPercent"] for p in all_pages for u in p]
    assert flat == [0, 10, 20, 30, 40]


def test_page_size_one_and_exact_multiple(mgh: Any) -> None:
    stream = uniq("pg1")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    for i in range(4):
        mgh.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName="t",
            Task={"Status": "IN_PROGRESS", "ProgressPercent": i},
            UpdateDateTime=T0 + timedelta(seconds=i),
            NextUpdateSeconds=60,
        )
    one = pages(
        mgh.list_migration_task_updates,
        "MigrationTaskUpdateList",
        1,
        ProgressUpdateStream=stream,
        MigrationTaskName="t",
    )
    assert [u["MigrationTaskState"]["ProgressPercent"] for p in one for u in p] == [0, 1, 2, 3]
    # 4 items in pages of 2: the last page may be empty only if a token was handed out
    two = pages(
        mgh.list_migration_task_updates,
        "MigrationTaskUpdateList",
        2,
        ProgressUpdateStream=stream,
        MigrationTaskName="t",
    )
    assert [u["MigrationTaskState"]["ProgressPercent"] for p in two for u in p] == [0, 1, 2, 3]
    assert len(two) in (2, 3)


def test_boto3_paginator(mgh: Any, five_tasks: str) -> None:
    paginator = mgh.get_paginator("list_migration_tasks")
    seen = []
    n_pages = 0
    for page in paginator.paginate(PaginationConfig={"PageSize": 3}):
        n_pages += 1
        seen += [
            t["MigrationTaskName"] for t in page["MigrationTaskSummaryList"] if t["ProgressUpdateStream"] == five_tasks
        ]
    assert seen == [f"task-{i}" for i in range(5)]
    assert n_pages >= 2


def test_max_results_limits_describe_home_region_controls(config: Any) -> None:
    # only one control can exist per account, so a second page is impossible here
    resp = config.describe_home_region_controls(MaxResults=1)
    assert "HomeRegionControls" in resp
    assert len(resp["HomeRegionControls"]) <= 1
    assert "NextToken" not in resp or resp["NextToken"]


LIST_CALLS = {
    "ListProgressUpdateStreams": ("mgh", "list_progress_update_streams", {}),
    "ListMigrationTasks": ("mgh", "list_migration_tasks", {}),
    "ListMigrationTaskUpdates": ("mgh", "list_migration_task_updates", {"MigrationTaskName": "task-0"}),
    "DescribeHomeRegionControls": ("migrationhub-config", "describe_home_region_controls", {}),
}


@pytest.mark.parametrize("token", GARBAGE_TOKENS, ids=["Zm9vYmFy", "abc", "AAAA", "b64-json", "2048-a"])
@pytest.mark.parametrize("op", list(LIST_CALLS))
def test_garbage_next_token_is_invalid_input(mgh: Any, config: Any, five_tasks: str, op: str, token: str) -> None:
    service, method, extra = LIST_CALLS[op]
    client = mgh if service == "mgh" else config
    kwargs = dict(extra)
    if op == "ListMigrationTaskUpdates":
        kwargs["ProgressUpdateStream"] = five_tasks
    with pytest.raises(ClientError) as exc:
        getattr(client, method)(NextToken=token, **kwargs)
    assert error_code(exc.value) == "InvalidInputException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_foreign_next_token_is_invalid_input(mgh: Any, five_tasks: str) -> None:
    """A token of one list operation handed to another must not be honoured."""
    mgh.create_progress_update_stream(ProgressUpdateStreamName=uniq("pgf"))
    streams_token = mgh.list_progress_update_streams(MaxResults=1)["NextToken"]
    tasks_token = mgh.list_migration_tasks(MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as exc:
        mgh.list_migration_tasks(NextToken=streams_token)
    assert error_code(exc.value) == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        mgh.list_progress_update_streams(NextToken=tasks_token)
    assert error_code(exc.value) == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        mgh.list_migration_task_updates(
            ProgressUpdateStream=five_tasks, MigrationTaskName="task-0", NextToken=tasks_token
        )
    assert error_code(exc.value) == "InvalidInputException"


def test_tokens_match_the_model_pattern(mgh: Any, five_tasks: str) -> None:
    mgh.create_progress_update_stream(ProgressUpdateStreamName=uniq("pgp"))
    tokens = [
        mgh.list_progress_update_streams(MaxResults=1)["NextToken"],
        mgh.list_migration_tasks(MaxResults=1)["NextToken"],
        mgh.list_migration_task_updates(ProgressUpdateStream=five_tasks, MigrationTaskName="task-0", MaxResults=1).get(
            "NextToken", "x"
        ),
    ]
    for token in tokens:
        assert isinstance(token, str) and token
        assert re.fullmatch(r"[a-zA-Z0-9/+=]{0,2048}", token), token
