"""The event log, in process (``Hub.call`` over a real store, on both engines):
every change makes its event in the same transaction, a call that changes nothing
makes none, pages follow cursors, old cursors get ``resync``, callers see only
their own account's events, and only about what they may read.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from mighub.auth.policy import parse_policy
from mighub.clock import now_us
from mighub.context import RequestContext
from mighub.errors import InvalidInputException, ServiceError
from mighub.events import log as event_log
from mighub.models import operations_by_target
from mighub.server import extensions
from mighub.server.hub import Hub
from mighub.store.engine import Store

OTHER = "444455556666"
STATE = {"Status": "IN_PROGRESS", "ProgressPercent": 10}
# Each test works in an account of its own, on one hub per engine and module.
_accounts = itertools.count(100000000000)


def context(operation: str, account: str, policy: dict[str, Any] | None = None) -> RequestContext:
    service = "AWSMigrationHubMultiAccountService" if "HomeRegion" in operation else "AWSMigrationHub"
    return RequestContext(
        operation=operations_by_target()[f"{service}.{operation}"],
        account_id=account,
        region="us-east-1",
        policy=parse_policy(policy) if policy is not None else None,
    )


class Tenant:
    """One account on a hub: its calls and its events."""

    def __init__(self, hub: Hub, account: str | None = None) -> None:
        self.hub = hub
        self.account = account or str(next(_accounts))

    def context(self, operation: str, policy: dict[str, Any] | None = None) -> RequestContext:
        return context(operation, self.account, policy)

    def call(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        return asyncio.run(self.hub.call(self.context(operation), body))

    def notify(self, update: int, state: dict[str, Any] = STATE, **names: str) -> None:
        body = {**task(**names), "Task": state, "UpdateDateTime": update, "NextUpdateSeconds": 60}
        self.call("NotifyMigrationTaskState", body)

    def events(self) -> list[tuple[str, dict[str, Any]]]:
        rows = self.hub.store.read(lambda tx: tx.events_after(0, 10_000, account_id=self.account))
        return [(r.type, orjson.loads(r.data)) for r in rows]

    def types(self) -> list[str]:
        return [t for t, _ in self.events()]

    def page(self, after: int | None, limit: int = 100, wanted: event_log.Filter | None = None) -> event_log.Page:
        everything = wanted or event_log.Filter()
        return self.hub.store.read(
            lambda tx: event_log.read_page(tx, after, limit, self.account, everything, lambda e: True)
        )


@pytest.fixture(scope="module")
def shared_store(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    found = Store(databases.fresh_url(tmp_path_factory.mktemp("events")))
    yield found
    found.close()


@pytest.fixture
def t(shared_store: Store) -> Tenant:
    """A fresh account on the module's hub."""
    return Tenant(Hub(shared_store))


@pytest.fixture
def alone(store: Store) -> Tenant:
    """An account on a hub of its own: for what is about the whole log."""
    return Tenant(Hub(store), "111122223333")


def task(stream: str = "S", name: str = "t") -> dict[str, str]:
    return {"ProgressUpdateStream": stream, "MigrationTaskName": name}


def test_every_change_makes_its_event_and_a_repeat_makes_none(t: Tenant) -> None:
    t.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
    t.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
    t.call("ImportMigrationTask", task())
    t.call("ImportMigrationTask", task())
    t.notify(1_700_000_000)
    t.notify(1_600_000_000, {"Status": "NOT_STARTED"})  # older: history only
    attributes = {"ResourceAttributeList": [{"Type": "IPV4_ADDRESS", "Value": "10.0.0.1"}]}
    t.call("PutResourceAttributes", {**task(), **attributes})
    t.call("PutResourceAttributes", {**task(), **attributes})
    artifact = {"CreatedArtifact": {"Name": "arn:aws:ec2:us-east-1:111122223333:instance/i-1", "Description": "a"}}
    t.call("AssociateCreatedArtifact", {**task(), **artifact})
    t.call("AssociateCreatedArtifact", {**task(), **artifact})
    artifact["CreatedArtifact"]["Description"] = "b"
    t.call("AssociateCreatedArtifact", {**task(), **artifact})
    name = artifact["CreatedArtifact"]["Name"]
    t.call("DisassociateCreatedArtifact", {**task(), "CreatedArtifactName": name})
    t.call("NotifyApplicationState", {"ApplicationId": "app-1", "Status": "IN_PROGRESS", "UpdateDateTime": 10})
    t.call("NotifyApplicationState", {"ApplicationId": "app-1", "Status": "IN_PROGRESS", "UpdateDateTime": 10})
    t.call("NotifyApplicationState", {"ApplicationId": "app-1", "Status": "COMPLETED", "UpdateDateTime": 5})
    t.call("DeleteProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
    t.call("DeleteProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
    while t.hub.store.write(t.hub._delete_some):
        pass

    assert t.types() == [
        "home_region.created",  # the preset home region, on the account's first call
        "progress_update_stream.created",
        "migration_task.imported",
        "migration_task.state_changed",
        "migration_task.update_recorded",
        "migration_task.attributes_changed",
        "migration_task.associated",
        "migration_task.associated",  # the description changed
        "migration_task.disassociated",
        "application.state_changed",
        "progress_update_stream.deleting",
        "progress_update_stream.deleted",
    ]
    found = dict(t.events()[3:5])
    changed = found["migration_task.state_changed"]
    assert changed["Task"] == {
        "Status": "IN_PROGRESS",
        "ProgressPercent": 10,
        "UpdateDateTime": "2023-11-14T22:13:20.000000Z",
        "NextUpdateSeconds": 60,
    }
    assert changed["Previous"] is None and changed["MigrationTaskName"] == "t"
    recorded = found["migration_task.update_recorded"]
    assert recorded["Task"]["Status"] == "NOT_STARTED" and recorded["Current"]["ProgressPercent"] == 10


def test_a_state_change_carries_the_previous_state(t: Tenant) -> None:
    t.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
    t.call("ImportMigrationTask", task())
    t.notify(100, {"Status": "IN_PROGRESS", "ProgressPercent": 10, "StatusDetail": "copying"})
    t.notify(200, {"Status": "COMPLETED"})
    last = t.events()[-1][1]
    assert last["Task"]["Status"] == "COMPLETED"
    assert last["Previous"] == {
        "Status": "IN_PROGRESS",
        "StatusDetail": "copying",
        "ProgressPercent": 10,
        "UpdateDateTime": "1970-01-01T00:01:40.000000Z",
        "NextUpdateSeconds": 60,
    }


def test_a_refused_call_makes_no_event(t: Tenant) -> None:
    t.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
    before = t.types()
    with pytest.raises(ServiceError):
        t.call("ImportMigrationTask", task(stream="nope"))
    with pytest.raises(ServiceError):
        t.call("DisassociateCreatedArtifact", {**task(), "CreatedArtifactName": "x"})
    assert t.types() == before


def test_units_that_fail_in_a_batch_leave_no_event_and_the_others_keep_theirs(t: Tenant) -> None:
    """Many units in one group-commit batch: those that fail are undone with their events."""
    t.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
    before = len(t.types())

    async def burst() -> list[Any]:
        calls = []
        for i in range(60):
            stream = "S" if i % 2 == 0 else "missing"  # every other one fails
            calls.append(t.hub.call(t.context("ImportMigrationTask"), task(stream, f"t{i}")))
        return await asyncio.gather(*calls, return_exceptions=True)

    results = asyncio.run(burst())
    ok = [i for i, r in enumerate(results) if not isinstance(r, BaseException)]
    assert len(ok) == 30
    imported = t.events()[before:]
    assert [d["MigrationTaskName"] for _, d in imported] == [f"t{i}" for i in ok]


def test_cursors_are_consecutive_and_pages_follow_them(alone: Tenant) -> None:
    alone.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
    for i in range(25):
        alone.call("ImportMigrationTask", task(name=f"t{i:02}"))
    seen: list[int] = []
    after: int | None = None
    for _ in range(10):
        page = alone.page(after, limit=7)
        seen += [e.cursor for e in page.events]
        if not page.events:
            break
        after = page.cursor
    assert seen == list(range(1, 28))  # the preset home region, the stream, 25 tasks


def test_old_cursors_are_told_to_resync(alone: Tenant) -> None:
    alone.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
    for i in range(5):
        alone.call("ImportMigrationTask", task(name=f"t{i}"))
    store = alone.hub.store
    assert store.write(lambda tx: tx.prune_events(now_us() + 1, 3)) == 3
    assert alone.page(0) == event_log.Page([], 3, resync=True)
    assert alone.page(2).resync
    assert [e.cursor for e in alone.page(3).events] == [4, 5, 6, 7]
    assert [e.cursor for e in alone.page(None).events] == [4, 5, 6, 7]  # no cursor: from the oldest kept
    # Only events older than the cut-off go.
    assert store.write(lambda tx: tx.prune_events(0, 100)) == 0
    assert store.read(lambda tx: tx.event_log_bounds()) == (7, 3)


def test_accounts_see_only_their_own_events(t: Tenant) -> None:
    other = Tenant(t.hub)
    t.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "Mine"})
    other.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "Theirs"})
    visible = event_log.visible_to(t.context("ListMigrationTasks"))
    rows = t.hub.store.read(lambda tx: tx.events_after(0, 100_000))
    assert {t.account, other.account} <= {r.account_id for r in rows}
    shown = [r for r in rows if visible(r)]
    assert {r.account_id for r in shown} == {t.account}
    assert [r.type for r in shown] == ["home_region.created", "progress_update_stream.created"]


def test_a_restricted_principal_sees_only_what_it_may_read(alone: Tenant) -> None:
    for stream in ("DMS", "SMS"):
        alone.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": stream})
        alone.call("ImportMigrationTask", task(stream, "t"))
    arn = f"arn:aws:mgh:us-east-1:{alone.account}:progressUpdateStream/DMS"
    vendor = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "mighub:ListEvents", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["mgh:ListProgressUpdateStreams", "mgh:DescribeMigrationTask"],
                "Resource": [arn, f"{arn}/*"],
            },
        ],
    }
    ctx = alone.context("ListMigrationTasks", policy=vendor)
    page = asyncio.run(extensions.events_page(extensions.Request(alone.hub, ctx, extensions.Query({}), {})))
    assert isinstance(page, extensions.Json)
    shown = [
        (e["type"], e["data"].get("ProgressUpdateStream") or e["data"].get("ProgressUpdateStreamName"))
        for e in page.payload["Events"]
    ]
    assert shown == [("progress_update_stream.created", "DMS"), ("migration_task.imported", "DMS")]
    # What it may not see still moves its cursor on: the next page starts after all of it.
    assert page.payload["NextCursor"] == str(len(alone.types()))


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"after": ["x"]}, "'after'"),
        ({"after": ["-1"]}, "'after'"),
        ({"after": ["99999999999999999999"]}, "'after'"),
        ({"limit": ["0"]}, "'limit'"),
        ({"limit": ["1001"]}, "'limit'"),
        ({"type": ["migration_task.bogus"]}, "'type'"),
        ({"type": ["*"]}, "'type'"),
        ({"stream": ["bad/name"]}, "'stream'"),
    ],
)
def test_bad_parameters_are_refused_naming_them(t: Tenant, query: dict[str, list[str]], named: str) -> None:
    request = extensions.Request(t.hub, t.context("ListMigrationTasks"), extensions.Query(query), {})
    with pytest.raises(InvalidInputException, match=named):
        asyncio.run(extensions.events_page(request))


def test_type_filters_take_exact_types_and_families(t: Tenant) -> None:
    t.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
    t.call("ImportMigrationTask", task())
    t.notify(100)
    wanted = event_log.Filter.parse(["migration_task.*", "home_region.created"], None)
    assert [e.type for e in t.page(0, wanted=wanted).events] == [
        "home_region.created",
        "migration_task.imported",
        "migration_task.state_changed",
    ]
    rows = t.page(0).events
    assert [r.type for r in rows if wanted.accepts(r)] == [r.type for r in t.page(0, wanted=wanted).events]
    only_stream = event_log.Filter.parse([], "S")
    assert [r.type for r in rows if only_stream.accepts(r)] == [
        "progress_update_stream.created",
        "migration_task.imported",
        "migration_task.state_changed",
    ]


# -- stale and recovered -------------------------------------------------------------


def _notify_at(t: Tenant, name: str, update_s: float, next_update: int, status: str = "IN_PROGRESS") -> None:
    body = {**task(name=name), "Task": {"Status": status}, "UpdateDateTime": update_s, "NextUpdateSeconds": next_update}
    t.call("NotifyMigrationTaskState", body)


def test_a_task_past_its_deadline_goes_stale_once_and_recovers_on_notification(t: Tenant) -> None:
    t.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
    now = now_us() / 1e6
    for name in ("late", "done", "silent-ok", "forever", "on-time"):
        t.call("ImportMigrationTask", task(name=name))
    _notify_at(t, "late", now - 10, 1)
    _notify_at(t, "done", now - 10, 1, status="COMPLETED")  # finished: never stale
    _notify_at(t, "silent-ok", now - 10, 0)  # promised nothing
    _notify_at(t, "forever", now - 10, 2**63 - 1)  # saturates, no overflow
    _notify_at(t, "on-time", now, 3600)
    t.hub.store.write(Hub._report_stale)
    t.hub.store.write(Hub._report_stale)  # nothing new: told once
    stale = [d for k, d in t.events() if k == "migration_task.stale"]
    assert [d["MigrationTaskName"] for d in stale] == ["late"]
    assert stale[0]["Task"]["NextUpdateSeconds"] == 1 and stale[0]["StaleAt"].endswith("Z")

    _notify_at(t, "late", now, 60)
    assert t.types()[-2:] == ["migration_task.state_changed", "migration_task.recovered"]
    _notify_at(t, "late", now + 1, 60)  # fresh already: nothing to recover from
    assert t.types()[-1] == "migration_task.state_changed"


def test_each_stale_task_is_told_once_across_replicas(databases: Any, tmp_path: Path) -> None:
    url = databases.fresh_url(tmp_path)
    replicas = [Store(url), Store(url)]
    try:
        t = Tenant(Hub(replicas[0]))
        t.call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "S"})
        past = now_us() / 1e6 - 10
        for i in range(300):
            t.call("ImportMigrationTask", task(name=f"t{i}"))
            _notify_at(t, f"t{i}", past, 1)

        async def sweep(store: Store) -> int:
            total = 0
            for _ in range(5):
                total += await store.awrite(Hub._report_stale)
            return total

        async def both() -> list[int]:
            return list(await asyncio.gather(*(sweep(r) for r in replicas for _ in range(3))))

        told = asyncio.run(both())
        assert sum(told) == 300
        stale = [d["MigrationTaskName"] for k, d in t.events() if k == "migration_task.stale"]
        assert sorted(stale) == sorted(f"t{i}" for i in range(300))
    finally:
        for replica in replicas:
            replica.close()
