"""A ``Transaction`` returns named, typed rows (store/rows.py), the same on both
engines: every read of each kind of row, checked field by field against its
annotations."""

from __future__ import annotations

import typing
from types import UnionType
from typing import Any

from mighub.store import rows
from mighub.store.engine import Store
from mighub.store.transaction import Transaction

ACCOUNT = "111122223333"


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
        state = {
            "status": "IN_PROGRESS",
            "status_detail": None,
            "progress_percent": 5,
            "update_us": 6,
            "next_update_seconds": 7,
            "stale_at_us": 8,
        }
        tx.record_update(task.id, state, 9)
        tx.replace_resource_attributes(task.id, [{"Type": "FQDN", "Value": "h"}])
        tx.associate("created_artifact", task.id, "a", {"description": None})
        tx.associate("discovered_resource", task.id, "d", {"description": "x"})
        tx.associate("source_resource", task.id, "r", {"description": None, "status_detail": "y"})
        tx.put_application_state(ACCOUNT, "app", "COMPLETED", 10)

    store.write(fill)

    def check(tx: Transaction) -> None:
        every = dict(control_id=None, home_region=None, target_type=None, target_id=None, after=None, limit=5)
        typed(tx.list_home_region_controls(ACCOUNT, **every)[0], rows.HomeRegionControl)
        typed(tx.stream(ACCOUNT, "s"), rows.Stream)
        typed(tx.stream_and_task(ACCOUNT, "s", "fresh"), rows.StreamAndTask)
        typed(tx.stream_and_task(ACCOUNT, "s", "none"), rows.StreamAndTask)
        fresh, notified = tx.list_tasks(ACCOUNT, after=None, limit=5)
        for task in (fresh, notified, tx.task(ACCOUNT, "s", "notified")):
            typed(task, rows.Task)
        assert (fresh.status, notified.status) == (None, "IN_PROGRESS")
        every_task = dict(stream_name=None, status=None, stale_before_us=None, fresh_at_us=None, after=None, limit=5)
        assert tx.find_tasks(ACCOUNT, **every_task) == [fresh, notified]
        [update] = tx.list_task_updates(notified.id, after=None, limit=5)
        typed(update, rows.TaskUpdate)
        typed(tx.resource_attributes(notified.id)[0], rows.ResourceAttribute)
        for kind, row, key in (
            ("created_artifact", rows.CreatedArtifact, "a"),
            ("discovered_resource", rows.DiscoveredResource, "d"),
            ("source_resource", rows.SourceResource, "r"),
        ):
            [found] = tx.list_associations(kind, notified.id, after=None, limit=5)
            typed(found, row)
            assert found.key == key
        typed(tx.application_state(ACCOUNT, "app"), rows.ApplicationState)
        typed(tx.list_application_states(ACCOUNT, application_ids=None, after=None, limit=5)[0], rows.ApplicationState)

    store.read(check)
