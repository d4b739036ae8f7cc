"""The AWS JSON 1.1 wire protocol, spoken by hand: bad bodies, bad targets, big bodies.

Every response must carry ``x-amzn-RequestId``; none may be a 500; the server must stay
healthy afterwards.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
from typing import Any

import pytest

from e2e_helpers import MighubServer, http_request, uniq

MGH = "AWSMigrationHub."
CFG = "AWSMigrationHubMultiAccountService."
JSON11 = "application/x-amz-json-1.1"


def call(
    endpoint: str,
    target: str | None,
    body: bytes | str | Any,
    content_type: str | None = JSON11,
    method: str = "POST",
    path: str = "/",
) -> tuple[int, dict[str, str], Any]:
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, (bytes, type(None))):
        body = json.dumps(body).encode()
    headers = {}
    if target is not None:
        headers["X-Amz-Target"] = target
    if content_type is not None:
        headers["Content-Type"] = content_type
    status, resp_headers, raw = http_request(endpoint, method, path, body=body, headers=headers)
    assert resp_headers.get("x-amzn-requestid"), f"no x-amzn-RequestId on {status} response"
    assert status != 500 and status < 500, f"server error {status}: {raw[:500]!r}"
    try:
        data = json.loads(raw) if raw else None
    except ValueError:
        data = raw
    return status, resp_headers, data


def assert_error(resp: tuple[int, dict[str, str], Any], code: str, status: int = 400) -> dict[str, Any]:
    got_status, headers, data = resp
    assert got_status == status, (got_status, data)
    assert isinstance(data, dict), data
    assert data.get("__type", "").split("#")[-1] == code, data
    assert isinstance(data.get("message", data.get("Message")), str)
    assert headers.get("x-amzn-errortype", "").split(":")[0] == code, headers
    return data


# -- success paths, both prefixes -----------------------------------------------------------
def test_mgh_prefix(endpoint: str) -> None:
    status, headers, data = call(endpoint, MGH + "ListProgressUpdateStreams", {})
    assert status == 200
    assert "ProgressUpdateStreamSummaryList" in data
    assert headers.get("content-type", "").startswith("application/x-amz-json-1.1")


def test_config_prefix(endpoint: str) -> None:
    status, _, data = call(endpoint, CFG + "GetHomeRegion", {})
    assert status == 200
    assert data == {"HomeRegion": "us-east-1"}


def test_empty_output_is_empty_object(endpoint: str) -> None:
    status, _, data = call(endpoint, MGH + "CreateProgressUpdateStream", {"ProgressUpdateStreamName": uniq("raw")})
    assert status == 200
    assert data == {}


def test_timestamps_are_epoch_numbers(endpoint: str) -> None:
    stream = uniq("rawts")
    assert call(endpoint, MGH + "CreateProgressUpdateStream", {"ProgressUpdateStreamName": stream})[0] == 200
    assert (
        call(endpoint, MGH + "ImportMigrationTask", {"ProgressUpdateStream": stream, "MigrationTaskName": "t"})[0]
        == 200
    )
    notify = {
        "ProgressUpdateStream": stream,
        "MigrationTaskName": "t",
        "Task": {"Status": "IN_PROGRESS", "ProgressPercent": 5},
        "UpdateDateTime": 1793527200.5,
        "NextUpdateSeconds": 9223372036854775807,
    }
    assert call(endpoint, MGH + "NotifyMigrationTaskState", notify)[0] == 200
    status, _, data = call(
        endpoint, MGH + "DescribeMigrationTask", {"ProgressUpdateStream": stream, "MigrationTaskName": "t"}
    )
    assert status == 200
    assert isinstance(data["MigrationTask"]["UpdateDateTime"], (int, float))
    assert data["MigrationTask"]["UpdateDateTime"] == pytest.approx(1793527200.5, abs=0.001)
    # an integer epoch is a timestamp too
    notify["UpdateDateTime"] = 1793527300
    assert call(endpoint, MGH + "NotifyMigrationTaskState", notify)[0] == 200


def test_application_json_content_type_is_accepted(endpoint: str) -> None:
    status, _, data = call(endpoint, MGH + "ListProgressUpdateStreams", {}, content_type="application/json")
    assert status == 200, data


def test_missing_content_type(endpoint: str) -> None:
    status, _, data = call(endpoint, MGH + "ListProgressUpdateStreams", {}, content_type=None)
    assert status in (200, 400), data
    if status == 400:
        assert isinstance(data, dict) and "__type" in data


def test_empty_body(endpoint: str) -> None:
    status, _, data = call(endpoint, MGH + "ListProgressUpdateStreams", b"")
    assert status in (200, 400), data
    if status == 400:
        assert data["__type"] == "SerializationException"


# -- bad targets ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        MGH + "NoSuchOperation",
        CFG + "NoSuchOperation",
        "AWSMigrationHub",
        "AWSMigrationHub.",
        "ListProgressUpdateStreams",
        "DynamoDB_20120810.ListTables",
        "awsmigrationhub.ListProgressUpdateStreams",
        MGH + "listProgressUpdateStreams",
        MGH + "GetHomeRegion",  # a config operation under the mgh prefix
        CFG + "ListProgressUpdateStreams",  # an mgh operation under the config prefix
        MGH + "ListProgressUpdateStreams.Extra",
    ],
    ids=lambda t: repr(t),
)
def test_unknown_operation(endpoint: str, target: str | None) -> None:
    assert_error(call(endpoint, target, {}), "UnknownOperationException")


# -- bad bodies -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target,body",
    [
        (MGH + "ListProgressUpdateStreams", b'{"MaxResults": '),
        (MGH + "ListProgressUpdateStreams", b"not json at all"),
        (MGH + "ListProgressUpdateStreams", b"{'MaxResults': 1}"),
        (MGH + "ListProgressUpdateStreams", b'{"MaxResults": 1} trailing'),
        (MGH + "ListProgressUpdateStreams", b'{"MaxResults": NaN}'),
        (MGH + "ListProgressUpdateStreams", b'{"a": "\xff\xfe"}'),
        (MGH + "ListProgressUpdateStreams", b"\x00\x01\x02"),
        (CFG + "GetHomeRegion", b"{"),
    ],
    ids=["truncated", "text", "single-quotes", "trailing", "nan", "bad-utf8", "binary", "config-truncated"],
)
def test_malformed_json(endpoint: str, target: str, body: bytes) -> None:
    assert_error(call(endpoint, target, body), "SerializationException")


@pytest.mark.parametrize("body", [b"[]", b'"string"', b"42", b"true", b"null", b"[{}]"], ids=lambda b: b.decode())
def test_non_object_body(endpoint: str, body: bytes) -> None:
    assert_error(call(endpoint, MGH + "ListProgressUpdateStreams", body), "SerializationException")


@pytest.mark.parametrize(
    "target,body",
    [
        ("CreateProgressUpdateStream", {"ProgressUpdateStreamName": 123}),
        ("CreateProgressUpdateStream", {"ProgressUpdateStreamName": True}),
        ("CreateProgressUpdateStream", {"ProgressUpdateStreamName": ["a"]}),
        ("CreateProgressUpdateStream", {"ProgressUpdateStreamName": {"a": 1}}),
        ("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "ok", "DryRun": "yes"}),
        ("CreateProgressUpdateStream", {"ProgressUpdateStreamName": "ok", "DryRun": 1}),
        ("ListProgressUpdateStreams", {"MaxResults": "10"}),
        ("ListProgressUpdateStreams", {"MaxResults": True}),
        ("ListProgressUpdateStreams", {"MaxResults": 1.5}),
        ("ListProgressUpdateStreams", {"NextToken": 5}),
        (
            "NotifyMigrationTaskState",
            {
                "ProgressUpdateStream": "s",
                "MigrationTaskName": "t",
                "Task": "IN_PROGRESS",
                "UpdateDateTime": 1,
                "NextUpdateSeconds": 1,
            },
        ),
        (
            "NotifyMigrationTaskState",
            {
                "ProgressUpdateStream": "s",
                "MigrationTaskName": "t",
                "Task": [{"Status": "IN_PROGRESS"}],
                "UpdateDateTime": 1,
                "NextUpdateSeconds": 1,
            },
        ),
        (
            "NotifyMigrationTaskState",
            {
                "ProgressUpdateStream": "s",
                "MigrationTaskName": "t",
                "Task": {"Status": "IN_PROGRESS", "ProgressPercent": "50"},
                "UpdateDateTime": 1,
                "NextUpdateSeconds": 1,
            },
        ),
        (
            "NotifyMigrationTaskState",
            {
                "ProgressUpdateStream": "s",
                "MigrationTaskName": "t",
                "Task": {"Status": 1},
                "UpdateDateTime": 1,
                "NextUpdateSeconds": 1,
            },
        ),
        (
            "NotifyMigrationTaskState",
            {
                "ProgressUpdateStream": "s",
                "MigrationTaskName": "t",
                "Task": {"Status": "IN_PROGRESS"},
                "UpdateDateTime": True,
                "NextUpdateSeconds": 1,
            },
        ),
        (
            "NotifyMigrationTaskState",
            {
                "ProgressUpdateStream": "s",
                "MigrationTaskName": "t",
                "Task": {"Status": "IN_PROGRESS"},
                "UpdateDateTime": "yesterday",
                "NextUpdateSeconds": 1,
            },
        ),
        (
            "NotifyMigrationTaskState",
            {
                "ProgressUpdateStream": "s",
                "MigrationTaskName": "t",
                "Task": {"Status": "IN_PROGRESS"},
                "UpdateDateTime": 1,
                "NextUpdateSeconds": "60",
            },
        ),
    ],
    ids=[
        "name-int",
        "name-bool",
        "name-list",
        "name-object",
        "dryrun-string",
        "dryrun-int",
        "maxresults-string",
        "maxresults-bool",
        "maxresults-float",
        "token-int",
        "task-string",
        "task-list",
        "percent-string",
        "status-int",
        "time-bool",
        "time-word",
        "nextupdate-string",
    ],
)
def test_wrong_json_types(endpoint: str, target: str, body: dict[str, Any]) -> None:
    assert_error(call(endpoint, MGH + target, body), "SerializationException")


def test_deeply_nested_json(endpoint: str) -> None:
    body = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    resp = call(endpoint, MGH + "ListProgressUpdateStreams", body)
    assert resp[0] == 400


def test_huge_integer(endpoint: str) -> None:
    body = {"MaxResults": 10**400}
    status, _, data = call(endpoint, MGH + "ListProgressUpdateStreams", body)
    assert status == 400
    assert data["__type"] in ("SerializationException", "InvalidInputException")


def test_next_update_seconds_over_int64(endpoint: str) -> None:
    stream = uniq("raw64")
    call(endpoint, MGH + "CreateProgressUpdateStream", {"ProgressUpdateStreamName": stream})
    call(endpoint, MGH + "ImportMigrationTask", {"ProgressUpdateStream": stream, "MigrationTaskName": "t"})
    body = {
        "ProgressUpdateStream": stream,
        "MigrationTaskName": "t",
        "Task": {"Status": "IN_PROGRESS"},
        "UpdateDateTime": 1793527200,
        "NextUpdateSeconds": 2**63,
    }
    status, _, data = call(endpoint, MGH + "NotifyMigrationTaskState", body)
    assert status == 400
    assert data["__type"] in ("SerializationException", "InvalidInputException")


def test_unknown_members_are_ignored(endpoint: str) -> None:
    status, _, data = call(endpoint, MGH + "ListProgressUpdateStreams", {"SomethingNew": 1})
    assert status == 200, data


# -- other methods and paths ------------------------------------------------------------------
def test_get_root(endpoint: str) -> None:
    status, _, _data = call(endpoint, None, None, method="GET")
    assert 400 <= status < 500


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods(endpoint: str, method: str) -> None:
    status, _, _ = call(endpoint, MGH + "ListProgressUpdateStreams", {}, method=method)
    assert 400 <= status < 500


def test_unknown_path(endpoint: str) -> None:
    # whether a path prefix is tolerated (behind a proxy) is the server's choice; a 500 is not
    status, _, data = call(endpoint, MGH + "ListProgressUpdateStreams", {}, path="/nothing/here")
    assert status == 200 or (400 <= status < 500), data


# -- body size --------------------------------------------------------------------------------
def _send_big(
    endpoint: str, body: bytes, target: str = MGH + "ListProgressUpdateStreams"
) -> tuple[int, dict[str, str], bytes]:
    """POST a big body; tolerate the server answering before it has read all of it."""
    host, port = endpoint.split("://", 1)[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.putrequest("POST", "/")
        conn.putheader("Content-Type", JSON11)
        conn.putheader("X-Amz-Target", target)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        # The server may refuse early and close; its answer is still readable.
        with contextlib.suppress(TimeoutError, BrokenPipeError, ConnectionResetError):
            conn.send(body)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _padded(size: int) -> bytes:
    head = b'{"MaxResults": 1}'
    return head + b" " * (size - len(head))


def test_body_at_default_limit_is_accepted(server: MighubServer) -> None:
    status, _headers, body = _send_big(server.endpoint, _padded(1024 * 1024))
    assert status == 200, body[:300]


def test_body_over_default_limit(server: MighubServer) -> None:
    status, headers, body = _send_big(server.endpoint, _padded(1024 * 1024 + 1))
    assert status == 413, body[:300]
    assert headers.get("x-amzn-requestid")
    assert json.loads(body)["__type"] == "RequestEntityTooLargeException"
    assert headers.get("x-amzn-errortype", "").split(":")[0] == "RequestEntityTooLargeException"
    status, _, body = _send_big(server.endpoint, _padded(8 * 1024 * 1024))
    assert status == 413
    assert server.is_healthy()
    assert call(server.endpoint, MGH + "ListProgressUpdateStreams", {})[0] == 200


def test_configured_body_limit(server_factory: Any) -> None:
    srv = server_factory(max_body_size=2000)
    assert _send_big(srv.endpoint, _padded(2000))[0] == 200
    status, _, body = _send_big(srv.endpoint, _padded(2001))
    assert status == 413
    assert json.loads(body)["__type"] == "RequestEntityTooLargeException"
    # a request valid in every other way, but over the server's limit, changes nothing
    status, _, body = _send_big(
        srv.endpoint,
        json.dumps({"ProgressUpdateStreamName": "x" * 40, "Pad": "y" * 5000}).encode(),
        target=MGH + "CreateProgressUpdateStream",
    )
    assert status == 413
    assert srv.is_healthy()
    assert srv.client("mgh").list_progress_update_streams()["ProgressUpdateStreamSummaryList"] == []


def test_chunked_body_over_limit(server_factory: Any) -> None:
    srv = server_factory(max_body_size=2000)
    host, port = srv.endpoint.split("://", 1)[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        payload = _padded(10_000)
        chunks = [payload[i : i + 1000] for i in range(0, len(payload), 1000)]
        conn.putrequest("POST", "/")
        conn.putheader("Content-Type", JSON11)
        conn.putheader("X-Amz-Target", MGH + "ListProgressUpdateStreams")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        try:
            for c in chunks:
                conn.send(f"{len(c):x}\r\n".encode() + c + b"\r\n")
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = conn.getresponse()
        assert resp.status == 413
        resp.read()
    finally:
        conn.close()
    assert srv.is_healthy()


# -- error shape ------------------------------------------------------------------------------
def test_modeled_error_shape(endpoint: str) -> None:
    data = assert_error(
        call(endpoint, MGH + "DescribeMigrationTask", {"ProgressUpdateStream": uniq("nope"), "MigrationTaskName": "t"}),
        "ResourceNotFoundException",
    )
    assert data["message"]


def test_validation_error_over_the_wire(endpoint: str) -> None:
    data = assert_error(call(endpoint, MGH + "ListProgressUpdateStreams", {"MaxResults": 101}), "InvalidInputException")
    assert "MaxResults" in data["message"]


def test_request_ids_are_unique(endpoint: str) -> None:
    ids = {call(endpoint, CFG + "GetHomeRegion", {})[1]["x-amzn-requestid"] for _ in range(5)}
    assert len(ids) == 5


def test_health(endpoint: str) -> None:
    status, _headers, body = http_request(endpoint, "GET", "/_mighub/health")
    assert status == 200
    assert json.loads(body)["status"] == "ok"


def test_server_still_healthy_after_abuse(server: MighubServer) -> None:
    # a few raw abuses that never complete a request
    host, port = server.endpoint.split("://", 1)[1].rsplit(":", 1)
    for garbage in (
        b"\x16\x03\x01\x00\xa5\x01\x00",
        b"GARBAGE / HTTP/9.9\r\n\r\n",
        b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n{",
    ):
        with socket.create_connection((host, int(port)), timeout=2) as s:
            s.sendall(garbage)
            s.shutdown(socket.SHUT_WR)
            with contextlib.suppress(TimeoutError, ConnectionResetError):
                s.recv(4096)
    assert server.is_healthy()
    assert call(server.endpoint, MGH + "ListProgressUpdateStreams", {})[0] == 200
