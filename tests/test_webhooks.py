"""Webhooks end to end: real ``mighub serve`` processes deliver to real HTTP receivers
on loopback, and the ``standardwebhooks`` package (an independent verifier, from
PyPI) checks every signature.

The wire, the process and the database are the point: retries across real time,
a hub killed mid-delivery, two replicas sharing endpoints. What the management
API refuses is checked here too, since it is reached over HTTP.
"""

from __future__ import annotations

import http.server
import json
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from e2e_helpers import http_request, poll, uniq, utc


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """An HTTP server that records what it is sent and answers as it is told."""

    answers: queue.Queue[tuple[int, dict[str, str], float]] = field(default_factory=queue.Queue)
    received: list[Received] = field(default_factory=list)
    server: Any = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append(
                    Received({k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                )
                try:
                    status, headers, delay = receiver.answers.get_nowait()
                except queue.Empty:
                    status, headers, delay = 200, {}, 0.0
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def answer(self, status: int, headers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        self.answers.put((status, headers or {}, delay))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver().start()
    yield found
    found.stop()


FAST = ("--webhook-retry-schedule", "0,0.2,0.2,0.2,0.2")


def api(endpoint: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    status, _, answer = http_request(endpoint, method, f"/_mighub/api/webhooks{path}", body=data or b"")
    return status, json.loads(answer) if answer else None


def create(endpoint: str, url: str, **members: Any) -> dict[str, Any]:
    status, made = api(endpoint, "POST", "", {"url": url, **members})
    assert status == 201, made
    return made  # type: ignore[no-any-return]


def verified(hook: dict[str, Any], got: Received) -> dict[str, Any]:
    """The payload, once the independent verifier accepts its signature."""
    verified_payload: dict[str, Any] = Webhook(hook["secret"]).verify(got.body, got.headers)
    return verified_payload


def tasks(mgh: Any, stream: str, *names: str, percent: int = 10) -> None:
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    for name in names:
        mgh.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=name)
        mgh.notify_migration_task_state(
            ProgressUpdateStream=stream,
            MigrationTaskName=name,
            Task={"Status": "IN_PROGRESS", "ProgressPercent": percent},
            UpdateDateTime=utc(2026, 12, 1),
            NextUpdateSeconds=0,
        )


def test_events_arrive_signed_in_order_and_as_filtered(server_factory: Any, receiver: Receiver) -> None:
    srv = server_factory(extra_args=FAST)
    stream = uniq("hook")
    everything = create(srv.endpoint, receiver.url, description="all of it")
    assert everything["secret"].startswith("whsec_")
    other = Receiver().start()
    try:
        only = create(srv.endpoint, other.url, types=["migration_task.state_changed"], streams=[stream])
        tasks(srv.client("mgh"), stream, "a", "b")
        tasks(srv.client("mgh"), uniq("elsewhere"), "c")
        poll(lambda: len(receiver.received) >= 11 and len(other.received) >= 2)
        payloads = [verified(everything, got) for got in receiver.received]
        # Its own creation first (it receives from then on), the other endpoint's, the
        # account's preset home region (made on its first API call), then the changes.
        assert [p["type"] for p in payloads[:3]] == [
            "webhook_endpoint.created",
            "webhook_endpoint.created",
            "home_region.created",
        ]
        assert [p["type"] for p in payloads[3:8]] == [
            "progress_update_stream.created",
            "migration_task.imported",
            "migration_task.state_changed",
            "migration_task.imported",
            "migration_task.state_changed",
        ]
        cursors = [int(p["cursor"]) for p in payloads]
        assert cursors == sorted(cursors) and len(set(cursors)) == len(cursors)
        assert all(got.id == got.event["id"] == f"evt_{got.event['cursor']}" for got in receiver.received)
        filtered = [verified(only, got) for got in other.received]
        assert [(p["type"], p["data"]["MigrationTaskName"]) for p in filtered] == [
            ("migration_task.state_changed", "a"),
            ("migration_task.state_changed", "b"),
        ]
        with pytest.raises(WebhookVerificationError):  # another endpoint's secret does not verify
            Webhook(only["secret"]).verify(receiver.received[0].body, receiver.received[0].headers)
    finally:
        other.stop()


def test_a_failing_receiver_gets_the_event_after_retries_with_the_same_id(
    server_factory: Any, receiver: Receiver
) -> None:
    srv = server_factory(extra_args=FAST)
    hook = create(srv.endpoint, receiver.url, types=["progress_update_stream.created"])
    receiver.answer(500)
    receiver.answer(503, {"retry-after": "1"})
    stream = uniq("retry")
    srv.client("mgh").create_progress_update_stream(ProgressUpdateStreamName=stream)
    poll(lambda: len(receiver.received) >= 3)
    first, second, third = receiver.received[:3]
    assert first.id == second.id == third.id
    assert verified(hook, third)["data"]["ProgressUpdateStreamName"] == stream
    assert third.at - second.at >= 0.9  # Retry-After: 1 beat the 0.2 s schedule
    # The attempt is logged once its answer is in: the receiver may see it a moment sooner.
    log = poll(
        lambda: (lambda d: d if len(d["deliveries"]) >= 3 else None)(
            api(srv.endpoint, "GET", f"/{hook['id']}/deliveries")[1]
        )
    )
    assert [(d["status"], d["outcome"], d["attempt"]) for d in reversed(log["deliveries"])] == [
        (500, "failed", 1),
        (503, "failed", 2),
        (200, "delivered", 3),
    ]
    time.sleep(0.5)
    assert len(receiver.received) == 3  # delivered once it succeeded, not again
    # The metrics count each attempt by its outcome.
    from prometheus_client.parser import text_string_to_metric_families

    scraped = http_request(srv.endpoint, "GET", "/_mighub/metrics")[2].decode()
    (family,) = [f for f in text_string_to_metric_families(scraped) if f.name == "mighub_webhook_deliveries"]
    counts = {s.labels["outcome"]: s.value for s in family.samples if s.name.endswith("_total")}
    assert counts == {"delivered": 1.0, "failed": 2.0, "gone": 0.0, "refused": 0.0}


def test_410_disables_the_endpoint_with_an_event(server_factory: Any, receiver: Receiver) -> None:
    srv = server_factory(extra_args=FAST)
    hook = create(srv.endpoint, receiver.url, types=["progress_update_stream.created"])
    receiver.answer(410)
    srv.client("mgh").create_progress_update_stream(ProgressUpdateStreamName=uniq("gone"))
    shown = poll(lambda: (lambda s: s if not s["enabled"] else None)(api(srv.endpoint, "GET", f"/{hook['id']}")[1]))
    assert "410" in shown["disabledReason"]
    page = http_request(srv.endpoint, "GET", "/_mighub/api/events?type=webhook_endpoint.*")[2]
    kinds = [e["type"] for e in json.loads(page)["Events"]]
    assert kinds == ["webhook_endpoint.created", "webhook_endpoint.disabled"]
    # Enabled again, it goes on from where it stopped: the event it was given up on is not resent.
    api(srv.endpoint, "POST", f"/{hook['id']}/enable")
    srv.client("mgh").create_progress_update_stream(ProgressUpdateStreamName=uniq("back"))
    poll(lambda: len(receiver.received) >= 2)
    assert receiver.received[1].event["type"] == "progress_update_stream.created"


def test_an_endpoint_failing_too_long_is_disabled(server_factory: Any, receiver: Receiver) -> None:
    srv = server_factory(extra_args=(*FAST, "--webhook-disable-after", "1"))
    hook = create(srv.endpoint, receiver.url)
    for _ in range(50):
        receiver.answer(500)
    srv.client("mgh").create_progress_update_stream(ProgressUpdateStreamName=uniq("down"))
    shown = poll(lambda: (lambda s: s if not s["enabled"] else None)(api(srv.endpoint, "GET", f"/{hook['id']}")[1]))
    assert "failed for 1 s" in shown["disabledReason"]


def test_a_rotated_secret_and_the_old_one_both_sign(server_factory: Any, receiver: Receiver) -> None:
    srv = server_factory(extra_args=FAST)
    old = create(srv.endpoint, receiver.url, types=["progress_update_stream.created"])
    status, new = api(srv.endpoint, "POST", f"/{old['id']}/rotate-secret")
    assert status == 200 and new["secret"] != old["secret"]
    srv.client("mgh").create_progress_update_stream(ProgressUpdateStreamName=uniq("rotated"))
    poll(lambda: receiver.received)
    got = receiver.received[0]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    assert verified(old, got) == verified(new, got)


def test_test_sends_a_ping_and_redeliver_sends_again(server_factory: Any, receiver: Receiver) -> None:
    srv = server_factory(extra_args=FAST)
    hook = create(srv.endpoint, receiver.url, types=["progress_update_stream.created"])
    status, ping = api(srv.endpoint, "POST", f"/{hook['id']}/test")
    assert status == 200 and ping["outcome"] == "delivered" and ping["status"] == 200
    assert verified(hook, receiver.received[0])["type"] == "ping"
    srv.client("mgh").create_progress_update_stream(ProgressUpdateStreamName=uniq("again"))
    poll(lambda: len(receiver.received) >= 2)
    cursor = receiver.received[1].event["cursor"]
    assert api(srv.endpoint, "POST", f"/{hook['id']}/redeliver", {"event": cursor}) == (200, {"queued": 1})
    poll(lambda: len(receiver.received) >= 3)
    assert receiver.received[2].id == receiver.received[1].id


def test_a_hub_killed_mid_delivery_loses_nothing(server_factory: Any, receiver: Receiver) -> None:
    srv = server_factory(extra_args=(*FAST, "--webhook-timeout", "1"))
    hook = create(srv.endpoint, receiver.url, types=["progress_update_stream.created"])
    receiver.answer(200, delay=5)  # the hub is killed while the receiver is still answering
    stream = uniq("killed")
    srv.client("mgh").create_progress_update_stream(ProgressUpdateStreamName=stream)
    poll(lambda: receiver.received)
    srv.kill()
    srv.start()  # same data: the endpoint's lease (4 x 1 s) runs out, then it is sent again
    poll(lambda: len(receiver.received) >= 2, timeout=20)
    assert receiver.received[1].id == receiver.received[0].id
    assert verified(hook, receiver.received[1])["data"]["ProgressUpdateStreamName"] == stream


def test_two_replicas_deliver_each_event_once_in_order(postgres_replicas: Any, receiver: Receiver) -> None:
    first, second = postgres_replicas
    create(first.endpoint, receiver.url, types=["migration_task.imported"])
    stream = uniq("pair")
    first.client("mgh").create_progress_update_stream(ProgressUpdateStreamName=stream)
    clients = [first.client("mgh"), second.client("mgh")]
    for i in range(40):
        clients[i % 2].import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=f"t{i:02}")
    poll(lambda: len({got.id for got in receiver.received}) >= 40, timeout=30)
    ids = [got.id for got in receiver.received]
    duplicates = len(ids) - len(set(ids))
    firsts = list(dict.fromkeys(ids))
    assert len(firsts) == 40
    assert firsts == sorted(firsts, key=lambda i: int(i.removeprefix("evt_")))
    assert duplicates == 0, f"{duplicates} events were sent twice"


@pytest.fixture
def postgres_replicas(databases: Any, server_factory: Any, tmp_path: Path) -> tuple[Any, Any]:
    if databases.backend != "postgresql":
        pytest.skip("two replicas share one database on PostgreSQL only")
    first = server_factory(extra_args=FAST, data_dir=tmp_path / "shared")
    second = server_factory(extra_args=FAST, data_dir=tmp_path / "shared")
    return first, second


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, "'url'"),
        ({"url": "ftp://example.com/x"}, "'url'"),
        ({"url": "http://user:pw@127.0.0.1/x"}, "'url'"),
        ({"url": "http://169.254.169.254/latest/meta-data"}, "link-local"),
        ({"url": "http://[fd00:ec2::254]/"}, "link-local"),
        ({"url": "http://127.0.0.1/" + "x" * 3000}, "'url'"),
        ({"url": "http://127.0.0.1/x", "types": ["nope"]}, "'type'"),
        ({"url": "http://127.0.0.1/x", "types": "migration_task.*"}, "'types'"),
        ({"url": "http://127.0.0.1/x", "streams": ["bad/name"]}, "'stream'"),
        ({"url": "http://127.0.0.1/x", "description": "d" * 1001}, "'description'"),
        ({"url": "http://127.0.0.1/x", "secret": "mine"}, "'secret'"),
    ],
)
def test_bad_endpoints_are_refused_naming_the_member_and_change_nothing(server: Any, body: Any, named: str) -> None:
    before = api(server.endpoint, "GET", "")[1]
    status, answer = api(server.endpoint, "POST", "", body)
    assert status == 400 and named in answer["message"], answer
    assert api(server.endpoint, "GET", "")[1] == before


def test_bad_requests_to_the_api_are_refused(server: Any) -> None:
    assert api(server.endpoint, "POST", "", b"[1, 2]")[0] == 400
    assert api(server.endpoint, "POST", "", b"{not json")[0] == 400
    assert api(server.endpoint, "GET", "/ep_000000000000000000000000")[0] == 404
    assert api(server.endpoint, "GET", "/nonsense")[0] == 400
    assert api(server.endpoint, "PUT", "")[0] == 405
    status, answer = api(
        server.endpoint, "POST", "/ep_000000000000000000000000/redeliver", {"event": "1", "since": "x"}
    )
    assert status == 400 and "exactly one" in answer["message"]


def test_managing_webhooks_needs_its_own_action(server_factory: Any, tmp_path: Path, receiver: Receiver) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from test_auth_helpers import allow, new_key, policy, write_auth_file

    admin = new_key("admin")  # mgh:* on *: the whole AWS API, none of the hub's own actions
    hooks = new_key("hooks", policy=policy(allow("mighub:ManageWebhooks")))
    log = tmp_path / "audit.jsonl"
    auth = write_auth_file(tmp_path / "auth.toml", [admin, hooks])
    srv = server_factory(extra_args=("--auth-file", str(auth), "--audit-log", str(log), *FAST))

    def signed(key: Any, body: dict[str, Any]) -> tuple[int, Any]:
        data = json.dumps(body).encode()
        request = AWSRequest(method="POST", url=srv.endpoint + "/_mighub/api/webhooks", data=data)
        SigV4Auth(Credentials(key.access_key_id, key.secret), "mgh", "us-east-1").add_auth(request)
        status, _, answer = http_request(
            srv.endpoint, "POST", "/_mighub/api/webhooks", body=data, headers=dict(request.headers.items())
        )
        return status, json.loads(answer)

    status, refused = signed(admin, {"url": receiver.url})
    assert status == 400 and refused["error"] == "AccessDeniedException"
    assert "mighub:ManageWebhooks" in refused["message"]
    assert signed(hooks, {"url": receiver.url})[0] == 201
    assert api(srv.endpoint, "GET", "")[0] == 403  # unsigned
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    created = [(x["principal"], x["decision"]) for x in lines if x["eventName"] == "mighub:CreateWebhook"]
    assert created == [("admin", "Deny"), ("hooks", "Allow")]


def test_the_cli_creates_and_lists_endpoints(server: Any, receiver: Receiver) -> None:
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": server.endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    mighub = [str(Path(sys.executable).parent / "mighub"), "webhooks"]
    made = subprocess.run(
        [*mighub, "create", "--url", receiver.url, "--type", "migration_task.*", "--description", "cli"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert made.returncode == 0, made.stderr
    endpoint = json.loads(made.stdout)
    assert endpoint["url"] == receiver.url and endpoint["secret"].startswith("whsec_")
    listed = subprocess.run([*mighub, "list"], env=env, capture_output=True, text=True, timeout=30)
    shown = {e["id"]: e for e in json.loads(listed.stdout)["endpoints"]}
    assert shown[endpoint["id"]]["types"] == ["migration_task.*"] and "secret" not in shown[endpoint["id"]]
    bad = subprocess.run([*mighub, "show", "ep_" + "0" * 24], env=env, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 255 and "does not exist" in bad.stderr
    api(server.endpoint, "DELETE", f"/{endpoint['id']}")
