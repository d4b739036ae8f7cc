"""The audit log: one JSON line per API request, CloudTrail-like, with who, what, which
resource, the decision and the error code, and never a secret or a signature."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import MighubServer, http_request, poll
from test_auth_helpers import (
    ACCOUNT_A,
    CONTENT_TYPE,
    allow,
    client,
    new_key,
    policy,
    send,
    signed_request,
    stream_arn,
    target,
    task_arn,
    write_auth_file,
)

FIELDS = {
    "eventTime",
    "requestId",
    "principal",
    "accountId",
    "accessKeyId",
    "eventName",
    "resource",
    "decision",
    "errorCode",
    "sourceIPAddress",
}
WRONG_SECRET = "wRoNg-SeCrEt-" + "q" * 27


@pytest.fixture
def audited(server_factory: Any, tmp_path: Path) -> SimpleNamespace:
    admin = new_key("admin")
    tool = new_key("tool", policy=policy(allow("mgh:CreateProgressUpdateStream", stream_arn("tool-stream"))))
    log = tmp_path / "audit.jsonl"
    auth = write_auth_file(tmp_path / "auth.toml", [admin, tool])
    srv = server_factory(extra_args=("--auth-file", str(auth), "--audit-log", str(log)))
    return SimpleNamespace(endpoint=srv.endpoint, admin=admin, tool=tool, log=log, srv=srv)


def request_id(call: Any) -> tuple[str, str | None]:
    """(request id, error code) of a boto3 call."""
    try:
        response = call()
    except ClientError as exc:
        return exc.response["ResponseMetadata"]["RequestId"], exc.response["Error"]["Code"]
    return response["ResponseMetadata"]["RequestId"], None


def read_lines(log: Path) -> list[dict[str, Any]]:
    text = log.read_text() if log.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_one_line_per_request_with_who_what_and_decision(audited: SimpleNamespace) -> None:
    ep, admin, tool = audited.endpoint, audited.admin, audited.tool
    mgh_admin, mgh_tool = client(ep, admin), client(ep, tool)
    expected: dict[str, dict[str, Any]] = {}  # request id -> fields the line must have
    who_admin = {"principal": "admin", "accountId": ACCOUNT_A, "accessKeyId": admin.access_key_id}
    who_tool = {"principal": "tool", "accountId": ACCOUNT_A, "accessKeyId": tool.access_key_id}

    def expect(call: Any, code: str | None, **fields: Any) -> None:
        rid, got = request_id(call)
        assert got == code
        expected[rid] = {"errorCode": code, **fields}

    expect(
        lambda: mgh_admin.create_progress_update_stream(ProgressUpdateStreamName="audit-a"),
        None,
        eventName="CreateProgressUpdateStream",
        resource=stream_arn("audit-a"),
        decision="Allow",
        **who_admin,
    )
    expect(
        lambda: mgh_admin.import_migration_task(ProgressUpdateStream="audit-a", MigrationTaskName="t1"),
        None,
        eventName="ImportMigrationTask",
        resource=task_arn("audit-a", "t1"),
        decision="Allow",
        **who_admin,
    )
    expect(
        lambda: mgh_admin.list_migration_tasks(),
        None,
        eventName="ListMigrationTasks",
        resource="*",
        decision="Allow",
        **who_admin,
    )
    expect(
        lambda: client(ep, admin, "migrationhub-config").get_home_region(),
        None,
        eventName="GetHomeRegion",
        resource="*",
        decision="Allow",
        **who_admin,
    )
    expect(
        lambda: mgh_tool.create_progress_update_stream(ProgressUpdateStreamName="not-yours"),
        "AccessDeniedException",
        eventName="CreateProgressUpdateStream",
        resource=stream_arn("not-yours"),
        decision="Deny",
        **who_tool,
    )
    expect(
        lambda: mgh_tool.create_progress_update_stream(ProgressUpdateStreamName="tool-stream", DryRun=True),
        "DryRunOperation",
        eventName="CreateProgressUpdateStream",
        resource=stream_arn("tool-stream"),
        decision="Allow",
        **who_tool,
    )
    expect(
        lambda: mgh_tool.delete_progress_update_stream(ProgressUpdateStreamName="audit-a", DryRun=True),
        "UnauthorizedOperation",
        eventName="DeleteProgressUpdateStream",
        resource=stream_arn("audit-a"),
        decision="Deny",
        **who_tool,
    )
    # authentication failures: the operation is known, nobody is authenticated
    expect(
        lambda: client(ep, tool, secret=WRONG_SECRET).list_progress_update_streams(),
        "InvalidSignatureException",
        eventName="ListProgressUpdateStreams",
        principal=None,
        accountId=None,
        accessKeyId=tool.access_key_id,  # the key the refused request claimed
    )
    ghost = new_key("ghost")
    expect(
        lambda: client(ep, ghost).list_progress_update_streams(),
        "UnrecognizedClientException",
        eventName="ListProgressUpdateStreams",
        principal=None,
        accountId=None,
    )
    expect(
        lambda: client(ep, None).list_progress_update_streams(), "MissingAuthenticationTokenException", principal=None
    )
    # raw requests: a signed one, and one naming no operation
    headers, body = signed_request(ep, "ListProgressUpdateStreams", {}, admin)
    status, response_headers, _ = send(ep, headers, body)
    assert status == 200
    expected[response_headers["x-amzn-requestid"]] = {"errorCode": None, "decision": "Allow", **who_admin}
    signatures = [headers["Authorization"].rsplit("Signature=", 1)[1]]
    headers, body = signed_request(ep, "ListProgressUpdateStreams", {}, admin)
    headers["X-Amz-Target"] = "AWSMigrationHub.LaunchRockets"
    status, response_headers, _ = send(ep, headers, body)
    assert status == 400
    expected[response_headers["x-amzn-requestid"]] = {"errorCode": "UnknownOperationException", "eventName": None}
    signatures.append(headers["Authorization"].rsplit("Signature=", 1)[1])
    # the hub's own endpoints are audited too, under names of their own
    status, response_headers, _ = http_request(ep, "GET", "/_mighub/health")
    assert status == 200
    expected[response_headers["x-amzn-requestid"]] = {"errorCode": None, "eventName": "mighub:Health"}

    def written() -> list[dict[str, Any]]:
        # the health checks that waited for the server to start are audited too: not these
        lines = [line for line in read_lines(audited.log) if not _startup_check(line, expected)]
        return lines if len(lines) >= len(expected) else []

    lines = poll(written)
    assert len(lines) == len(expected), "one line per request, no more"
    by_id = {line["requestId"]: line for line in lines}
    assert set(by_id) == set(expected)
    for rid, fields in expected.items():
        line = by_id[rid]
        assert set(line) >= FIELDS, line
        assert line["sourceIPAddress"] == "127.0.0.1"
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", line["eventTime"])
        for name, value in fields.items():
            assert line[name] == value, (name, line)

    text = audited.log.read_text()
    for secret in (admin.secret, tool.secret, ghost.secret, WRONG_SECRET):
        assert secret not in text
    assert "Signature=" not in text and "AWS4-HMAC-SHA256" not in text
    for signature in signatures:
        assert signature not in text


def _startup_check(line: dict[str, Any], expected: Any = ()) -> bool:
    return line["eventName"] == "mighub:Health" and line["requestId"] not in expected


def test_audit_log_to_standard_output(tmp_path: Path, databases: Any) -> None:
    admin = new_key("admin")
    auth = write_auth_file(tmp_path / "auth.toml", [admin])
    srv = MighubServer(
        tmp_path / "data",
        tmp_path / "server.log",
        extra_args=("--auth-file", str(auth), "--audit-log", "-"),
        databases=databases,
    )
    srv.start()
    try:
        rid = client(srv.endpoint, admin).list_progress_update_streams()["ResponseMetadata"]["RequestId"]
        status, _, _ = send(
            srv.endpoint, {"Content-Type": CONTENT_TYPE, "X-Amz-Target": target("ListMigrationTasks")}, b"{}"
        )
        assert status == 403

        def audit_lines() -> list[dict[str, Any]]:
            found = []
            for line in srv.log_path.read_text().splitlines():
                if line.startswith("{") and not _startup_check(json.loads(line)):
                    found.append(json.loads(line))
            return found if len(found) >= 2 else []

        lines = poll(audit_lines)
        assert next(line["requestId"] for line in lines) == rid
        assert lines[1]["errorCode"] == "MissingAuthenticationTokenException"
        assert admin.secret not in srv.log_path.read_text()
        assert "Signature=" not in srv.log_path.read_text()
    finally:
        srv.kill()
