"""``GET /_mighub/events`` end to end: real ``mighub serve`` processes, boto3 making the
changes, and a real streaming HTTP client reading Server-Sent Events off the wire.

The wire and the process are the point here (framing, resumption across
connections, retention in a running hub, auth on a signed GET, a clean close when
the hub stops); what each event holds is tested in process (test_events_log.py).
"""

from __future__ import annotations

import http.client
import json
import signal
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlparse

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from e2e_helpers import poll, uniq, utc
from test_auth_helpers import ACCOUNT_A, ACCOUNT_B, Key, allow, client, new_key, policy, write_auth_file


class EventReader:
    """A Server-Sent Events client over one HTTP connection (http.client, chunked)."""

    def __init__(self, endpoint: str, path: str = "/_mighub/events", headers: dict[str, str] | None = None) -> None:
        url = urlparse(endpoint)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        self.conn.request("GET", path, headers=headers or {})
        self.response = self.conn.getresponse()
        self.comments: list[str] = []
        self.retry: str | None = None

    def next(self) -> dict[str, Any] | None:
        """The next event (``id``, ``event``, ``data``), or None at the end of the stream."""
        fields: dict[str, str] = {}
        while True:
            raw = self.response.readline()
            if not raw:
                return None
            line = raw.decode().rstrip("\n")
            if line == "":
                if "data" in fields:
                    return {"id": fields.get("id"), "event": fields.get("event"), "data": json.loads(fields["data"])}
                continue
            if line.startswith(":"):
                self.comments.append(line[1:].strip())
                continue
            name, _, value = line.partition(":")
            if name == "retry":
                self.retry = value.strip()
            else:
                fields[name] = value[1:] if value.startswith(" ") else value

    def take(self, count: int) -> list[dict[str, Any]]:
        found = []
        for _ in range(count):
            event = self.next()
            assert event is not None, f"the stream ended after {len(found)} of {count} events"
            found.append(event)
        return found

    def close(self) -> None:
        self.conn.close()


def signed(endpoint: str, path: str, key: Key) -> dict[str, str]:
    request = AWSRequest(method="GET", url=endpoint + path)
    SigV4Auth(Credentials(key.access_key_id, key.secret), "mgh", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def notify(mgh: Any, stream: str, task: str, percent: int) -> None:
    """A notification dated in the past that promises nothing more (``NextUpdateSeconds``
    0): the task never goes stale, so no stale or recovered event comes in between."""
    mgh.notify_migration_task_state(
        ProgressUpdateStream=stream,
        MigrationTaskName=task,
        Task={"Status": "IN_PROGRESS", "ProgressPercent": percent},
        UpdateDateTime=utc(2026, 12, 1, 0, percent),
        NextUpdateSeconds=0,
    )


def test_a_boto3_notification_arrives_as_an_event(server: Any, mgh: Any) -> None:
    stream = uniq("sse")
    reader = EventReader(server.endpoint, f"/_mighub/events?stream={stream}")
    try:
        assert reader.response.status == 200
        headers = {k.lower(): v for k, v in reader.response.getheaders()}
        assert headers["content-type"] == "text/event-stream; charset=utf-8"
        assert headers["cache-control"] == "no-store" and headers["x-accel-buffering"] == "no"
        mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t1")
        notify(mgh, stream, "t1", 40)
        created, imported, changed = reader.take(3)
        assert reader.retry == "3000"
        assert [created["event"], imported["event"], changed["event"]] == [
            "progress_update_stream.created",
            "migration_task.imported",
            "migration_task.state_changed",
        ]
        assert changed["id"] == changed["data"]["cursor"] and int(changed["id"]) > int(imported["id"])
        assert changed["data"]["data"]["Task"]["ProgressPercent"] == 40
        assert changed["data"]["data"]["Task"]["UpdateDateTime"] == "2026-12-01T00:40:00.000000Z"
    finally:
        reader.close()


def test_reconnecting_with_last_event_id_gets_exactly_what_was_missed(server: Any, mgh: Any) -> None:
    stream = uniq("resume")
    path = f"/_mighub/events?stream={stream}&type=migration_task.*"
    first = EventReader(server.endpoint, path)
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t1")
    (imported,) = first.take(1)
    first.close()  # the client goes away; the hub goes on
    for percent in (10, 20, 30):
        notify(mgh, stream, "t1", percent)
    again = EventReader(server.endpoint, path, headers={"Last-Event-ID": imported["id"]})
    try:
        missed = again.take(3)
        assert [e["data"]["data"]["Task"]["ProgressPercent"] for e in missed] == [10, 20, 30]
        assert [int(e["id"]) for e in missed] == sorted(int(e["id"]) for e in missed)
        notify(mgh, stream, "t1", 50)  # and then live, with nothing repeated
        (live,) = again.take(1)
        assert live["data"]["data"]["Task"]["ProgressPercent"] == 50
    finally:
        again.close()
    # ?after= does the same for clients that cannot set the header.
    replay = EventReader(server.endpoint, f"{path}&after={imported['id']}")
    try:
        assert [e["data"]["data"]["Task"]["ProgressPercent"] for e in replay.take(4)] == [10, 20, 30, 50]
    finally:
        replay.close()


def test_bad_requests_are_refused_before_streaming(server: Any) -> None:
    for path, named in [
        ("/_mighub/events?after=abc", "after"),
        ("/_mighub/events?type=nope", "type"),
        ("/_mighub/events?limit=5", "limit"),
        ("/_mighub/events?after=1&after=2", "after"),
    ]:
        reader = EventReader(server.endpoint, path)
        try:
            assert reader.response.status == 400, path
            body = json.loads(reader.response.read())
            assert body["error"] == "InvalidInputException" and named in body["message"], body
        finally:
            reader.close()
    reader = EventReader(server.endpoint, "/_mighub/events", headers={"Last-Event-ID": "evt_x"})
    try:
        assert reader.response.status == 400
        assert "Last-Event-ID" in json.loads(reader.response.read())["message"]
    finally:
        reader.close()


def test_a_cursor_older_than_the_retention_gets_resync(server_factory: Any) -> None:
    srv = server_factory(extra_args=("--event-retention", "1"))
    mgh = srv.client("mgh")
    stream = uniq("old")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t1")
    # Pruned within half the retention of its end: ask until the log has moved on.
    status = poll(lambda: _resyncs(srv.endpoint), timeout=10)
    assert status["Resync"] is True and status["Events"] == []
    # A cursor just before where the log now begins: older than anything kept.
    stale_cursor = str(int(status["NextCursor"]) - 1)
    reader = EventReader(srv.endpoint, "/_mighub/events", headers={"Last-Event-ID": stale_cursor})
    try:
        event = reader.next()
        assert event is not None and event["event"] == "resync"
        # Where the log begins now: where it began at the poll, or later if more was pruned since.
        assert event["id"] == event["data"]["cursor"] and int(event["id"]) >= int(status["NextCursor"])
        notify(mgh, stream, "t1", 5)  # and then it follows from there
        (changed,) = reader.take(1)
        assert changed["event"] == "migration_task.state_changed"
    finally:
        reader.close()


def _resyncs(endpoint: str) -> dict[str, Any] | None:
    reader = EventReader(endpoint, "/_mighub/api/events?after=0")
    try:
        body = json.loads(reader.response.read())
    finally:
        reader.close()
    return body if body.get("Resync") else None


@pytest.fixture
def guarded(server_factory: Any, tmp_path: Path) -> SimpleNamespace:
    vendor_policy = policy(
        allow("mighub:ListEvents"),
        allow(
            ["mgh:*"],
            [
                f"arn:aws:mgh:us-east-1:{ACCOUNT_A}:progressUpdateStream/Vendor",
                f"arn:aws:mgh:us-east-1:{ACCOUNT_A}:progressUpdateStream/Vendor/*",
            ],
        ),
    )
    keys = SimpleNamespace(
        admin=new_key("admin"),  # mgh:* on *: everything but the hub's own actions
        vendor=new_key("vendor", policy=vendor_policy),
        watcher=new_key("watcher", policy=policy(allow("*"))),
        other=new_key("other-admin", account=ACCOUNT_B, policy=policy(allow("*"))),
    )
    log = tmp_path / "audit.jsonl"
    auth = write_auth_file(tmp_path / "auth.toml", vars(keys).values())
    srv = server_factory(extra_args=("--auth-file", str(auth), "--audit-log", str(log)))
    return SimpleNamespace(endpoint=srv.endpoint, log=log, **vars(keys))


def test_a_principal_sees_only_its_account_and_what_it_may_read(guarded: SimpleNamespace) -> None:
    ep = guarded.endpoint
    path = "/_mighub/events?after=0"
    admin, other = client(ep, guarded.admin), client(ep, guarded.other)
    for name in ("Vendor", "Secret"):
        admin.create_progress_update_stream(ProgressUpdateStreamName=name)
        admin.import_migration_task(ProgressUpdateStream=name, MigrationTaskName="t")
    other.create_progress_update_stream(ProgressUpdateStreamName="Vendor")

    denied = EventReader(ep, path, headers=signed(ep, path, guarded.admin))
    assert denied.response.status == 400
    assert "mighub:ListEvents" in json.loads(denied.response.read())["message"]
    denied.close()
    unsigned = EventReader(ep, path)
    assert unsigned.response.status == 403
    unsigned.close()

    watcher = EventReader(ep, path, headers=signed(ep, path, guarded.watcher))
    vendor = EventReader(ep, path, headers=signed(ep, path, guarded.vendor))
    try:
        everything = watcher.take(5)  # its account's home region, two streams, two tasks
        assert {e["data"]["account"] for e in everything} == {ACCOUNT_A}
        mine = vendor.take(2)
        assert [
            (
                e["event"],
                e["data"]["data"].get("ProgressUpdateStream", e["data"]["data"].get("ProgressUpdateStreamName")),
            )
            for e in mine
        ] == [("progress_update_stream.created", "Vendor"), ("migration_task.imported", "Vendor")]
        client(ep, guarded.vendor).import_migration_task(ProgressUpdateStream="Vendor", MigrationTaskName="u")
        admin.import_migration_task(ProgressUpdateStream="Secret", MigrationTaskName="u")
        (next_one,) = vendor.take(1)  # the Secret import never reaches it
        assert next_one["data"]["data"] == {"ProgressUpdateStream": "Vendor", "MigrationTaskName": "u"}
    finally:
        watcher.close()
        vendor.close()

    # A stream's audit line is written when it ends: once the hub sees the client gone.
    expected = {
        ("admin", "Deny", "AccessDeniedException"),
        ("watcher", "Allow", None),
        ("vendor", "Allow", None),
    }

    def audited() -> bool:
        lines = [json.loads(line) for line in guarded.log.read_text().splitlines()]
        found = {
            (x["principal"], x["decision"], x["errorCode"]) for x in lines if x["eventName"] == "mighub:StreamEvents"
        }
        return found >= expected

    poll(audited)


def test_streams_end_cleanly_when_the_hub_stops(server_factory: Any) -> None:
    srv = server_factory()
    reader = EventReader(srv.endpoint, "/_mighub/events")
    assert reader.response.status == 200
    assert srv.proc is not None
    srv.proc.send_signal(signal.SIGTERM)
    assert reader.next() is None  # the stream ends: the last chunk, not a reset
    srv.proc.wait(timeout=15)
    assert srv.proc.returncode == 0
    reader.close()


def test_a_silent_task_raises_stale_by_itself_and_recovered_when_heard_from(server: Any, mgh: Any) -> None:
    stream = uniq("stale")
    reader = EventReader(server.endpoint, f"/_mighub/events?stream={stream}&type=migration_task.*")
    try:
        mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName="t1")
        mgh.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName="t1",
            Task={"Status": "IN_PROGRESS"},
            UpdateDateTime=datetime.now(UTC),
            NextUpdateSeconds=1,
        )
        assert [e["event"] for e in reader.take(2)] == ["migration_task.imported", "migration_task.state_changed"]
        (stale,) = reader.take(1)  # nobody calls anything: the hub notices by itself
        assert stale["event"] == "migration_task.stale"
        assert stale["data"]["data"]["MigrationTaskName"] == "t1"
        mgh.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName="t1",
            Task={"Status": "IN_PROGRESS", "ProgressPercent": 60},
            UpdateDateTime=datetime.now(UTC),
            NextUpdateSeconds=3600,
        )
        assert [e["event"] for e in reader.take(2)] == ["migration_task.state_changed", "migration_task.recovered"]
    finally:
        reader.close()
