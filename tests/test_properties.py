"""Property: whatever order notifications arrive in, the current state is the one with the
newest UpdateDateTime (the later arrival on a tie) and the history holds every one of them.

In process (tests/inprocess.py), on both engines."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from e2e_helpers import list_all_tasks, list_all_updates, ts, uniq, utc
from inprocess import InProcessHub


@pytest.fixture(scope="module")
def mgh(inprocess_hub: InProcessHub) -> Any:
    return inprocess_hub.client("mgh")


T0 = utc(2026, 6, 1)
_counter = itertools.count()

notification = st.tuples(
    st.integers(min_value=0, max_value=5),  # few distinct times: ties are common
    st.sampled_from(["NOT_STARTED", "IN_PROGRESS", "FAILED", "COMPLETED"]),
    st.integers(min_value=0, max_value=100),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=st.lists(notification, min_size=1, max_size=8))
def test_current_state_and_history(mgh: Any, sequence: list[tuple[int, str, int]]) -> None:
    stream = uniq("prop")
    task = f"t-{next(_counter)}"
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=task)
    sent = []
    for i, (minute, status, percent) in enumerate(sequence):
        state = {"Status": status, "ProgressPercent": percent, "StatusDetail": f"arrival {i}"}
        when = T0 + timedelta(minutes=minute)
        mgh.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName=task,
            Task=state,
            UpdateDateTime=when,
            NextUpdateSeconds=60,
        )
        sent.append((when.timestamp(), i, state))

    newest_time = max(t for t, _, _ in sent)
    winner = [s for t, _, s in sent if t == newest_time][-1]
    got = mgh.describe_migration_task(ProgressUpdateStream=stream, MigrationTaskName=task)["MigrationTask"]
    assert got["Task"] == winner
    assert ts(got["UpdateDateTime"]) == newest_time
    row = next(r for r in list_all_tasks(mgh) if r["ProgressUpdateStream"] == stream)
    assert row["StatusDetail"] == winner["StatusDetail"]

    history = list_all_updates(mgh, stream, task, page_size=3)
    assert sorted(h["MigrationTaskState"]["StatusDetail"] for h in history) == sorted(
        s["StatusDetail"] for _, _, s in sent
    )
    times = [ts(h["UpdateDateTime"]) for h in history]
    assert times == sorted(times)
    mgh.delete_progress_update_stream(ProgressUpdateStreamName=stream)
