"""The stale-task extension: GET /_mighub/api/tasks.

In process (tests/inprocess.py: requests go to the App without a socket), on both engines."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from e2e_helpers import uniq
from inprocess import InProcessHub

ROW_KEYS = {
    "ProgressUpdateStream",
    "MigrationTaskName",
    "Status",
    "StatusDetail",
    "ProgressPercent",
    "UpdateDateTime",
    "NextUpdateSeconds",
    "StaleAt",
    "Stale",
}


@pytest.fixture(scope="module")
def mgh(inprocess_hub: InProcessHub) -> Any:
    return inprocess_hub.client("mgh")


def api(hub: InProcessHub, **params: Any) -> dict[str, Any]:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    status, _, body = hub.http("GET", "/_mighub/api/tasks" + (f"?{query}" if query else ""))
    data = json.loads(body)
    assert status == 200, data
    assert "Tasks" in data
    return data


def api_all(hub: InProcessHub, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    token = None
    for _ in range(1000):
        data = api(hub, next_token=token, **params)
        rows += data["Tasks"]
        token = data.get("NextToken")
        if not token:
            return rows
    raise AssertionError("pagination never ended")


@pytest.fixture(scope="module")
def fleet(mgh: Any) -> dict[str, Any]:
    """One stream with tasks in every interesting situation."""
    stream = uniq("stale")
    now = datetime.now(UTC).replace(microsecond=0)
    hour_ago = now - timedelta(hours=1)
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    plan = {
        # name: (status, UpdateDateTime, NextUpdateSeconds, stale?)
        "late": ("IN_PROGRESS", hour_ago, 60, True),
        "late-not-started": ("NOT_STARTED", hour_ago, 1, True),
        "on-time": ("IN_PROGRESS", hour_ago, 7200, False),
        "done": ("COMPLETED", hour_ago, 60, False),
        "failed": ("FAILED", hour_ago, 60, False),
        "no-promise": ("IN_PROGRESS", hour_ago, 0, False),
        "forever": ("IN_PROGRESS", hour_ago, sys.maxsize, False),
        "fresh": ("IN_PROGRESS", now, 3600, False),
    }
    for name, (status, when, nus, _) in plan.items():
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=name)
        mgh.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName=name,
            Task={"Status": status, "StatusDetail": f"{name} detail", "ProgressPercent": 42},
            UpdateDateTime=when,
            NextUpdateSeconds=nus,
        )
    return {"stream": stream, "plan": plan, "hour_ago": hour_ago.timestamp(), "now": now.timestamp()}


def test_rows_and_stale_flags(inprocess_hub: InProcessHub, fleet: dict[str, Any]) -> None:
    rows = {r["MigrationTaskName"]: r for r in api_all(inprocess_hub, stream=fleet["stream"])}
    assert sorted(rows) == sorted(fleet["plan"])
    for name, (status, when, nus, stale) in fleet["plan"].items():
        row = rows[name]
        assert set(row) >= ROW_KEYS, row
        assert row["ProgressUpdateStream"] == fleet["stream"]
        assert row["Status"] == status
        assert row["StatusDetail"] == f"{name} detail"
        assert row["ProgressPercent"] == 42
        assert row["UpdateDateTime"] == pytest.approx(when.timestamp(), abs=0.001)
        assert row["NextUpdateSeconds"] == nus
        assert row["Stale"] is stale, (name, row)


def test_stale_at(inprocess_hub: InProcessHub, fleet: dict[str, Any]) -> None:
    rows = {r["MigrationTaskName"]: r for r in api_all(inprocess_hub, stream=fleet["stream"])}
    assert rows["late"]["StaleAt"] == pytest.approx(fleet["hour_ago"] + 60, abs=0.001)
    assert rows["on-time"]["StaleAt"] == pytest.approx(fleet["hour_ago"] + 7200, abs=0.001)
    assert rows["fresh"]["StaleAt"] == pytest.approx(fleet["now"] + 3600, abs=0.001)
    assert rows["no-promise"]["StaleAt"] is None  # NextUpdateSeconds=0: never stale
    forever = rows["forever"]["StaleAt"]
    assert forever is None or forever > time.time() + 10 * 365 * 86400


def test_filter_stale(inprocess_hub: InProcessHub, fleet: dict[str, Any]) -> None:
    stale = api_all(inprocess_hub, stream=fleet["stream"], stale="true")
    assert sorted(r["MigrationTaskName"] for r in stale) == ["late", "late-not-started"]
    assert all(r["Stale"] is True for r in stale)
    fresh = api_all(inprocess_hub, stream=fleet["stream"], stale="false")
    assert sorted(r["MigrationTaskName"] for r in fresh) == sorted(n for n, p in fleet["plan"].items() if not p[3])


def test_filter_status(inprocess_hub: InProcessHub, fleet: dict[str, Any]) -> None:
    done = api_all(inprocess_hub, stream=fleet["stream"], status="COMPLETED")
    assert [r["MigrationTaskName"] for r in done] == ["done"]
    in_progress = api_all(inprocess_hub, stream=fleet["stream"], status="IN_PROGRESS", stale="true")
    assert [r["MigrationTaskName"] for r in in_progress] == ["late"]


def test_filter_stream(inprocess_hub: InProcessHub, fleet: dict[str, Any], mgh: Any) -> None:
    other = uniq("stale-other")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=other)
    mgh.import_migration_task(ProgressUpdateStream=other, MigrationTaskName="late")
    mgh.notify_migration_task_state(
        ProgressUpdateStream=other,
        MigrationTaskName="late",
        Task={"Status": "IN_PROGRESS"},
        UpdateDateTime=datetime.now(UTC) - timedelta(hours=2),
        NextUpdateSeconds=5,
    )
    rows = api_all(inprocess_hub, stream=other)
    assert [(r["ProgressUpdateStream"], r["MigrationTaskName"], r["Stale"]) for r in rows] == [(other, "late", True)]
    everything = api_all(inprocess_hub, max_results=100)
    keys = {(r["ProgressUpdateStream"], r["MigrationTaskName"]) for r in everything}
    assert (other, "late") in keys and (fleet["stream"], "late") in keys


def test_pagination(inprocess_hub: InProcessHub, fleet: dict[str, Any]) -> None:
    first = api(inprocess_hub, stream=fleet["stream"], max_results=3)
    assert len(first["Tasks"]) == 3
    assert first.get("NextToken")
    rows = api_all(inprocess_hub, stream=fleet["stream"], max_results=3)
    names = [r["MigrationTaskName"] for r in rows]
    assert len(names) == len(set(names)) == len(fleet["plan"])


def test_becomes_stale_with_time(inprocess_hub: InProcessHub, mgh: Any) -> None:
    stream = uniq("stale-soon")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    when = datetime.now(UTC).replace(microsecond=0)
    mgh.notify_migration_task_state(
        ProgressUpdateStream=stream,
        MigrationTaskName="t",
        Task={"Status": "IN_PROGRESS"},
        UpdateDateTime=when,
        NextUpdateSeconds=1,
    )
    deadline = time.monotonic() + 10
    while True:
        row = api(inprocess_hub, stream=stream)["Tasks"][0]
        if row["Stale"]:
            break
        assert time.monotonic() < deadline, row
        time.sleep(0.1)
    assert time.time() > when.timestamp() + 1
    # a newer notification makes it fresh again
    mgh.notify_migration_task_state(
        ProgressUpdateStream=stream,
        MigrationTaskName="t",
        Task={"Status": "IN_PROGRESS"},
        UpdateDateTime=datetime.now(UTC),
        NextUpdateSeconds=3600,
    )
    assert api(inprocess_hub, stream=stream)["Tasks"][0]["Stale"] is False


def test_deleted_stream_tasks_are_not_listed(inprocess_hub: InProcessHub, mgh: Any) -> None:
    stream = uniq("stale-del")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t")
    mgh.notify_migration_task_state(
        ProgressUpdateStream=stream,
        MigrationTaskName="t",
        Task={"Status": "IN_PROGRESS"},
        UpdateDateTime=datetime.now(UTC) - timedelta(hours=1),
        NextUpdateSeconds=1,
    )
    assert len(api(inprocess_hub, stream=stream)["Tasks"]) == 1
    mgh.delete_progress_update_stream(ProgressUpdateStreamName=stream)
    deadline = time.monotonic() + 20
    while api(inprocess_hub, stream=stream)["Tasks"]:
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.parametrize(
    "query",
    [
        "stale=maybe",
        "status=BOGUS",
        "status=in_progress",
        "max_results=0",
        "max_results=-1",
        "max_results=abc",
        "max_results=1.5",
        "next_token=Zm9vYmFy",
        "next_token=abc",
        "next_token=%00%01",
    ],
)
def test_bad_query_values(inprocess_hub: InProcessHub, query: str) -> None:
    status, headers, body = inprocess_hub.http("GET", "/_mighub/api/tasks?" + query)
    assert status == 400, body[:300]
    assert headers.get("content-type", "").startswith("application/json")
    data = json.loads(body)
    assert isinstance(data, dict) and data


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("max_results=%C2%B2", "max_results"),  # "²": str.isdigit() says yes, int() says no
        ("max_results=%D9%A1", "max_results"),  # an Arabic-Indic digit one
        ("max_results=%EF%BC%91", "max_results"),  # a fullwidth digit one
        ("max_results=", "max_results"),
        ("max_results=+1", "max_results"),
        ("max_results=1001", "max_results"),
        ("max_results=99999999999999999999999", "max_results"),
        ("max_results=1&max_results=2", "max_results"),
        ("stale=true&stale=false", "stale"),
        ("stale=", "stale"),
        ("status=", "status"),
        ("status=IN_PROGRESS&status=FAILED", "status"),
        ("stream=a%2Fb", "stream"),
        ("stream=" + "s" * 51, "stream"),
        ("stream=", "stream"),
        ("next_token=a&next_token=b", "next_token"),
        ("next_token=Zm9vYmFy", "next_token"),
        ("maxresults=10", "maxresults"),
    ],
)
def test_bad_query_parameters_are_named(inprocess_hub: InProcessHub, query: str, named: str) -> None:
    status, _, body = inprocess_hub.http("GET", "/_mighub/api/tasks?" + query)
    assert status == 400, body[:300]
    data = json.loads(body)
    assert data["error"] == "InvalidInputException"
    assert named in data["message"], data


@pytest.mark.parametrize("query", ["stream=%FF", "a&&b", "stale", "%C3"])
def test_malformed_query_strings_are_refused(inprocess_hub: InProcessHub, query: str) -> None:
    status, _, body = inprocess_hub.http("GET", "/_mighub/api/tasks?" + query)
    assert status == 400, body[:300]
    assert json.loads(body)["error"] == "InvalidInputException"


def test_leading_zeros_are_still_digits(inprocess_hub: InProcessHub) -> None:
    status, _, body = inprocess_hub.http("GET", "/_mighub/api/tasks?max_results=0005")
    assert status == 200, body[:300]
    assert len(json.loads(body)["Tasks"]) <= 5


def test_json_content_type(inprocess_hub: InProcessHub) -> None:
    status, headers, _body = inprocess_hub.http("GET", "/_mighub/api/tasks?max_results=1")
    assert status == 200
    assert headers.get("content-type", "").startswith("application/json")
