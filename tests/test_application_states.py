"""Application states: NotifyApplicationState, DescribeApplicationState and
ListApplicationStates; ordering by UpdateDateTime, the ApplicationIds filter, pagination,
dry runs and errors.

In process (tests/inprocess.py), on both engines; an exhaustive account-wide listing
gets a hub of its own."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import error_code, error_message, ts, uniq, utc
from inprocess import InProcessHub, InProcessHubFactory

T0 = utc(2026, 3, 1, 12, 0, 0)
STATUSES = ["NOT_STARTED", "IN_PROGRESS", "COMPLETED"]


@pytest.fixture(scope="module")
def mgh(inprocess_hub: InProcessHub) -> Any:
    return inprocess_hub.client("mgh")


@pytest.fixture(scope="module")
def lenient(inprocess_hub: InProcessHub) -> Any:
    """An mgh client without botocore's client-side parameter validation."""
    return inprocess_hub.client("mgh", validate=False)


def notify(mgh: Any, app: str, status: str, when: datetime | None = None, **kwargs: Any) -> dict[str, Any]:
    if when is not None:
        kwargs["UpdateDateTime"] = when
    return mgh.notify_application_state(ApplicationId=app, Status=status, **kwargs)


def state(mgh: Any, app: str) -> tuple[str, float]:
    resp = mgh.describe_application_state(ApplicationId=app)
    return resp["ApplicationStatus"], ts(resp["LastUpdatedTime"])


def list_pages(mgh: Any, page_size: int | None = None, **kwargs: Any) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    if page_size is not None:
        kwargs["MaxResults"] = page_size
    for _ in range(1000):
        resp = mgh.list_application_states(**kwargs)
        page = resp["ApplicationStateList"]
        if page_size is not None:
            assert len(page) <= page_size
        pages.append(page)
        if not resp.get("NextToken"):
            return pages
        kwargs["NextToken"] = resp["NextToken"]
    raise AssertionError("pagination never ended")


def ids_of(pages: list[list[dict[str, Any]]]) -> list[str]:
    return [s["ApplicationId"] for page in pages for s in page]


# -- describe ------------------------------------------------------------------------------
def test_never_notified_is_resource_not_found(mgh: Any) -> None:
    app = uniq("app")
    with pytest.raises(ClientError) as exc:
        mgh.describe_application_state(ApplicationId=app)
    assert error_code(exc.value) == "ResourceNotFoundException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert app in error_message(exc.value)
    # and it is not listed either
    assert mgh.list_application_states(ApplicationIds=[app])["ApplicationStateList"] == []


def test_notify_then_describe(mgh: Any) -> None:
    app = uniq("app")
    resp = notify(mgh, app, "IN_PROGRESS", T0)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert {k: v for k, v in resp.items() if k != "ResponseMetadata"} == {}
    described = mgh.describe_application_state(ApplicationId=app)
    assert set(described) - {"ResponseMetadata"} == {"ApplicationStatus", "LastUpdatedTime"}
    assert described["ApplicationStatus"] == "IN_PROGRESS"
    assert ts(described["LastUpdatedTime"]) == T0.timestamp()


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_roundtrips(mgh: Any, status: str) -> None:
    app = uniq("app")
    notify(mgh, app, status, T0)
    assert state(mgh, app) == (status, T0.timestamp())


def test_any_well_formed_application_id_is_accepted(mgh: Any) -> None:
    for app in (
        f"d-application-{uniq('x')}",
        f"arn:aws:discovery:us-east-1:123456789012:application/{uniq('y')}",
        f"Payroll (prod) é {uniq('z')}",
        uniq("long") + "x" * 1500,
    ):
        notify(mgh, app, "NOT_STARTED", T0)
        assert state(mgh, app)[0] == "NOT_STARTED"


# -- ordering ----------------------------------------------------------------------------------
def test_newest_update_wins(mgh: Any) -> None:
    app = uniq("app")
    notify(mgh, app, "NOT_STARTED", T0)
    notify(mgh, app, "IN_PROGRESS", T0 + timedelta(hours=1))
    assert state(mgh, app) == ("IN_PROGRESS", (T0 + timedelta(hours=1)).timestamp())
    notify(mgh, app, "COMPLETED", T0 + timedelta(hours=2))
    assert state(mgh, app) == ("COMPLETED", (T0 + timedelta(hours=2)).timestamp())


def test_late_older_notification_is_ignored(mgh: Any) -> None:
    app = uniq("app")
    notify(mgh, app, "COMPLETED", T0 + timedelta(hours=2))
    # a notification sent earlier arrives late: accepted, but does not overwrite
    resp = notify(mgh, app, "IN_PROGRESS", T0 + timedelta(hours=1))
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert state(mgh, app) == ("COMPLETED", (T0 + timedelta(hours=2)).timestamp())
    notify(mgh, app, "NOT_STARTED", T0)
    assert state(mgh, app) == ("COMPLETED", (T0 + timedelta(hours=2)).timestamp())
    listed = mgh.list_application_states(ApplicationIds=[app])["ApplicationStateList"]
    assert [(s["ApplicationStatus"], ts(s["LastUpdatedTime"])) for s in listed] == [
        ("COMPLETED", (T0 + timedelta(hours=2)).timestamp())
    ]


def test_tie_later_arrival_wins(mgh: Any) -> None:
    app = uniq("app")
    notify(mgh, app, "IN_PROGRESS", T0)
    notify(mgh, app, "COMPLETED", T0)
    assert state(mgh, app) == ("COMPLETED", T0.timestamp())
    notify(mgh, app, "IN_PROGRESS", T0)
    assert state(mgh, app) == ("IN_PROGRESS", T0.timestamp())


def test_sub_second_timestamps_order_updates(mgh: Any) -> None:
    app = uniq("app")
    later = T0 + timedelta(milliseconds=750)
    notify(mgh, app, "COMPLETED", later)
    notify(mgh, app, "IN_PROGRESS", T0 + timedelta(milliseconds=250))
    status, when = state(mgh, app)
    assert status == "COMPLETED"
    assert when == pytest.approx(later.timestamp(), abs=1e-3)


def test_missing_update_time_is_stamped_with_server_time(mgh: Any) -> None:
    app = uniq("app")
    before = time.time()
    notify(mgh, app, "IN_PROGRESS")
    after = time.time()
    status, when = state(mgh, app)
    assert status == "IN_PROGRESS"
    # the hub runs in this process: its clock is ours
    assert before - 1 <= when <= after + 1, (before, when, after)

    # a stamped notification is newer than an older explicit one ...
    notify(mgh, app, "NOT_STARTED", datetime.fromtimestamp(before - 3600, UTC))
    assert state(mgh, app) == ("IN_PROGRESS", when)
    # ... and itself ordered by its stamp: a later stamped one wins
    notify(mgh, app, "COMPLETED")
    status, when2 = state(mgh, app)
    assert status == "COMPLETED" and when2 >= when


def test_stamped_notification_does_not_beat_a_future_one(mgh: Any) -> None:
    app = uniq("app")
    future = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    notify(mgh, app, "COMPLETED", future)
    notify(mgh, app, "IN_PROGRESS")  # stamped now: older than the state held
    assert state(mgh, app) == ("COMPLETED", future.timestamp())


# -- listing -------------------------------------------------------------------------------------
def test_application_ids_filter(mgh: Any) -> None:
    prefix = uniq("filter")
    apps = [f"{prefix}-{c}" for c in "dbeac"]
    for i, app in enumerate(apps):
        notify(mgh, app, STATUSES[i % 3], T0 + timedelta(minutes=i))
    wanted = [apps[0], apps[2], apps[4], f"{prefix}-never-notified"]
    listed = mgh.list_application_states(ApplicationIds=wanted)["ApplicationStateList"]
    assert [s["ApplicationId"] for s in listed] == sorted(wanted[:3])
    for s in listed:
        i = apps.index(s["ApplicationId"])
        assert set(s) == {"ApplicationId", "ApplicationStatus", "LastUpdatedTime"}
        assert s["ApplicationStatus"] == STATUSES[i % 3]
        assert ts(s["LastUpdatedTime"]) == (T0 + timedelta(minutes=i)).timestamp()
    # a repeated id is listed once
    listed = mgh.list_application_states(ApplicationIds=[apps[1], apps[1]])["ApplicationStateList"]
    assert [s["ApplicationId"] for s in listed] == [apps[1]]


def test_filter_takes_a_hundred_ids(mgh: Any) -> None:
    prefix = uniq("hundred")
    apps = [f"{prefix}-{i:03d}" for i in range(100)]
    for app in apps[::10]:
        notify(mgh, app, "IN_PROGRESS", T0)
    listed = mgh.list_application_states(ApplicationIds=apps)["ApplicationStateList"]
    assert [s["ApplicationId"] for s in listed] == apps[::10]


@pytest.mark.parametrize("count", [0, 101])
def test_filter_length_bounds(lenient: Any, count: int) -> None:
    with pytest.raises(ClientError) as exc:
        lenient.list_application_states(ApplicationIds=[f"app-{i}" for i in range(count)])
    assert error_code(exc.value) == "InvalidInputException"
    assert "ApplicationIds" in error_message(exc.value)


def test_filtered_pagination_over_several_pages(mgh: Any) -> None:
    prefix = uniq("pages")
    apps = [f"{prefix}-{i:02d}" for i in range(8)]
    for app in reversed(apps):
        notify(mgh, app, "IN_PROGRESS", T0)
    pages = list_pages(mgh, 3, ApplicationIds=apps)
    assert [len(p) for p in pages] == [3, 3, 2]
    assert ids_of(pages) == apps


def test_listing_every_state_of_an_account(fresh_inprocess_hub: InProcessHub) -> None:
    mgh = fresh_inprocess_hub.client("mgh")
    assert list_pages(mgh) == [[]]
    apps = [f"app-{i:02d}" for i in range(12)]
    for i, app in enumerate(reversed(apps)):
        notify(mgh, app, STATUSES[i % 3], T0 + timedelta(seconds=i))

    everything = list_pages(mgh)  # default MaxResults: all twelve in one page
    assert len(everything) == 1
    assert ids_of(everything) == apps
    for s in everything[0]:
        assert (s["ApplicationStatus"], ts(s["LastUpdatedTime"])) == state(mgh, s["ApplicationId"])

    for size in (1, 5, 12):
        pages = list_pages(mgh, size)
        assert ids_of(pages) == apps, size
        assert all(len(p) == size for p in pages[:-1])
        assert len(pages) in (-(-12 // size), -(-12 // size) + 1)  # an empty last page at most
        if len(pages) > -(-12 // size):
            assert pages[-1] == []
    assert len(list_pages(mgh, 5)) >= 3


def test_listing_reflects_the_newest_state(fresh_inprocess_hub: InProcessHub) -> None:
    mgh = fresh_inprocess_hub.client("mgh")
    app = "app-ordering"
    notify(mgh, app, "IN_PROGRESS", T0 + timedelta(days=1))
    notify(mgh, app, "NOT_STARTED", T0)
    listed = mgh.list_application_states(ApplicationIds=[app])["ApplicationStateList"]
    assert [(s["ApplicationStatus"], ts(s["LastUpdatedTime"])) for s in listed] == [
        ("IN_PROGRESS", (T0 + timedelta(days=1)).timestamp())
    ]
    assert ids_of(list_pages(mgh)).count(app) == 1


@pytest.mark.parametrize("token", ["garbage", "Zm9vYmFy", "AAAA", "eyJ4IjoxfQ==", "a" * 2048])
def test_garbage_next_token_is_invalid_input(mgh: Any, token: str) -> None:
    with pytest.raises(ClientError) as exc:
        mgh.list_application_states(NextToken=token)
    assert error_code(exc.value) == "InvalidInputException"
    assert "NextToken" in error_message(exc.value)


def test_token_of_another_listing_is_invalid_input(mgh: Any) -> None:
    prefix = uniq("tok")
    apps = [f"{prefix}-{i}" for i in range(3)]
    for app in apps:
        notify(mgh, app, "IN_PROGRESS", T0)
    filtered = mgh.list_application_states(ApplicationIds=apps, MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as exc:
        mgh.list_application_states(NextToken=filtered)
    assert error_code(exc.value) == "InvalidInputException"
    unfiltered = mgh.list_application_states(MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as exc:
        mgh.list_application_states(ApplicationIds=apps, NextToken=unfiltered)
    assert error_code(exc.value) == "InvalidInputException"
    tasks_token = mgh.list_migration_tasks(MaxResults=1).get("NextToken")
    if tasks_token:
        with pytest.raises(ClientError) as exc:
            mgh.list_application_states(NextToken=tasks_token)
        assert error_code(exc.value) == "InvalidInputException"


def test_token_is_bound_to_its_filter(mgh: Any) -> None:
    """A token is good only for the arguments it was returned for (the server's own error
    text says so, and ListMigrationTasks binds its tokens to ResourceName): another filter,
    even of the same length, must refuse it."""
    prefix = uniq("bound")
    first = [f"{prefix}-a{i}" for i in range(3)]
    second = [f"{prefix}-b{i}" for i in range(3)]
    for app in first + second:
        notify(mgh, app, "IN_PROGRESS", T0)
    token = mgh.list_application_states(ApplicationIds=first, MaxResults=1)["NextToken"]
    assert ids_of(list_pages(mgh, 1, ApplicationIds=first, NextToken=token)) == first[1:]
    with pytest.raises(ClientError) as exc:
        mgh.list_application_states(ApplicationIds=second, MaxResults=1, NextToken=token)
    assert error_code(exc.value) == "InvalidInputException"


@pytest.mark.parametrize("max_results", [0, 101])
def test_max_results_bounds(lenient: Any, max_results: int) -> None:
    with pytest.raises(ClientError) as exc:
        lenient.list_application_states(MaxResults=max_results)
    assert error_code(exc.value) == "InvalidInputException"


# -- dry run and errors ---------------------------------------------------------------------------
def test_dry_run_changes_nothing(mgh: Any) -> None:
    app = uniq("dry")
    with pytest.raises(ClientError) as exc:
        notify(mgh, app, "IN_PROGRESS", T0, DryRun=True)
    assert error_code(exc.value) == "DryRunOperation"
    assert error_message(exc.value) == "Dry Run was a success!"
    with pytest.raises(ClientError) as exc:
        mgh.describe_application_state(ApplicationId=app)
    assert error_code(exc.value) == "ResourceNotFoundException"
    assert mgh.list_application_states(ApplicationIds=[app])["ApplicationStateList"] == []

    notify(mgh, app, "IN_PROGRESS", T0)
    with pytest.raises(ClientError) as exc:
        notify(mgh, app, "COMPLETED", T0 + timedelta(hours=1), DryRun=True)
    assert error_code(exc.value) == "DryRunOperation"
    assert state(mgh, app) == ("IN_PROGRESS", T0.timestamp())
    notify(mgh, app, "COMPLETED", T0 + timedelta(hours=1), DryRun=False)
    assert state(mgh, app) == ("COMPLETED", (T0 + timedelta(hours=1)).timestamp())


@pytest.mark.parametrize(
    ("kwargs", "member"),
    [
        ({"ApplicationId": "app-x", "Status": "FAILED"}, "Status"),
        ({"ApplicationId": "app-x", "Status": "done"}, "Status"),
        ({"ApplicationId": "", "Status": "IN_PROGRESS"}, "ApplicationId"),
        ({"ApplicationId": "x" * 1601, "Status": "IN_PROGRESS"}, "ApplicationId"),
        ({"ApplicationId": "app-x"}, "Status"),
        ({"Status": "IN_PROGRESS"}, "ApplicationId"),
    ],
)
def test_invalid_notification_is_invalid_input(lenient: Any, kwargs: dict[str, Any], member: str) -> None:
    with pytest.raises(ClientError) as exc:
        lenient.notify_application_state(**kwargs)
    assert error_code(exc.value) == "InvalidInputException", exc.value.response
    assert member.lower() in error_message(exc.value).lower()


def test_invalid_notification_changes_nothing(mgh: Any, lenient: Any) -> None:
    app = uniq("app")
    notify(mgh, app, "IN_PROGRESS", T0)
    with pytest.raises(ClientError):
        lenient.notify_application_state(ApplicationId=app, Status="FAILED", UpdateDateTime=T0 + timedelta(hours=1))
    assert state(mgh, app) == ("IN_PROGRESS", T0.timestamp())


def test_describe_invalid_application_id(lenient: Any) -> None:
    with pytest.raises(ClientError) as exc:
        lenient.describe_application_state(ApplicationId="")
    assert error_code(exc.value) == "InvalidInputException"


# -- home region ------------------------------------------------------------------------------------
def test_notify_signed_for_another_region_is_refused(inprocess_hub: InProcessHub, mgh: Any) -> None:
    app = uniq("app")
    notify(mgh, app, "IN_PROGRESS", T0)
    elsewhere = inprocess_hub.client("mgh", region="eu-central-1")
    with pytest.raises(ClientError) as exc:
        notify(elsewhere, app, "COMPLETED", T0 + timedelta(hours=1))
    assert error_code(exc.value) == "InvalidInputException"
    # reads are allowed from anywhere; nothing changed
    assert state(elsewhere, app) == ("IN_PROGRESS", T0.timestamp())
    assert ids_of(list_pages(elsewhere, ApplicationIds=[app])) == [app]


def test_home_region_not_set(inprocess_hub_factory: InProcessHubFactory) -> None:
    strict = inprocess_hub_factory(home_region=None).client("mgh")
    for call in (
        lambda: notify(strict, "app", "IN_PROGRESS", T0),
        lambda: strict.describe_application_state(ApplicationId="app"),
        lambda: strict.list_application_states(),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_code(exc.value) == "HomeRegionNotSetException", exc.value.response
