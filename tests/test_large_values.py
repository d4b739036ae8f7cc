"""The largest values the model allows are stored, found, listed in order and
removed, on either store.

1,600 four-byte characters are 6,400 bytes, past what a PostgreSQL btree entry
holds (~2,700 bytes): the hub indexes a digest of such keys there (migration
0004). The characters are random, from all the supplementary planes, so that
PostgreSQL cannot compress them below its limit (repeated or similar
characters, such as one emoji 1,600 times, compress and would prove nothing).
Every value stored is read back and compared with what was sent.

In process (tests/inprocess.py), on both engines.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import error_code, list_all_streams, list_all_tasks, list_all_updates, uniq
from inprocess import InProcessHub
from mighub.store.engine import Store
from mighub.store.transaction import Transaction

_RANDOM = random.Random(1)


def emoji(count: int) -> str:
    """``count`` random four-byte characters."""
    return "".join(chr(_RANDOM.randint(0x10000, 0x10FFFF)) for _ in range(count))


LONGEST = emoji(1600)
ARN = "arn:aws:ec2:us-east-1:123456789012:"


@pytest.fixture(scope="module")
def mgh(inprocess_hub: InProcessHub) -> Any:
    return inprocess_hub.client("mgh")


def keys_across_the_prefix(longest: int) -> list[str]:
    """Ten keys of up to ``longest`` characters that differ before, at and after
    the 500 characters the PostgreSQL ordering index holds, and short ones."""
    base = emoji(longest)
    keys = {base, base[:-1], base[:499] + "\U0001f300", base[:500] + "!", base[:501], "a", "\U0001faff", "z" * longest}
    keys |= {base[:700] + chr(0x1F300 + i) + base[701:] for i in range(2)}
    assert len(keys) == 10  # one page of associations
    return sorted(keys)[::-1]  # not in list order


def bytewise(keys: list[str]) -> list[str]:
    return sorted(keys, key=lambda k: k.encode())


ASSOCIATIONS = [
    # (associate, its member, its key, list, list key, disassociate, its argument, longest key, prefix)
    (
        "associate_created_artifact",
        "CreatedArtifact",
        "Name",
        "list_created_artifacts",
        "CreatedArtifactList",
        "disassociate_created_artifact",
        "CreatedArtifactName",
        1600 - len(ARN),
        ARN,
    ),
    (
        "associate_discovered_resource",
        "DiscoveredResource",
        "ConfigurationId",
        "list_discovered_resources",
        "DiscoveredResourceList",
        "disassociate_discovered_resource",
        "ConfigurationId",
        1600,
        "",
    ),
    (
        "associate_source_resource",
        "SourceResource",
        "Name",
        "list_source_resources",
        "SourceResourceList",
        "disassociate_source_resource",
        "SourceResourceName",
        1600,
        "",
    ),
]


@pytest.mark.parametrize("case", ASSOCIATIONS, ids=[c[0] for c in ASSOCIATIONS])
def test_longest_association_keys(mgh: Any, case: tuple[Any, ...]) -> None:
    associate, member, field, list_op, list_key, disassociate, argument, longest, prefix = case
    stream = uniq("big")
    where = {"ProgressUpdateStream": stream, "MigrationTaskName": "t"}
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(**where)
    keys = [prefix + k for k in keys_across_the_prefix(longest)]
    assert max(len(k.encode()) for k in keys) > 6000
    # Each with the longest description (and, for a source resource, status detail) of its own.
    extra = {"Description": 500} | ({"StatusDetail": 2500} if member == "SourceResource" else {})
    stored = {key: {field: key} | {name: emoji(size) for name, size in extra.items()} for key in keys}
    for key in keys:
        getattr(mgh, associate)(**where, **{member: stored[key]})
    # Again, with another description: the same association, updated.
    stored[keys[0]] = {field: keys[0], "Description": "again"}
    getattr(mgh, associate)(**where, **{member: stored[keys[0]]})

    # One page (paging over such keys with tokens: test_long_tokens).
    def listed() -> list[dict[str, Any]]:
        return getattr(mgh, list_op)(**where, MaxResults=10)[list_key]

    assert listed() == [stored[key] for key in bytewise(keys)]

    if field == "ConfigurationId":  # ListMigrationTasks finds the task by any of them
        for key in keys:
            tasks = mgh.list_migration_tasks(ResourceName=key)["MigrationTaskSummaryList"]
            assert [(t["ProgressUpdateStream"], t["MigrationTaskName"]) for t in tasks] == [(stream, "t")]

    for key in keys[::2]:
        getattr(mgh, disassociate)(**where, **{argument: key})
    with pytest.raises(ClientError) as raised:
        getattr(mgh, disassociate)(**where, **{argument: keys[0]})
    assert error_code(raised.value) == "ResourceNotFoundException"
    assert listed() == [stored[key] for key in bytewise(keys[1::2])]


def test_longest_application_ids(mgh: Any) -> None:
    # The account's other applications (from other tests) are listed too: only ours are compared.
    ours = keys_across_the_prefix(1600)
    stored = dict(zip(ours, ["NOT_STARTED", "IN_PROGRESS", "COMPLETED"] * 4, strict=False))
    for key, status in stored.items():
        mgh.notify_application_state(ApplicationId=key, Status=status)
    mgh.notify_application_state(ApplicationId=LONGEST, Status="COMPLETED")
    assert mgh.describe_application_state(ApplicationId=LONGEST)["ApplicationStatus"] == "COMPLETED"
    mgh.notify_application_state(ApplicationId=LONGEST, Status="IN_PROGRESS")  # newer: wins
    stored[LONGEST] = "IN_PROGRESS"
    for key, status in stored.items():
        assert mgh.describe_application_state(ApplicationId=key)["ApplicationStatus"] == status

    listed = mgh.list_application_states(ApplicationIds=list(stored))["ApplicationStateList"]
    assert [(s["ApplicationId"], s["ApplicationStatus"]) for s in listed] == [
        (key, stored[key]) for key in bytewise(list(stored))
    ]
    filtered = mgh.list_application_states(ApplicationIds=[LONGEST, ours[1], "never-notified"])
    assert [s["ApplicationId"] for s in filtered["ApplicationStateList"]] == bytewise([LONGEST, ours[1]])


def test_longest_stream_and_task_names(mgh: Any) -> None:
    stream, task, detail = emoji(50), emoji(256), emoji(2500)
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=task)
    state = {"Status": "IN_PROGRESS", "StatusDetail": detail, "ProgressPercent": 7}
    mgh.notify_migration_task_state(
        ProgressUpdateStream=stream, MigrationTaskName=task, Task=state, UpdateDateTime=0, NextUpdateSeconds=60
    )
    described = mgh.describe_migration_task(ProgressUpdateStream=stream, MigrationTaskName=task)["MigrationTask"]
    assert (described["ProgressUpdateStream"], described["MigrationTaskName"], described["Task"]) == (
        stream,
        task,
        state,
    )
    assert stream in list_all_streams(mgh)
    listed = [t for t in list_all_tasks(mgh) if t["ProgressUpdateStream"] == stream]
    assert [(t["MigrationTaskName"], t["StatusDetail"]) for t in listed] == [(task, detail)]
    assert [u["MigrationTaskState"] for u in list_all_updates(mgh, stream, task)] == [state]


def test_text_the_database_cannot_hold_is_refused_cleanly(mgh: Any) -> None:
    """PostgreSQL text cannot hold NUL, which the model's patterns allow: a modeled
    error naming the member, never a 500, and on both engines alike (so SQLite does not
    store what PostgreSQL could not)."""
    suffix = uniq("nul")
    application = f"app\x00{suffix}"
    for call in (
        lambda: mgh.notify_application_state(ApplicationId=application, Status="IN_PROGRESS"),
        lambda: mgh.describe_application_state(ApplicationId=application),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert error_code(raised.value) == "InvalidInputException", raised.value.response
        assert "ApplicationId" in raised.value.response["Error"]["Message"]
        assert "NUL" in raised.value.response["Error"]["Message"]
    everything = mgh.list_application_states(MaxResults=100)["ApplicationStateList"]
    assert [s for s in everything if suffix in s["ApplicationId"]] == []


# -- paging over such keys, on the store itself -------------------------------------


@pytest.fixture
def store(databases: Any, tmp_path: Any) -> Iterator[Store]:
    url = databases.create() if databases.backend == "postgresql" else f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    opened = Store(url, writers=1)
    yield opened
    opened.close()


def _pages(list_page: Callable[[str | None], list[str]]) -> list[str]:
    found: list[str] = []
    after = None
    while page := list_page(after):
        found += page
        after = page[-1]
    return found


@pytest.mark.parametrize("kind", ["created_artifact", "discovered_resource", "source_resource"])
def test_association_pages_follow_long_keys(store: Store, kind: str) -> None:
    keys = keys_across_the_prefix(1600)

    def setup(tx: Transaction) -> int:
        tx.create_stream("000000000000", "s", 0)
        stream = tx.stream_and_task("000000000000", "s", "t")
        assert stream is not None
        tx.create_task(stream.stream_id, "000000000000", "s", "t", 0)
        task = tx.stream_and_task("000000000000", "s", "t")
        assert task is not None and task.task_id is not None
        for key in keys:
            tx.associate(kind, task.task_id, key, {"description": None})
        return task.task_id

    task_id = store.write(setup)
    column = "configuration_id" if kind == "discovered_resource" else "name"

    def page(after: str | None) -> list[str]:
        rows = store.read(lambda tx: tx.list_associations(kind, task_id, after=after, limit=3))
        return [getattr(r, column) for r in rows]

    assert _pages(page) == bytewise(keys)


def test_application_state_pages_follow_long_keys(store: Store) -> None:
    keys = keys_across_the_prefix(1600)

    def setup(tx: Transaction) -> None:
        for key in keys:
            tx.put_application_state("000000000000", key, "IN_PROGRESS", 1)

    store.write(setup)

    def page(after: str | None) -> list[str]:
        rows = store.read(
            lambda tx: tx.list_application_states("000000000000", application_ids=None, after=after, limit=3)
        )
        return [r.application_id for r in rows]

    assert _pages(page) == bytewise(keys)
