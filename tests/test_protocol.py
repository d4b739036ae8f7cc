"""The AWS JSON 1.1 protocol: bodies, targets, content types, big bodies, error shapes.

What is decided by reading the body (malformed JSON, a body that is no object, wrong
JSON types, deep nesting, huge numbers) is checked in process, on ``json11.parse_body``
and the compiled validator, with a sample over the wire; so is the response form of the
hub's answers (``Hub.call`` and ``json11.dump``). What only the wire has (targets, methods,
paths, content types, body limits, error headers, request ids) is spoken by hand over HTTP
to a ``mighub serve``: every response must carry ``x-amzn-RequestId``; none may be a 500;
the server must stay healthy afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import socket
from typing import Any

import orjson
import pytest

from e2e_helpers import MighubServer, http_request, uniq
from mighub.context import RequestContext
from mighub.errors import InvalidInputException, SerializationException, ServiceError
from mighub.models import operations_by_target
from mighub.protocol import json11
from mighub.protocol.validation import validate_input
from mighub.server.hub import Hub
from mighub.store.engine import Store

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


def read(target: str, body: bytes | Any) -> dict[str, Any]:
    """What the hub makes of a request body for ``target``: parsed, then validated."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return validate_input(operations_by_target()[target].model.input_shape, json11.parse_body(raw))


def refused(target: str, body: bytes | Any) -> ServiceError:
    with pytest.raises(ServiceError) as exc:
        read(target, body)
    assert exc.value.status == 400
    assert orjson.loads(json11.error_body(exc.value))["__type"] == exc.value.code
    return exc.value


def answer(hub: Hub, target: str, body: dict[str, Any]) -> Any:
    """The hub's answer to a call, as the JSON 1.1 body it sends."""
    ctx = RequestContext(operation=operations_by_target()[target])
    return orjson.loads(json11.dump(asyncio.run(hub.call(ctx, body))))


def test_empty_output_is_empty_object(store: Store) -> None:
    hub = Hub(store)
    ctx = RequestContext(operation=operations_by_target()[MGH + "CreateProgressUpdateStream"])
    assert json11.dump(asyncio.run(hub.call(ctx, {"ProgressUpdateStreamName": "raw"}))) == b"{}"


def test_timestamps_are_epoch_numbers(store: Store) -> None:
    hub = Hub(store)
    ids = {"ProgressUpdateStream": "rawts", "MigrationTaskName": "t"}
    answer(hub, MGH + "CreateProgressUpdateStream", {"ProgressUpdateStreamName": "rawts"})
    answer(hub, MGH + "ImportMigrationTask", ids)
    notify = {
        **ids,
        "Task": {"Status": "IN_PROGRESS", "ProgressPercent": 5},
        "UpdateDateTime": 1793527200.5,
        "NextUpdateSeconds": 9223372036854775807,
    }
    assert answer(hub, MGH + "NotifyMigrationTaskState", notify) == {}
    data = answer(hub, MGH + "DescribeMigrationTask", ids)
    assert isinstance(data["MigrationTask"]["UpdateDateTime"], float)
    assert data["MigrationTask"]["UpdateDateTime"] == pytest.approx(1793527200.5, abs=0.001)
    # an integer epoch is a timestamp too
    assert answer(hub, MGH + "NotifyMigrationTaskState", {**notify, "UpdateDateTime": 1793527300}) == {}
    assert answer(hub, MGH + "DescribeMigrationTask", ids)["MigrationTask"]["UpdateDateTime"] == 1793527300


def test_timestamps_are_epoch_numbers_on_the_wire(endpoint: str) -> None:
    stream = uniq("rawts")
    assert call(endpoint, MGH + "CreateProgressUpdateStream", {"ProgressUpdateStreamName": stream})[0] == 200
    ids = {"ProgressUpdateStream": stream, "MigrationTaskName": "t"}
    assert call(endpoint, MGH + "ImportMigrationTask", ids)[0] == 200
    notify = {**ids, "Task": {"Status": "IN_PROGRESS"}, "UpdateDateTime": 1793527200.5, "NextUpdateSeconds": 60}
    status, _, data = call(endpoint, MGH + "NotifyMigrationTaskState", notify)
    assert (status, data) == (200, {})
    status, _, data = call(endpoint, MGH + "DescribeMigrationTask", ids)
    assert status == 200 and data["MigrationTask"]["UpdateDateTime"] == pytest.approx(1793527200.5, abs=0.001)


def test_application_json_content_type_is_accepted(endpoint: str) -> None:
    status, _, data = call(endpoint, MGH + "ListProgressUpdateStreams", {}, content_type="application/json")
    assert status == 200, data


def test_missing_content_type(endpoint: str) -> None:
    # The hub reads every body as JSON 1.1 whatever its content type says: boto3 and the
    # SDKs always send application/x-amz-json-1.1, and a lenient reading loses nothing.
    status, _, data = call(endpoint, MGH + "ListProgressUpdateStreams", {}, content_type=None)
    assert status == 200, data
    assert "ProgressUpdateStreamSummaryList" in data


def test_content_type_parameters_are_ignored(endpoint: str) -> None:
    # Smithy's awsJson1_1 server test AwsJson11MustSupportParametersInContentType.
    status, _, data = call(endpoint, MGH + "ListProgressUpdateStreams", {}, content_type=JSON11 + "; charset=utf-8")
    assert status == 200, data


def test_empty_body_is_empty_input() -> None:
    # AWS services take a request with no payload as one with "{}" (Smithy's awsJson notes).
    assert read(MGH + "ListProgressUpdateStreams", b"") == {}
    assert read(CFG + "GetHomeRegion", b"  \r\n") == {}


def test_empty_body_on_the_wire(endpoint: str) -> None:
    status, _, data = call(endpoint, MGH + "ListProgressUpdateStreams", b"")
    assert status == 200, data
    assert "ProgressUpdateStreamSummaryList" in data


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
def test_malformed_json(target: str, body: bytes) -> None:
    error = refused(target, body)
    assert isinstance(error, SerializationException), error
    assert error.message.startswith("The request body is not valid JSON"), error.message


def test_malformed_json_on_the_wire(endpoint: str) -> None:
    data = assert_error(call(endpoint, MGH + "ListProgressUpdateStreams", b'{"MaxResults": '), "SerializationException")
    assert data["message"].startswith("The request body is not valid JSON"), data


@pytest.mark.parametrize("body", [b"[]", b'"string"', b"42", b"true", b"null", b"[{}]"], ids=lambda b: b.decode())
def test_non_object_body(body: bytes) -> None:
    error = refused(MGH + "ListProgressUpdateStreams", body)
    assert isinstance(error, SerializationException)
    assert error.message == "The request body must be a JSON object"


WRONGLY_TYPED = {  # the member each case gets wrong, by case id
    "name": "ProgressUpdateStreamName",
    "dryrun": "DryRun",
    "maxresults": "MaxResults",
    "token": "NextToken",
    "task": "Task",
    "percent": "Task.ProgressPercent",
    "status": "Task.Status",
    "time": "UpdateDateTime",
    "nextupdate": "NextUpdateSeconds",
}


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
def test_wrong_json_types(request: pytest.FixtureRequest, target: str, body: dict[str, Any]) -> None:
    error = refused(MGH + target, body)
    assert isinstance(error, SerializationException), error
    member = WRONGLY_TYPED[request.node.callspec.id.split("-")[0]]
    assert error.message.startswith(f"Value at '{member}' must be "), error.message


def test_wrong_json_type_on_the_wire(endpoint: str) -> None:
    data = assert_error(
        call(endpoint, MGH + "CreateProgressUpdateStream", {"ProgressUpdateStreamName": 123}), "SerializationException"
    )
    assert data["message"] == "Value at 'ProgressUpdateStreamName' must be a string, not a number"


def test_deeply_nested_json() -> None:
    body = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert isinstance(refused(MGH + "ListProgressUpdateStreams", body), SerializationException)


def test_huge_integer() -> None:
    # A JSON number is of the member's type however large: out of range, not of another type.
    error = refused(MGH + "ListProgressUpdateStreams", b'{"MaxResults": 1' + b"0" * 400 + b"}")
    assert isinstance(error, InvalidInputException)
    assert "at 'MaxResults' failed to satisfy constraint: Member must have value less than or equal to 100" in (
        error.message
    )


def test_next_update_seconds_over_int64() -> None:
    # NextUpdateSeconds is a long (64 bits) with no max of its own: 2**63 is past its range.
    body = {
        "ProgressUpdateStream": "s",
        "MigrationTaskName": "t",
        "Task": {"Status": "IN_PROGRESS"},
        "UpdateDateTime": 1793527200,
        "NextUpdateSeconds": 2**63,
    }
    error = refused(MGH + "NotifyMigrationTaskState", body)
    assert isinstance(error, InvalidInputException)
    assert (
        "at 'NextUpdateSeconds' failed to satisfy constraint: Member must have value less than or equal to "
        "9223372036854775807" in error.message
    )
    assert read(MGH + "NotifyMigrationTaskState", {**body, "NextUpdateSeconds": 2**63 - 1})["NextUpdateSeconds"] == (
        2**63 - 1
    )


def test_unknown_members_are_ignored() -> None:
    assert read(MGH + "ListProgressUpdateStreams", {"SomethingNew": 1, "MaxResults": 5}) == {"MaxResults": 5}


# -- other methods and paths ------------------------------------------------------------------
def test_get_root(endpoint: str) -> None:
    data = assert_error(call(endpoint, None, None, method="GET"), "UnknownOperationException")
    assert data["message"] == "Missing X-Amz-Target header naming the operation"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods(endpoint: str, method: str) -> None:
    # AWS JSON 1.1 is POST only: any other method names no operation
    assert_error(call(endpoint, MGH + "ListProgressUpdateStreams", {}, method=method), "UnknownOperationException")


def test_unknown_path(endpoint: str) -> None:
    # The operation is named by X-Amz-Target alone, so a path prefix (a proxy's) is tolerated.
    status, _, data = call(endpoint, MGH + "ListProgressUpdateStreams", {}, path="/nothing/here")
    assert status == 200, data
    assert "ProgressUpdateStreamSummaryList" in data


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
