"""The benchmark's bulk loader (bench/notifybench/bulk.py) fills a store the hub
then reads as its own: every loaded task listed and described with its state and
its one recorded update, beside the tasks that were there before, and the store
goes on taking writes afterwards. In process (``Hub.call`` over a real store, on
both engines): the rows the loader writes are the point.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mighub.clock import from_us
from mighub.context import RequestContext
from mighub.models import operations_by_target
from mighub.server.hub import Hub
from mighub.store.engine import Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from notifybench import bulk
from notifybench.common import task_name

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
COUNT = 2_000
FIRST_UPDATE_US = 1_760_000_000_000_000
# An account's listing is in (stream, task) order: "aaa" before the loaded
# stream, "zzz" after it.
BEFORE, STREAM, AFTER = "aaa", "bench", "zzz"


def call(hub: Hub, operation: str, body: dict[str, Any], account: str = ACCOUNT) -> dict[str, Any]:
    ctx = RequestContext(
        operation=operations_by_target()[f"AWSMigrationHub.{operation}"], account_id=account, region="us-east-1"
    )
    return asyncio.run(hub.call(ctx, body))


def listing(hub: Hub, account: str = ACCOUNT) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    body: dict[str, Any] = {"MaxResults": 100}
    while True:
        page = call(hub, "ListMigrationTasks", body, account)
        found += page["MigrationTaskSummaryList"]
        if "NextToken" not in page:
            return found
        body["NextToken"] = page["NextToken"]


def fresh_url(databases: Any, directory: Path) -> str:
    return databases.fresh_url(directory)


def load(url: str) -> None:
    """A task in a stream on each side of the loaded one and one in another
    account, then COUNT tasks bulk-loaded into the stream between them."""
    store = Store(url)
    hub = Hub(store)
    for account, stream in ((ACCOUNT, BEFORE), (ACCOUNT, STREAM), (ACCOUNT, AFTER), (OTHER_ACCOUNT, "other")):
        call(hub, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": stream}, account)
        if stream != STREAM:
            call(hub, "ImportMigrationTask", {"ProgressUpdateStream": stream, "MigrationTaskName": "kept"}, account)
    store.close()
    # A chunk that does not divide the count: several transactions, a short last one.
    bulk.bulk_load(url, STREAM, COUNT, first_update_us=FIRST_UPDATE_US, chunk=700)


@pytest.fixture(scope="module")
def loaded_url(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    """One load per engine for the tests that only read it."""
    url = fresh_url(databases, tmp_path_factory.mktemp("bulk"))
    load(url)
    return url


@pytest.fixture(scope="module")
def loaded(loaded_url: str) -> Iterator[Hub]:
    store = Store(loaded_url)
    yield Hub(store)
    store.close()


def expected_state(i: int) -> dict[str, Any]:
    return {"Status": "IN_PROGRESS", "StatusDetail": "Copying image data", "ProgressPercent": bulk.progress(i)}


def test_the_hub_lists_every_loaded_task_with_its_state(loaded: Hub) -> None:
    tasks = listing(loaded)
    assert [(t["ProgressUpdateStream"], t["MigrationTaskName"]) for t in tasks] == [
        (BEFORE, "kept"),
        *((STREAM, task_name(i)) for i in range(COUNT)),
        (AFTER, "kept"),
    ]
    for i, summary in enumerate(tasks[1:-1]):
        assert summary == {
            "ProgressUpdateStream": STREAM,
            "MigrationTaskName": task_name(i),
            **expected_state(i),
            "UpdateDateTime": from_us(FIRST_UPDATE_US + i),
        }
    assert "Status" not in tasks[0] and "Status" not in tasks[-1]  # imported, never notified
    assert [t["MigrationTaskName"] for t in listing(loaded, OTHER_ACCOUNT)] == ["kept"]


@pytest.mark.parametrize("i", [0, 699, 700, COUNT - 1])
def test_each_loaded_task_is_described_with_its_one_update(loaded: Hub, i: int) -> None:
    key = {"ProgressUpdateStream": STREAM, "MigrationTaskName": task_name(i)}
    task = call(loaded, "DescribeMigrationTask", key)["MigrationTask"]
    assert task["Task"] == expected_state(i)
    assert task["UpdateDateTime"] == datetime.fromtimestamp((FIRST_UPDATE_US + i) / 1e6, UTC)
    updates = call(loaded, "ListMigrationTaskUpdates", key)["MigrationTaskUpdateList"]
    assert updates == [
        {
            "UpdateDateTime": from_us(FIRST_UPDATE_US + i),
            "UpdateType": "MIGRATION_TASK_STATE_UPDATED",
            "MigrationTaskState": expected_state(i),
        }
    ]


def test_the_store_goes_on_taking_writes_after_a_load(databases: Any, tmp_path: Path) -> None:
    url = fresh_url(databases, tmp_path)
    load(url)
    store = Store(url)
    hub = Hub(store)
    try:
        # The database numbered the loaded rows: new tasks and updates get fresh ids.
        call(hub, "ImportMigrationTask", {"ProgressUpdateStream": STREAM, "MigrationTaskName": "new"})
        for name in (task_name(5), "new"):
            call(
                hub,
                "NotifyMigrationTaskState",
                {
                    "ProgressUpdateStream": STREAM,
                    "MigrationTaskName": name,
                    "Task": {"Status": "COMPLETED"},
                    "UpdateDateTime": 1_900_000_000,
                    "NextUpdateSeconds": 0,
                },
            )
            key = {"ProgressUpdateStream": STREAM, "MigrationTaskName": name}
            assert call(hub, "DescribeMigrationTask", key)["MigrationTask"]["Task"] == {"Status": "COMPLETED"}
        assert len(listing(hub)) == COUNT + 3
    finally:
        store.close()


def test_the_deep_page_token_resumes_after_its_task(loaded: Hub, loaded_url: str) -> None:
    token = bulk.deep_page_token(loaded_url, STREAM, task_name(COUNT // 2 - 1))
    page = call(loaded, "ListMigrationTasks", {"MaxResults": 3, "NextToken": token})
    assert [t["MigrationTaskName"] for t in page["MigrationTaskSummaryList"]] == [
        task_name(i) for i in range(COUNT // 2, COUNT // 2 + 3)
    ]
