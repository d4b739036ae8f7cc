"""The ``/_mighub/`` endpoints: what health tells whom, and one audit line per request,
as for the AWS API."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from e2e_helpers import http_request, poll
from test_auth_helpers import ACCOUNT_A, Key, allow, new_key, policy, write_auth_file


def signed_get(endpoint: str, path: str, key: Key | None, secret: str | None = None) -> tuple[int, dict[str, str], Any]:
    request = AWSRequest(method="GET", url=endpoint + path)
    if key is not None:
        SigV4Auth(Credentials(key.access_key_id, secret or key.secret), "mgh", "us-east-1").add_auth(request)
    status, headers, body = http_request(endpoint, "GET", path, headers=dict(request.headers.items()))
    return status, headers, json.loads(body)


def audit_lines(log: Path) -> list[dict[str, Any]]:
    text = log.read_text() if log.exists() else ""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def audited(server_factory: Any, tmp_path: Path) -> SimpleNamespace:
    admin = new_key("admin")
    nobody = new_key("nobody", policy=policy(allow("mgh:GetHomeRegion")))
    log = tmp_path / "audit.jsonl"
    auth = write_auth_file(tmp_path / "auth.toml", [admin, nobody])
    srv = server_factory(extra_args=("--auth-file", str(auth), "--audit-log", str(log)))
    return SimpleNamespace(endpoint=srv.endpoint, admin=admin, nobody=nobody, log=log)


def test_health_says_only_its_status_to_unknown_callers_of_a_hub_with_an_auth_file(audited: SimpleNamespace) -> None:
    ep = audited.endpoint
    status, _, body = signed_get(ep, "/_mighub/health", None)
    assert (status, body) == (200, {"status": "ok"})
    status, _, body = signed_get(ep, "/_mighub/health", audited.admin, secret="wrong-" + "x" * 34)
    assert (status, body) == (200, {"status": "ok"})  # a load balancer's check never fails on a signature
    status, _, body = signed_get(ep, "/_mighub/health", audited.nobody)
    assert status == 200 and body["status"] == "ok" and body["database"] and body["version"]


def test_health_in_development_mode_tells_everything(server: Any) -> None:
    status, _, body = http_request(server.endpoint, "GET", "/_mighub/health")
    assert status == 200 and set(json.loads(body)) == {"status", "database", "version"}


def test_every_mighub_request_is_audited(audited: SimpleNamespace) -> None:
    ep, admin, nobody = audited.endpoint, audited.admin, audited.nobody
    expected: dict[str, dict[str, Any]] = {}
    for path, key, code, fields in (
        (
            "/_mighub/api/tasks",
            admin,
            None,
            {"eventName": "mighub:ListTasks", "principal": "admin", "decision": "Allow", "resource": "*"},
        ),
        ("/_mighub/api/tasks?status=BOGUS", admin, "InvalidInputException", {"eventName": "mighub:ListTasks"}),
        (
            "/_mighub/api/tasks",
            nobody,
            "AccessDeniedException",
            {"eventName": "mighub:ListTasks", "principal": "nobody", "decision": "Deny"},
        ),
        ("/_mighub/api/tasks", None, "MissingAuthenticationTokenException", {"eventName": "mighub:ListTasks"}),
        ("/_mighub/health", None, None, {"eventName": "mighub:Health", "principal": None}),
        ("/_mighub/health", admin, None, {"eventName": "mighub:Health", "principal": "admin", "accountId": ACCOUNT_A}),
        ("/_mighub/nothing-here", None, "NotFound", {"eventName": None}),
    ):
        status, headers, body = signed_get(ep, path, key)
        assert (body.get("error") if status != 200 else None) == code, path
        expected[headers["x-amzn-requestid"]] = {"errorCode": code, "eventSource": "mighub", **fields}

    def written() -> dict[str, dict[str, Any]] | None:
        got = {line["requestId"]: line for line in audit_lines(audited.log)}
        return got if expected.keys() <= got.keys() else None

    lines = poll(written)
    for request_id, fields in expected.items():
        line = lines[request_id]
        assert {name: line.get(name) for name in fields} == fields, line
        assert line["sourceIPAddress"] == "127.0.0.1"
    assert admin.secret not in audited.log.read_text()
