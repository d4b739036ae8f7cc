"""The store's contract: what each ``Transaction`` method the providers call does,
the same on SQLite and PostgreSQL.

In process, on a fresh database of each engine (the ``store`` fixture): units of
work through ``Store.write`` (committed) and ``Store.read``. The providers' own
tests can then run on one engine and still stand for both: whatever differs
between the engines (upserts, bytewise order under any collation, keys too long
for a PostgreSQL index entry, ``FOR UPDATE``, savepoints) is pinned down here.
"""

from __future__ import annotations

import hashlib
import time
import typing
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import UnionType
from typing import Any, TypeVar

import pytest

from mighub.store import rows
from mighub.store.dialect import hub_engine
from mighub.store.engine import Store
from mighub.store.keys import PREFIX
from mighub.store.transaction import Transaction

T = TypeVar("T")
ACCOUNT = "111122223333"
OTHER = "444455556666"
# Names out of order in every common collation but bytewise ("B" < "Z" < "a" < "b" < "é").
UNORDERED = ["b", "é", "B", "a", "Z"]
BYTEWISE = ["B", "Z", "a", "b", "é"]
# Keys as long as the model allows (1,600 characters), 6,400 bytes of UTF-8: past
# what a PostgreSQL index entry holds. The two share their first PREFIX characters.
LONG = ["\U0001d518" * PREFIX + "b" * (1600 - PREFIX), "\U0001d518" * PREFIX + "a" + "\U0001d518" * (1599 - PREFIX)]
EVERY_CONTROL: dict[str, Any] = dict(control_id=None, home_region=None, target_type=None, target_id=None)
EVERY_TASK: dict[str, Any] = dict(stream_name=None, status=None, stale_before_us=None, fresh_at_us=None)


def state(update_us: int, status: str = "IN_PROGRESS", **changes: Any) -> dict[str, Any]:
    """A notification's state, as the providers hand it to ``record_update``."""
    found = {
        "status": status,
        "status_detail": None,
        "progress_percent": None,
        "update_us": update_us,
        "next_update_seconds": 60,
        "stale_at_us": update_us + 60_000_000,
    }
    return found | changes


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def write(store: Store, work: Callable[[Transaction], T]) -> T:
    return store.write(work)


def new_task(store: Store, stream: str = "s", name: str = "t", account: str = ACCOUNT) -> int:
    """A task (and its stream), created as the providers do; its id."""

    def work(tx: Transaction) -> int:
        tx.create_stream(account, stream, 1)
        found = tx.stream(account, stream)
        assert found is not None
        tx.create_task(found.id, account, stream, name, 2)
        task = tx.task(account, stream, name)
        assert task is not None
        return task.id

    return write(store, work)


# -- the hub's secrets and accounts -------------------------------------------------


def test_a_secret_is_made_once_and_then_kept(store: Store) -> None:
    assert write(store, lambda tx: tx.secret("s", new=b"first", now_us=1)) == b"first"
    assert write(store, lambda tx: tx.secret("s", new=b"second", now_us=2)) == b"first"
    assert write(store, lambda tx: tx.secret("other", new=b"\x00\xff", now_us=3)) == b"\x00\xff"
    # The store's own token key is one of them, made when the store first opened.
    assert len(store.token_key) == 64
    assert write(store, lambda tx: tx.secret("tokens", new=b"new", now_us=4)) == store.token_key


def test_an_account_is_created_once(store: Store) -> None:
    assert write(store, lambda tx: tx.create_account(ACCOUNT, 1)) is True
    assert write(store, lambda tx: tx.create_account(ACCOUNT, 2)) is False
    assert write(store, lambda tx: tx.create_account(OTHER, 3)) is True


def test_locking_an_account_holds_for_the_transaction(store: Store) -> None:
    def work(tx: Transaction) -> str | None:
        tx.lock_account(ACCOUNT)  # one that does not exist yet locks nothing, and does not fail
        tx.create_account(ACCOUNT, 1)
        tx.lock_account(ACCOUNT)
        tx.insert_home_region_control(rows.HomeRegionControl("c-1", ACCOUNT, "eu-west-1", "ACCOUNT", None, 2))
        return tx.home_region(ACCOUNT)

    assert write(store, work) == "eu-west-1"


def test_a_writer_that_locks_the_account_waits_for_another_that_holds_it(store: Store) -> None:
    """What keeps replicas to one home region: the second sees what the first committed."""
    write(store, lambda tx: tx.create_account(ACCOUNT, 1))
    other = hub_engine(store.url, write=True)  # another replica's writer
    try:
        with other.connect() as conn, ThreadPoolExecutor(1) as pool:
            transaction = conn.begin()
            first = Transaction(conn)
            first.lock_account(ACCOUNT)

            def second(tx: Transaction) -> str | None:
                tx.lock_account(ACCOUNT)
                return tx.home_region(ACCOUNT)

            waiting = pool.submit(store.write, second)
            time.sleep(0.3)
            assert not waiting.done(), "the second writer went ahead while the first held the account"
            first.insert_home_region_control(control("c-1", 2, "eu-west-1"))
            transaction.commit()
            assert waiting.result(timeout=30) == "eu-west-1"
    finally:
        other.dispose()


# -- home-region controls -----------------------------------------------------------


def control(control_id: str, requested_us: int, region: str = "us-east-1", account: str = ACCOUNT, **kw: Any) -> Any:
    return rows.HomeRegionControl(
        control_id, account, region, kw.get("target_type", "ACCOUNT"), kw.get("target_id"), requested_us
    )


def test_the_home_region_is_that_of_the_earliest_control(store: Store) -> None:
    assert store.read(lambda tx: tx.home_region(ACCOUNT)) is None

    def work(tx: Transaction) -> None:
        tx.insert_home_region_control(control("c-2", 5, "eu-west-1"))
        tx.insert_home_region_control(control("c-1", 5, "us-west-2"))  # same time: the lower id wins
        tx.insert_home_region_control(control("c-0", 9, "ap-south-1"))

    write(store, work)
    assert store.read(lambda tx: tx.home_region(ACCOUNT)) == "us-west-2"
    assert store.read(lambda tx: tx.home_region(OTHER)) is None
    assert write(store, lambda tx: tx.delete_home_region_control(ACCOUNT, "c-1")) == 1
    assert store.read(lambda tx: tx.home_region(ACCOUNT)) == "eu-west-1"


def test_home_region_controls_are_filtered_paged_and_deleted_per_account(store: Store) -> None:
    def work(tx: Transaction) -> None:
        tx.insert_home_region_control(control("c-b", 1, "eu-west-1"))
        tx.insert_home_region_control(control("c-a", 2, "us-west-2", target_type="ACCOUNT", target_id=ACCOUNT))
        tx.insert_home_region_control(control("c-c", 3, "us-west-2"))
        tx.insert_home_region_control(control("c-x", 4, account=OTHER))

    write(store, work)

    def ids(**filters: Any) -> list[str]:
        after, limit = filters.pop("after", None), filters.pop("limit", 10)
        every = EVERY_CONTROL | filters
        found = store.read(lambda tx: tx.list_home_region_controls(ACCOUNT, **every, after=after, limit=limit))
        return [c.control_id for c in found]

    assert ids() == ["c-a", "c-b", "c-c"]
    assert ids(control_id="c-b") == ["c-b"]
    assert ids(home_region="us-west-2") == ["c-a", "c-c"]
    assert ids(target_type="ACCOUNT") == ["c-a", "c-b", "c-c"]
    assert ids(target_type="NONE") == []
    assert ids(target_id=ACCOUNT) == ["c-a"]
    assert ids(control_id="c-x") == []  # another account's
    assert ids(limit=2) == ["c-a", "c-b"]
    assert ids(after="c-b", limit=2) == ["c-c"]
    [found] = store.read(lambda tx: tx.list_home_region_controls(ACCOUNT, **EVERY_CONTROL, after="c-", limit=1))
    assert found == rows.HomeRegionControl("c-a", ACCOUNT, "us-west-2", "ACCOUNT", ACCOUNT, 2)

    assert write(store, lambda tx: tx.delete_home_region_control(ACCOUNT, "c-x")) == 0  # not this account's
    assert write(store, lambda tx: tx.delete_home_region_control(ACCOUNT, "c-a")) == 1
    assert write(store, lambda tx: tx.delete_home_region_control(ACCOUNT, "c-a")) == 0
    assert ids() == ["c-b", "c-c"]


# -- streams ------------------------------------------------------------------------


def test_streams_are_created_once_and_listed_bytewise_without_those_being_deleted(store: Store) -> None:
    def create(tx: Transaction) -> None:
        for name in UNORDERED:
            tx.create_stream(ACCOUNT, name, 1)
        tx.create_stream(OTHER, "c", 1)

    write(store, create)
    first = store.read(lambda tx: tx.stream(ACCOUNT, "a"))
    assert first is not None and first.deleting is False
    write(store, lambda tx: tx.create_stream(ACCOUNT, "a", 2))  # already there: nothing changes
    assert store.read(lambda tx: tx.stream(ACCOUNT, "a")) == first
    assert store.read(lambda tx: tx.stream(ACCOUNT, "c")) is None  # another account's

    def names(after: str | None = None, limit: int = 10) -> list[str]:
        return list(store.read(lambda tx: tx.list_streams(ACCOUNT, after=after, limit=limit)))

    assert names() == BYTEWISE
    assert names(limit=2) == BYTEWISE[:2]
    assert names(after="Z", limit=2) == ["a", "b"]
    assert names(after="é") == []

    write(store, lambda tx: tx.mark_stream_deleting(first.id))
    assert store.read(lambda tx: tx.stream(ACCOUNT, "a")) == rows.Stream(first.id, True)
    assert names() == ["B", "Z", "b", "é"]


def test_a_stream_and_its_task_in_one_lookup(store: Store) -> None:
    task_id = new_task(store, "s", "t")
    stream = store.read(lambda tx: tx.stream(ACCOUNT, "s"))
    assert stream is not None
    assert store.read(lambda tx: tx.stream_and_task(ACCOUNT, "none", "t")) is None
    assert store.read(lambda tx: tx.stream_and_task(ACCOUNT, "s", "none")) == rows.StreamAndTask(stream.id, False, None)
    assert store.read(lambda tx: tx.stream_and_task(ACCOUNT, "s", "t")) == rows.StreamAndTask(stream.id, False, task_id)
    assert store.read(lambda tx: tx.stream_and_task(OTHER, "s", "t")) is None
    write(store, lambda tx: tx.mark_stream_deleting(stream.id))
    assert store.read(lambda tx: tx.stream_and_task(ACCOUNT, "s", "t")) == rows.StreamAndTask(stream.id, True, task_id)


def stream_id(store: Store, name: str) -> int:
    found = store.read(lambda tx: tx.stream(ACCOUNT, name))
    assert found is not None
    return found.id


def test_a_deleting_stream_goes_in_batches_with_everything_its_tasks_hold(store: Store) -> None:
    doomed = [new_task(store, "doomed", f"t{i}") for i in range(5)]
    kept = new_task(store, "kept", "t0")

    def decorate(tx: Transaction) -> None:
        for task_id in [*doomed, kept]:
            tx.record_update(task_id, state(10), 11)
            tx.replace_resource_attributes(task_id, [{"Type": "FQDN", "Value": "h"}])
            tx.associate("created_artifact", task_id, "a", {"description": None})
            tx.associate("discovered_resource", task_id, "d", {"description": None})
            tx.associate("source_resource", task_id, "r", {"description": None, "status_detail": None})

    write(store, decorate)
    assert store.read(lambda tx: tx.deleting_streams(10)) == []
    doomed_id = stream_id(store, "doomed")
    write(store, lambda tx: tx.mark_stream_deleting(doomed_id))
    assert list(store.read(lambda tx: tx.deleting_streams(10))) == [(doomed_id, ACCOUNT, "doomed")]

    assert write(store, lambda tx: tx.delete_stream_batch(doomed_id, 2)) == 2
    assert write(store, lambda tx: tx.delete_stream_batch(doomed_id, 2)) == 2
    assert store.read(lambda tx: tx.stream(ACCOUNT, "doomed")) is not None  # a task is left
    assert write(store, lambda tx: tx.delete_stream_batch(doomed_id, 2)) == 1  # fewer than a batch: the last
    assert store.read(lambda tx: tx.stream(ACCOUNT, "doomed")) is None
    assert list(store.read(lambda tx: tx.deleting_streams(10))) == []

    def left(tx: Transaction, task_id: int) -> list[int]:
        return [
            len(tx.list_task_updates(task_id, after=None, limit=10)),
            len(tx.resource_attributes(task_id)),
            *(len(tx.list_associations(kind, task_id, after=None, limit=10)) for kind in rows_of_kind),
        ]

    for task_id in doomed:
        assert store.read(lambda tx, task_id=task_id: left(tx, task_id)) == [0, 0, 0, 0, 0]
    assert store.read(lambda tx: left(tx, kept)) == [1, 1, 1, 1, 1]
    assert [t.name for t in store.read(lambda tx: tx.list_tasks(ACCOUNT, after=None, limit=10))] == ["t0"]


def test_a_deleting_stream_another_writer_is_deleting_is_passed_over(store: Store) -> None:
    """Replicas' deleters share the work (on SQLite one writer at a time has it all)."""
    if store.dialect != "postgresql":
        pytest.skip("SQLite has one writer at a time: no other is ever deleting meanwhile")
    for name in ("x", "y"):
        write(store, lambda tx, name=name: tx.create_stream(ACCOUNT, name, 1))
    x, y = stream_id(store, "x"), stream_id(store, "y")
    write(store, lambda tx: (tx.mark_stream_deleting(x), tx.mark_stream_deleting(y)))
    other = hub_engine(store.url, write=True)
    try:
        with other.connect() as conn, ThreadPoolExecutor(1) as pool:
            transaction = conn.begin()
            assert [s.id for s in Transaction(conn).deleting_streams(1)] == [x]  # and holds it meanwhile
            taken = pool.submit(store.write, lambda tx: tx.deleting_streams(2))
            try:
                assert [s.id for s in taken.result(timeout=10)] == [y], "the other writer's stream was not passed over"
            finally:
                transaction.rollback()
        assert [s.id for s in write(store, lambda tx: tx.deleting_streams(2))] == [x, y]
    finally:
        other.dispose()


def test_deleting_streams_can_be_taken_a_few_at_a_time(store: Store) -> None:
    def work(tx: Transaction) -> list[int]:
        for name in ("x", "y", "z"):
            tx.create_stream(ACCOUNT, name, 1)
        found = [tx.stream(ACCOUNT, name) for name in ("x", "y", "z")]
        for stream in found:
            assert stream is not None
            tx.mark_stream_deleting(stream.id)
        return sorted(stream.id for stream in found if stream is not None)

    every = write(store, work)
    assert [s.id for s in store.read(lambda tx: tx.deleting_streams(2))] == every[:2]


# -- tasks and their updates --------------------------------------------------------


def test_tasks_are_created_once_and_listed_in_stream_then_name_order(store: Store) -> None:
    for stream in ("s2", "s1"):
        for name in UNORDERED:
            new_task(store, stream, name)
    new_task(store, "s1", "a")  # again: nothing changes
    new_task(store, "s1", "other-account", account=OTHER)
    task = store.read(lambda tx: tx.task(ACCOUNT, "s1", "a"))
    assert task is not None
    assert (task.account_id, task.stream_name, task.name, task.created_us) == (ACCOUNT, "s1", "a", 2)
    assert (task.status, task.status_detail, task.progress_percent, task.update_us) == (None, None, None, None)
    assert (task.next_update_seconds, task.stale_at_us) == (None, None)
    assert store.read(lambda tx: tx.task(ACCOUNT, "s1", "none")) is None
    assert store.read(lambda tx: tx.task(OTHER, "s1", "a")) is None

    def keys(after: tuple[str, str] | None = None, limit: int = 20) -> list[tuple[str, str]]:
        found = store.read(lambda tx: tx.list_tasks(ACCOUNT, after=after, limit=limit))
        return [(t.stream_name, t.name) for t in found]

    every = [(stream, name) for stream in ("s1", "s2") for name in BYTEWISE]
    assert keys() == every
    assert keys(limit=3) == every[:3]
    assert keys(after=("s1", "é"), limit=2) == every[5:7]
    assert keys(after=("s1", "b")) == every[4:]
    assert keys(after=("s2", "é")) == []
    s2 = stream_id(store, "s2")
    write(store, lambda tx: tx.mark_stream_deleting(s2))
    assert keys() == every[:5]


def test_the_newest_notification_is_the_state_and_every_one_is_kept(store: Store) -> None:
    task_id = new_task(store)

    def notify(update_us: int, received_us: int, status: str = "IN_PROGRESS", **changes: Any) -> None:
        write(store, lambda tx: tx.record_update(task_id, state(update_us, status, **changes), received_us))

    def current() -> rows.Task:
        found = store.read(lambda tx: tx.task(ACCOUNT, "s", "t"))
        assert found is not None
        return found

    notify(10, 100, progress_percent=10)
    assert (current().status, current().progress_percent, current().update_us) == ("IN_PROGRESS", 10, 10)
    notify(30, 101, status_detail="copying", progress_percent=30)
    notify(20, 102, progress_percent=20)  # older than what the task holds: kept, but not the state
    task = current()
    assert (task.status_detail, task.progress_percent, task.update_us) == ("copying", 30, 30)
    assert (task.next_update_seconds, task.stale_at_us) == (60, 30 + 60_000_000)
    notify(30, 103, status="COMPLETED", stale_at_us=None)  # a tie: the later arrival wins
    task = current()
    assert (task.status, task.status_detail, task.stale_at_us) == ("COMPLETED", None, None)

    updates = store.read(lambda tx: tx.list_task_updates(task_id, after=None, limit=10))
    assert [(u.update_us, u.received_us, u.status) for u in updates] == [
        (10, 100, "IN_PROGRESS"),
        (20, 102, "IN_PROGRESS"),
        (30, 101, "IN_PROGRESS"),
        (30, 103, "COMPLETED"),
    ]
    assert all(u.task_id == task_id for u in updates)
    assert updates[2].status_detail == "copying" and updates[1].progress_percent == 20
    after = (updates[2].update_us, updates[2].id)
    assert store.read(lambda tx: tx.list_task_updates(task_id, after=after, limit=10)) == updates[3:]
    assert store.read(lambda tx: tx.list_task_updates(task_id, after=None, limit=2)) == updates[:2]


def test_tasks_are_found_by_stream_status_and_staleness(store: Store) -> None:
    ids = {name: new_task(store, stream, name) for stream, name in (("s1", "never"), ("s1", "early"), ("s2", "late"))}

    def notify(tx: Transaction) -> None:
        tx.record_update(ids["never"], state(1, "COMPLETED", stale_at_us=None), 1)
        tx.record_update(ids["early"], state(1, stale_at_us=100), 1)
        tx.record_update(ids["late"], state(1, "FAILED", stale_at_us=200), 1)

    write(store, notify)
    new_task(store, "s1", "unnotified")  # no state at all: found only when nothing is asked of it

    def names(after: tuple[str, str] | None = None, limit: int = 10, **filters: Any) -> list[str]:
        every = EVERY_TASK | filters
        return [t.name for t in store.read(lambda tx: tx.find_tasks(ACCOUNT, **every, after=after, limit=limit))]

    assert names() == ["early", "never", "unnotified", "late"]
    assert names(stream_name="s2") == ["late"]
    assert names(status="COMPLETED") == ["never"]
    assert names(stale_before_us=150) == ["early"]
    assert names(stale_before_us=100) == []  # stale from 100 on: not before it
    assert names(fresh_at_us=150) == ["never", "unnotified", "late"]
    assert names(fresh_at_us=200) == ["never", "unnotified", "late"]
    assert names(stream_name="s1", fresh_at_us=150) == ["never", "unnotified"]
    assert names(limit=2) == ["early", "never"]
    assert names(after=("s1", "never")) == ["unnotified", "late"]
    assert store.read(lambda tx: tx.find_tasks(OTHER, **EVERY_TASK, after=None, limit=10)) == []


# -- what is associated with a task -------------------------------------------------


def test_resource_attributes_are_replaced_whole_and_kept_in_order(store: Store) -> None:
    task_id, other = new_task(store, "s", "t"), new_task(store, "s", "u")
    given = [{"Type": "VM_MANAGER_ID", "Value": "z"}, {"Type": "FQDN", "Value": "a"}, {"Type": "FQDN", "Value": "b"}]
    write(store, lambda tx: tx.replace_resource_attributes(task_id, given))
    write(store, lambda tx: tx.replace_resource_attributes(other, given[:1]))
    expected = [rows.ResourceAttribute(a["Type"], a["Value"]) for a in given]
    assert store.read(lambda tx: tx.resource_attributes(task_id)) == expected
    write(store, lambda tx: tx.replace_resource_attributes(task_id, given[2:]))
    assert store.read(lambda tx: tx.resource_attributes(task_id)) == expected[2:]
    write(store, lambda tx: tx.replace_resource_attributes(task_id, []))
    assert store.read(lambda tx: tx.resource_attributes(task_id)) == []
    assert store.read(lambda tx: tx.resource_attributes(other)) == expected[:1]


rows_of_kind: dict[str, Callable[..., Any]] = {
    "created_artifact": lambda key, description=None: rows.CreatedArtifact(key, description),
    "discovered_resource": lambda key, description=None: rows.DiscoveredResource(key, description),
    "source_resource": lambda key, description=None, status_detail=None: rows.SourceResource(
        key, description, status_detail
    ),
}
values_of_kind: dict[str, dict[str, Any]] = {
    "created_artifact": {"description": "made"},
    "discovered_resource": {"description": "found"},
    "source_resource": {"description": "moved", "status_detail": "half way"},
}


@pytest.mark.parametrize("kind", list(rows_of_kind))
def test_associations_are_added_updated_listed_bytewise_and_removed(store: Store, kind: str) -> None:
    task_id, other = new_task(store, "s", "t"), new_task(store, "s", "u")
    make, values = rows_of_kind[kind], values_of_kind[kind]
    keys = [*UNORDERED, *LONG]
    bytewise = sorted(keys, key=str.encode)
    assert bytewise[-2:] == sorted(LONG, key=str.encode)  # they differ only past the indexed prefix

    def associate(tx: Transaction) -> None:
        for key in keys:
            tx.associate(kind, task_id, key, dict.fromkeys(values))
        tx.associate(kind, other, "a", dict.fromkeys(values))

    write(store, associate)

    def listed(after: str | None = None, limit: int = 20) -> list[Any]:
        return store.read(lambda tx: tx.list_associations(kind, task_id, after=after, limit=limit))

    assert listed() == [make(key) for key in bytewise]
    assert [row.key for row in listed(limit=2)] == bytewise[:2]
    assert [row.key for row in listed(after="Z", limit=2)] == ["a", "b"]
    assert [row.key for row in listed(after=bytewise[-2])] == bytewise[-1:]
    assert listed(after=bytewise[-1]) == []

    # Again with values: they are updated; again without any: nothing changes.
    write(store, lambda tx: tx.associate(kind, task_id, LONG[0], values))
    write(store, lambda tx: tx.associate(kind, task_id, "a", values))
    write(store, lambda tx: tx.associate(kind, task_id, "a", {}))
    by_key = {row.key: row for row in listed()}
    assert len(by_key) == len(keys)
    assert (by_key["a"], by_key[LONG[0]]) == (make("a", **values), make(LONG[0], **values))
    assert by_key[LONG[1]] == make(LONG[1])

    # A page that ended on a long key finds it again by its first characters (the
    # two long keys share them) and its digest.
    for key in LONG:
        assert store.read(lambda tx, key=key: tx.association_key(kind, task_id, key[:300], digest(key))) == key
    assert store.read(lambda tx: tx.association_key(kind, other, LONG[1][:300], digest(LONG[1]))) is None

    assert write(store, lambda tx: tx.disassociate(kind, task_id, LONG[1])) == 1
    assert write(store, lambda tx: tx.disassociate(kind, task_id, LONG[1])) == 0
    assert write(store, lambda tx: tx.disassociate(kind, task_id, LONG[1][:-1])) == 0  # a key is matched whole
    assert store.read(lambda tx: tx.association_key(kind, task_id, LONG[1][:300], digest(LONG[1]))) is None
    assert [row.key for row in listed()] == [key for key in bytewise if key != LONG[1]]
    assert store.read(lambda tx: tx.list_associations(kind, other, after=None, limit=20)) == [make("a")]


def test_tasks_are_listed_by_a_discovered_resource(store: Store) -> None:
    ids = {key: new_task(store, *key) for key in (("s1", "b"), ("s1", "a"), ("s2", "a"))}
    new_task(store, "s1", "c")  # with nothing associated

    def associate(tx: Transaction) -> None:
        for key, task_id in ids.items():
            tx.associate("discovered_resource", task_id, LONG[0], {"description": None})
            if key == ("s1", "b"):
                tx.associate("discovered_resource", task_id, LONG[1], {"description": None})

    write(store, associate)

    def keys(configuration_id: str, after: tuple[str, str] | None = None) -> list[tuple[str, str]]:
        found = store.read(lambda tx: tx.list_tasks(ACCOUNT, after=after, limit=10, configuration_id=configuration_id))
        return [(t.stream_name, t.name) for t in found]

    assert keys(LONG[0]) == [("s1", "a"), ("s1", "b"), ("s2", "a")]
    assert keys(LONG[0], after=("s1", "a")) == [("s1", "b"), ("s2", "a")]
    assert keys(LONG[1]) == [("s1", "b")]
    assert keys(LONG[1][:-1]) == []


# -- application states -------------------------------------------------------------


def test_an_application_keeps_its_newest_state(store: Store) -> None:
    assert store.read(lambda tx: tx.application_state(ACCOUNT, "app")) is None
    for status, update_us in (("NOT_STARTED", 10), ("IN_PROGRESS", 30), ("NOT_STARTED", 20)):
        write(store, lambda tx, s=status, u=update_us: tx.put_application_state(ACCOUNT, "app", s, u))
    assert store.read(lambda tx: tx.application_state(ACCOUNT, "app")) == rows.ApplicationState(
        "app", "IN_PROGRESS", 30
    )
    write(store, lambda tx: tx.put_application_state(ACCOUNT, "app", "COMPLETED", 30))  # a tie: the later wins
    assert store.read(lambda tx: tx.application_state(ACCOUNT, "app")) == rows.ApplicationState("app", "COMPLETED", 30)
    assert store.read(lambda tx: tx.application_state(OTHER, "app")) is None


def test_application_states_are_listed_bytewise_by_id(store: Store) -> None:
    every = [*UNORDERED, *LONG]
    bytewise = sorted(every, key=str.encode)

    def put(tx: Transaction) -> None:
        for i, application_id in enumerate(every):
            tx.put_application_state(ACCOUNT, application_id, "IN_PROGRESS", i)
        tx.put_application_state(OTHER, "a", "COMPLETED", 1)

    write(store, put)

    def ids(application_ids: list[str] | None = None, after: str | None = None, limit: int = 20) -> list[str]:
        found = store.read(
            lambda tx: tx.list_application_states(ACCOUNT, application_ids=application_ids, after=after, limit=limit)
        )
        return [row.application_id for row in found]

    assert ids() == bytewise
    assert ids(limit=2) == bytewise[:2]
    assert ids(after="Z", limit=2) == ["a", "b"]
    assert ids(after=bytewise[-2]) == bytewise[-1:]
    assert ids(application_ids=[LONG[1], "a", "missing", LONG[1][:-1]]) == sorted([LONG[1], "a"], key=str.encode)
    assert ids(application_ids=[]) == []
    state_of_long = store.read(lambda tx: tx.application_state(ACCOUNT, LONG[1]))
    assert state_of_long == rows.ApplicationState(LONG[1], "IN_PROGRESS", every.index(LONG[1]))

    for application_id in LONG:  # by their shared first characters and their digests
        found = store.read(lambda tx, a=application_id: tx.application_id(ACCOUNT, a[:300], digest(a)))
        assert found == application_id
    assert store.read(lambda tx: tx.application_id(OTHER, LONG[1][:300], digest(LONG[1]))) is None


# -- transactions: savepoints and typed rows ----------------------------------------


def test_a_savepoint_block_that_raises_is_undone_alone(store: Store) -> None:
    def work(tx: Transaction) -> None:
        tx.create_account(ACCOUNT, 1)
        tx.create_stream(ACCOUNT, "kept", 2)
        with pytest.raises(LookupError), tx.savepoint():
            tx.create_stream(ACCOUNT, "undone", 3)
            raise LookupError
        with tx.savepoint():
            tx.create_stream(ACCOUNT, "released", 4)

    write(store, work)

    def names(tx: Transaction) -> set[str]:
        return {name for name in ("kept", "undone", "released") if tx.stream(ACCOUNT, name) is not None}

    assert store.read(names) == {"kept", "released"}


def typed(row: Any, kind: type) -> None:
    """``row`` is a ``kind`` whose every field holds a value of its annotated type."""
    assert type(row) is kind
    for name, hint in typing.get_type_hints(kind).items():
        allowed = typing.get_args(hint) if isinstance(hint, UnionType) else (hint,)
        value = getattr(row, name)
        assert type(value) in allowed, (kind.__name__, name, value)


def test_every_read_returns_its_typed_row(store: Store) -> None:
    def fill(tx: Transaction) -> None:
        tx.create_account(ACCOUNT, 1)
        tx.insert_home_region_control(rows.HomeRegionControl("hrc-1", ACCOUNT, "us-east-1", "ACCOUNT", None, 2))
        tx.create_stream(ACCOUNT, "s", 3)
        stream = tx.stream(ACCOUNT, "s")
        assert stream is not None
        for name in ("fresh", "notified"):
            tx.create_task(stream.id, ACCOUNT, "s", name, 4)
        task = tx.task(ACCOUNT, "s", "notified")
        assert task is not None
        tx.record_update(task.id, state(6, progress_percent=5, next_update_seconds=7, stale_at_us=8), 9)
        tx.replace_resource_attributes(task.id, [{"Type": "FQDN", "Value": "h"}])
        tx.associate("created_artifact", task.id, "a", {"description": None})
        tx.associate("discovered_resource", task.id, "d", {"description": "x"})
        tx.associate("source_resource", task.id, "r", {"description": None, "status_detail": "y"})
        tx.put_application_state(ACCOUNT, "app", "COMPLETED", 10)

    write(store, fill)

    def check(tx: Transaction) -> None:
        typed(tx.list_home_region_controls(ACCOUNT, **EVERY_CONTROL, after=None, limit=5)[0], rows.HomeRegionControl)
        typed(tx.stream(ACCOUNT, "s"), rows.Stream)
        typed(tx.stream_and_task(ACCOUNT, "s", "fresh"), rows.StreamAndTask)
        typed(tx.stream_and_task(ACCOUNT, "s", "none"), rows.StreamAndTask)
        fresh, notified = tx.list_tasks(ACCOUNT, after=None, limit=5)
        for task in (fresh, notified, tx.task(ACCOUNT, "s", "notified")):
            typed(task, rows.Task)
        assert (fresh.status, notified.status) == (None, "IN_PROGRESS")
        assert tx.find_tasks(ACCOUNT, **EVERY_TASK, after=None, limit=5) == [fresh, notified]
        [update] = tx.list_task_updates(notified.id, after=None, limit=5)
        typed(update, rows.TaskUpdate)
        typed(tx.resource_attributes(notified.id)[0], rows.ResourceAttribute)
        for kind, row in (
            ("created_artifact", rows.CreatedArtifact),
            ("discovered_resource", rows.DiscoveredResource),
            ("source_resource", rows.SourceResource),
        ):
            [found] = tx.list_associations(kind, notified.id, after=None, limit=5)
            typed(found, row)
        typed(tx.application_state(ACCOUNT, "app"), rows.ApplicationState)
        typed(tx.list_application_states(ACCOUNT, application_ids=None, after=None, limit=5)[0], rows.ApplicationState)

    store.read(check)
