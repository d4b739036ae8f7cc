"""``GET /_mighub/metrics``: the Prometheus text format, read back with the library's own
parser. End to end (real servers, boto3): counters move with requests, errors and
events, tasks are counted by status and staleness, the endpoint is signed and needs
``mighub:GetMetrics`` with an auth file, and it is audited. In process (``App`` over a
real ``Store``): the task counts are one cached query, hubs in one process count apart,
and the store reports each commit.
"""

from __future__ import annotations

import asyncio
import http.client
import json
from collections import Counter as Tally
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from prometheus_client.parser import text_string_to_metric_families

import mighub
from e2e_helpers import error_code, http_request, poll
from mighub.auth.policy import parse_policy
from mighub.context import RequestContext
from mighub.errors import ResourceNotFoundException
from mighub.models import operations_by_target, task_statuses
from mighub.server import metrics
from mighub.server.app import App
from mighub.server.hub import Hub
from mighub.store.engine import Commit, Store, Work
from test_auth_helpers import allow, client, new_key, policy, write_auth_file
from test_extensions_audit import audit_lines, signed_get

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape(endpoint: str) -> Samples:
    status, headers, body = http_request(endpoint, "GET", "/_mighub/metrics")
    assert status == 200, body
    assert headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(body.decode())


def notifies(samples: Samples, code: str = "none") -> float:
    return value(samples, "mighub_requests_total", operation="NotifyMigrationTaskState", error_code=code)


# -- end to end ------------------------------------------------------------------------


def test_counters_move_with_requests_errors_events_and_tasks(server_factory: Any) -> None:
    srv = server_factory()
    mgh = srv.client("mgh")
    before = scrape(srv.endpoint)
    assert value(before, "mighub_build_info", version=mighub.__version__) == 1
    assert value(before, "mighub_migration_tasks_stale") == 0
    assert notifies(before) == 0

    now = datetime.now(UTC).replace(microsecond=0)
    mgh.create_progress_update_stream(ProgressUpdateStreamName="M")
    plan = {  # name: (status, UpdateDateTime, NextUpdateSeconds)
        "late": ("IN_PROGRESS", now - timedelta(hours=1), 60),  # its deadline passed: stale
        "on-time": ("IN_PROGRESS", now, 3600),
        "done": ("COMPLETED", now - timedelta(hours=1), 60),  # finished: never stale
    }
    for name, (status, when, seconds) in plan.items():
        mgh.import_migration_task(ProgressUpdateStream="M", MigrationTaskName=name)
        mgh.notify_migration_task_state(
            ProgressUpdateStream="M",
            MigrationTaskName=name,
            Task={"Status": status},
            UpdateDateTime=when,
            NextUpdateSeconds=seconds,
        )
    mgh.import_migration_task(ProgressUpdateStream="M", MigrationTaskName="silent")  # never notified
    with pytest.raises(ClientError) as missing:
        mgh.notify_migration_task_state(
            ProgressUpdateStream="M",
            MigrationTaskName="never-imported",
            Task={"Status": "IN_PROGRESS"},
            UpdateDateTime=now,
            NextUpdateSeconds=60,
        )
    assert error_code(missing.value) == "ResourceNotFoundException"

    def counted() -> Samples | None:
        # The task counts are kept a few seconds; the stale event is raised within a second.
        found = scrape(srv.endpoint)
        done = value(found, "mighub_migration_tasks", status="IN_PROGRESS") == 2 and value(
            found, "mighub_events_total", type="migration_task.stale"
        )
        return found if done else None

    after = poll(counted)
    assert notifies(after) == 3
    assert notifies(after, "ResourceNotFoundException") == 1
    assert value(after, "mighub_requests_total", operation="ImportMigrationTask", error_code="none") == 4
    assert value(after, "mighub_request_duration_seconds_count", operation="NotifyMigrationTaskState") == 4
    tasks = {status: value(after, "mighub_migration_tasks", status=status) for status in (*task_statuses(), "none")}
    assert tasks == {"NOT_STARTED": 0, "IN_PROGRESS": 2, "FAILED": 0, "COMPLETED": 1, "none": 1}
    assert value(after, "mighub_migration_tasks_stale") == 1
    assert value(after, "mighub_events_total", type="migration_task.imported") == 4
    assert value(after, "mighub_events_total", type="migration_task.state_changed") == 3
    assert value(after, "mighub_events_total", type="migration_task.stale") == 1
    # Every write batch is reported: at least one per write, fewer when they shared a commit.
    assert value(after, "mighub_store_batch_size_sum") >= 8 + value(before, "mighub_store_batch_size_sum")
    assert value(after, "mighub_store_commit_duration_seconds_count") > value(
        before, "mighub_store_commit_duration_seconds_count"
    )
    # The scrapes are requests too; labels never carry a name the client chose.
    assert value(after, "mighub_requests_total", operation="mighub:GetMetrics", error_code="none") >= 2
    labels = {v for (_, pairs) in after for _, v in pairs}
    assert not labels & {"M", "late", "on-time", "done", "silent", "never-imported", "000000000000"}


def test_a_bad_request_is_counted_by_its_error_code(server_factory: Any) -> None:
    srv = server_factory()
    mgh = srv.client("mgh", validate=False)
    with pytest.raises(ClientError) as bad:
        mgh.notify_migration_task_state(
            ProgressUpdateStream="M",
            MigrationTaskName="t",
            Task={"Status": "IN_PROGRESS", "ProgressPercent": 101},
            UpdateDateTime=datetime.now(UTC),
            NextUpdateSeconds=60,
        )
    assert error_code(bad.value) == "InvalidInputException"
    http_request(srv.endpoint, "GET", "/_mighub/no-such-path")
    samples = scrape(srv.endpoint)
    assert notifies(samples, "InvalidInputException") == 1
    assert notifies(samples) == 0
    assert value(samples, "mighub_requests_total", operation="unknown", error_code="NotFound") == 1


def test_open_event_streams_are_counted(server_factory: Any) -> None:
    srv = server_factory()
    assert value(scrape(srv.endpoint), "mighub_sse_clients") == 0
    host, port = srv.endpoint.split("://")[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", "/_mighub/events")
        assert conn.getresponse().status == 200
        poll(lambda: value(scrape(srv.endpoint), "mighub_sse_clients") == 1)
    finally:
        conn.close()
    poll(lambda: value(scrape(srv.endpoint), "mighub_sse_clients") == 0)


def test_an_unknown_query_parameter_is_a_400_naming_it(server: Any) -> None:
    status, _, body = http_request(server.endpoint, "GET", "/_mighub/metrics?format=json")
    assert status == 400
    answer = json.loads(body)
    assert answer["error"] == "InvalidInputException" and "'format'" in answer["message"]


def test_with_an_auth_file_scraping_is_signed_and_needs_mighub_get_metrics(server_factory: Any, tmp_path: Path) -> None:
    admin = new_key("admin")  # mgh:* on *: the whole AWS API, but not the hub's own actions
    scraper = new_key("scraper", policy=policy(allow("mighub:GetMetrics")))
    log = tmp_path / "audit.jsonl"
    auth = write_auth_file(tmp_path / "auth.toml", [admin, scraper])
    srv = server_factory(extra_args=("--auth-file", str(auth), "--audit-log", str(log)))
    client(srv.endpoint, admin).list_progress_update_streams()

    status, _, body = http_request(srv.endpoint, "GET", "/_mighub/metrics")
    assert (status, json.loads(body)["error"]) == (403, "MissingAuthenticationTokenException")
    status, denied_headers, answer = signed_get(srv.endpoint, "/_mighub/metrics", admin)
    assert 400 <= status < 500 and answer["error"] == "AccessDeniedException"
    assert "mighub:GetMetrics" in answer["message"]

    request = AWSRequest(method="GET", url=srv.endpoint + "/_mighub/metrics")
    SigV4Auth(Credentials(scraper.access_key_id, scraper.secret), "mgh", "us-east-1").add_auth(request)
    status, headers, text = http_request(srv.endpoint, "GET", "/_mighub/metrics", headers=dict(request.headers.items()))
    assert status == 200, text
    samples = parse(text.decode())
    assert value(samples, "mighub_requests_total", operation="ListProgressUpdateStreams", error_code="none") == 1
    assert (
        value(samples, "mighub_requests_total", operation="mighub:GetMetrics", error_code="AccessDeniedException") == 1
    )

    def written() -> dict[str, dict[str, Any]] | None:
        lines = {line["requestId"]: line for line in audit_lines(log)}
        wanted = (headers["x-amzn-requestid"], denied_headers["x-amzn-requestid"])
        return lines if all(r in lines for r in wanted) else None

    lines = poll(written)
    allowed, denied = lines[headers["x-amzn-requestid"]], lines[denied_headers["x-amzn-requestid"]]
    assert {k: allowed[k] for k in ("eventName", "eventSource", "principal", "decision", "errorCode")} == {
        "eventName": "mighub:GetMetrics",
        "eventSource": "mighub",
        "principal": "scraper",
        "decision": "Allow",
        "errorCode": None,
    }
    assert (denied["principal"], denied["decision"], denied["errorCode"]) == ("admin", "Deny", "AccessDeniedException")


# -- in process ------------------------------------------------------------------------


def test_mgh_star_does_not_grant_get_metrics() -> None:
    everything = parse_policy({"Version": "2012-10-17", "Statement": [allow("mgh:*")]})
    assert not everything.decide("mighub:GetMetrics", "*")
    assert parse_policy({"Version": "2012-10-17", "Statement": [allow("mighub:GetMetrics")]}).decide(
        "mighub:GetMetrics", "*"
    )


class TallyStore(Store):
    """A real store that counts the reads it is asked for."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.reads = 0

    async def aread(self, work: Work[Any]) -> Any:
        self.reads += 1
        return await super().aread(work)


@pytest.fixture
def tally(databases: Any, tmp_path: Path) -> Iterator[TallyStore]:
    found = TallyStore(databases.fresh_url(tmp_path))
    yield found
    found.close()


def test_task_counts_are_one_query_kept_a_few_seconds(tally: TallyStore, monkeypatch: pytest.MonkeyPatch) -> None:
    app = App(Hub(tally))

    async def scrapes(n: int) -> list[Samples]:
        return [parse(text.decode()) for text in await asyncio.gather(*(app.metrics.exposition() for _ in range(n)))]

    first = asyncio.run(scrapes(10))
    assert tally.reads == 1  # ten scrapes at once: one query
    assert {value(s, "mighub_migration_tasks", status="none") for s in first} == {0}
    hub = app.hub
    asyncio.run(hub.call(_ctx("CreateProgressUpdateStream"), {"ProgressUpdateStreamName": "S"}))
    asyncio.run(hub.call(_ctx("ImportMigrationTask"), {"ProgressUpdateStream": "S", "MigrationTaskName": "t"}))
    reads = tally.reads
    assert value(asyncio.run(scrapes(1))[0], "mighub_migration_tasks", status="none") == 0  # still the kept answer
    assert tally.reads == reads
    monkeypatch.setattr(metrics, "TASK_COUNTS_TTL", 0.0)
    assert value(asyncio.run(scrapes(1))[0], "mighub_migration_tasks", status="none") == 1
    assert tally.reads == reads + 1


def _ctx(operation: str) -> RequestContext:
    return RequestContext(operation=operations_by_target()[f"AWSMigrationHub.{operation}"], region="us-east-1")


def test_two_hubs_in_one_process_count_apart(store: Store) -> None:
    one, two = App(Hub(store)), App(Hub(store))
    one.metrics.request("NotifyMigrationTaskState", None, 0.01)
    one.metrics.request("NotifyMigrationTaskState", "InvalidInputException", 0.02)
    first = parse(asyncio.run(one.metrics.exposition()).decode())
    second = parse(asyncio.run(two.metrics.exposition()).decode())
    assert (notifies(first), notifies(first, "InvalidInputException")) == (1, 1)
    assert (notifies(second), notifies(second, "InvalidInputException")) == (0, 0)
    assert value(first, "mighub_request_duration_seconds_sum", operation="NotifyMigrationTaskState") == pytest.approx(
        0.03
    )


def test_the_store_reports_each_commit_with_its_size_and_events(store: Store) -> None:
    seen: list[Commit] = []
    store.on_commit(seen.append)
    hub = Hub(store)
    asyncio.run(hub.call(_ctx("CreateProgressUpdateStream"), {"ProgressUpdateStreamName": "S"}))
    assert seen and all(c.units >= 1 and c.seconds > 0 for c in seen)
    types = Tally(t for c in seen for t in c.event_types)
    assert types["progress_update_stream.created"] == 1
    seen.clear()
    with pytest.raises(ResourceNotFoundException):
        asyncio.run(hub.call(_ctx("ImportMigrationTask"), {"ProgressUpdateStream": "nope", "MigrationTaskName": "t"}))
    assert seen == []  # a batch of one that failed was rolled back: no commit
