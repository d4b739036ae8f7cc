"""Authentication: every way a request can fail SigV4 gets AWS's code and status, and changes
nothing; a correctly signed request (boto3 or raw botocore SigV4Auth) gets through.

Each failure mode is tried on three requests that would each change the account (create a
stream, delete one, notify a task); an allow-all key then shows the account unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import list_all_streams
from test_auth_helpers import (
    ADMIN_POLICY,
    CONTENT_TYPE,
    Key,
    allow,
    client,
    new_key,
    policy,
    raw_call,
    send,
    signed_request,
    snapshot,
    target,
    uniq_name,
    write_auth_file,
)

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def hub(module_server_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    admin = new_key("admin")
    # A key that may do everything: a refusal can only come from authentication.
    tool = new_key("tool", policy=ADMIN_POLICY)
    reader = new_key("reader", policy=policy(allow(["mgh:List*", "mgh:Describe*", "mgh:Get*"])))
    path = write_auth_file(tmp_path_factory.mktemp("auth") / "auth.toml", [admin, tool, reader])
    srv = module_server_factory(extra_args=("--auth-file", str(path)))
    mgh = client(srv.endpoint, admin)
    mgh.create_progress_update_stream(ProgressUpdateStreamName="keep")
    mgh.import_migration_task(ProgressUpdateStream="keep", MigrationTaskName="t1")
    mgh.notify_migration_task_state(
        ProgressUpdateStream="keep",
        MigrationTaskName="t1",
        Task={"Status": "IN_PROGRESS", "ProgressPercent": 10, "StatusDetail": "original"},
        UpdateDateTime=WHEN,
        NextUpdateSeconds=60,
    )
    return SimpleNamespace(srv=srv, endpoint=srv.endpoint, admin=admin, tool=tool, reader=reader, mgh=mgh)


# Three requests that would each change the account if they got through.
def harmful_requests() -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        "create": ("CreateProgressUpdateStream", {"ProgressUpdateStreamName": uniq_name("evil")}),
        "delete": ("DeleteProgressUpdateStream", {"ProgressUpdateStreamName": "keep"}),
        "notify": (
            "NotifyMigrationTaskState",
            {
                "ProgressUpdateStream": "keep",
                "MigrationTaskName": "t1",
                "Task": {"Status": "COMPLETED", "StatusDetail": "forged"},
                "UpdateDateTime": (WHEN + timedelta(days=1)).timestamp(),
                "NextUpdateSeconds": 0,
            },
        ),
    }


Result = tuple[int, dict[str, str], dict[str, Any]]
NOW = lambda: datetime.now(UTC)  # noqa: E731


def _unsigned(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
    return send(ep, {"Content-Type": CONTENT_TYPE, "X-Amz-Target": target(op)}, json.dumps(params).encode())


def _unsigned_json(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
    # the content type some generated clients send; development mode is lenient with it, auth mode is not
    return send(ep, {"Content-Type": "application/json", "X-Amz-Target": target(op)}, json.dumps(params).encode())


def _with_authorization(mutate: Callable[[str], str]) -> Callable[..., Result]:
    def run(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
        headers, body = signed_request(ep, op, params, key)
        headers["Authorization"] = mutate(headers["Authorization"])
        return send(ep, headers, body)

    return run


def _with_headers(mutate: Callable[[dict[str, str]], None]) -> Callable[..., Result]:
    def run(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
        headers, body = signed_request(ep, op, params, key)
        mutate(headers)
        return send(ep, headers, body)

    return run


def _scope_part(index: int, value: str) -> Callable[[str], str]:
    """Replace one part of Credential=AKID/DATE/REGION/SERVICE/aws4_request."""

    def mutate(auth: str) -> str:
        head, rest = auth.split("Credential=", 1)
        scope, tail = rest.split(",", 1)
        parts = scope.split("/")
        parts[index] = value
        return f"{head}Credential={'/'.join(parts)},{tail}"

    return mutate


def _wrong_secret(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
    return raw_call(ep, op, params, key, secret="x" * 40)


def _unknown_key(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
    return raw_call(ep, op, params, _GHOST)


def _tampered_body(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
    # sign a harmless dry run, send the real thing with the dry run's signature
    headers, _ = signed_request(ep, op, {**params, "DryRun": True}, key)
    return send(ep, headers, json.dumps(params).encode())


def _tampered_target(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
    # sign a read, send it to a write operation
    headers, body = signed_request(ep, "ListProgressUpdateStreams", params, key)
    headers["X-Amz-Target"] = target(op)
    return send(ep, headers, body)


def _wrong_payload_hash(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
    headers, body = signed_request(ep, op, params, key)
    headers["X-Amz-Content-SHA256"] = "0" * 64
    return send(ep, headers, body)


def _signed_at(delta: timedelta) -> Callable[..., Result]:
    def run(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
        return raw_call(ep, op, params, key, at=NOW() + delta)

    return run


def _wrong_service(service: str) -> Callable[..., Result]:
    def run(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
        return raw_call(ep, op, params, key, scope_service=service)

    return run


_GHOST = new_key("ghost")
_BOTO3: dict[tuple[str, str], Any] = {}


def _cached(ep: str, kind: str, make: Callable[[], Any]) -> Any:
    if (ep, kind) not in _BOTO3:
        _BOTO3[ep, kind] = make()
    return _BOTO3[ep, kind]


def _unsigned_boto3(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
    return _boto3(_cached(ep, "unsigned", lambda: client(ep, None)), op, params)


def _wrong_secret_boto3(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
    return _boto3(_cached(ep, "wrong-secret", lambda: client(ep, key, secret="wrong-" + key.secret)), op, params)


def _unknown_key_boto3(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
    return _boto3(_cached(ep, "ghost", lambda: client(ep, _GHOST)), op, params)


def _boto3(mgh: Any, op: str, params: dict[str, Any]) -> Result:
    from botocore import xform_name

    try:
        getattr(mgh, xform_name(op))(**params)
    except ClientError as exc:
        meta = exc.response["ResponseMetadata"]
        body = {"__type": exc.response["Error"]["Code"], "message": exc.response["Error"].get("Message", "")}
        return meta["HTTPStatusCode"], meta.get("HTTPHeaders", {}), body
    return 200, {}, {}


def _signed_for_region(region: str) -> Callable[..., Result]:
    """Correctly signed, for a region that is no region name."""

    def run(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
        return raw_call(ep, op, params, key, region=region)

    return run


def _many_headers(ep: str, op: str, params: dict[str, Any], key: Key) -> Result:
    headers, body = signed_request(ep, op, params, key)
    return send(ep, {**headers, **{f"X-Filler-{i}": "x" for i in range(120)}}, body)


INCOMPLETE = ("IncompleteSignatureException", 400)
INVALID = ("InvalidSignatureException", 400)

FAILURES: dict[str, tuple[Callable[..., Result], tuple[str, int]]] = {
    "unsigned-boto3": (_unsigned_boto3, ("MissingAuthenticationTokenException", 403)),
    "unsigned-raw": (_unsigned, ("MissingAuthenticationTokenException", 403)),
    "unsigned-application-json": (_unsigned_json, ("MissingAuthenticationTokenException", 403)),
    "truncated-half": (_with_authorization(lambda a: a[: len(a) // 2]), INCOMPLETE),
    "truncated-before-signature": (_with_authorization(lambda a: a.split(", Signature=")[0]), INCOMPLETE),
    "algorithm-only": (_with_authorization(lambda a: "AWS4-HMAC-SHA256"), INCOMPLETE),
    "empty-signature": (_with_authorization(lambda a: a.split("Signature=")[0] + "Signature="), INCOMPLETE),
    "wrong-algorithm": (
        _with_authorization(lambda a: a.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1)),
        INCOMPLETE,
    ),
    "sigv2-style": (_with_authorization(lambda a: "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="), INCOMPLETE),
    "bearer": (_with_authorization(lambda a: "Bearer eyJhbGciOiJIUzI1NiJ9"), INCOMPLETE),
    "no-signed-headers": (
        _with_authorization(lambda a: ",".join(p for p in a.split(",") if "SignedHeaders" not in p)),
        INCOMPLETE,
    ),
    "short-credential-scope": (
        _with_authorization(lambda a: a.replace("/aws4_request", "", 1)),
        INCOMPLETE,
    ),
    "host-not-signed": (
        _with_authorization(lambda a: a.replace("host;", "").replace(";host", "")),
        INCOMPLETE,
    ),
    "no-x-amz-date": (_with_headers(lambda h: h.pop("X-Amz-Date")), INCOMPLETE),
    "garbage-x-amz-date": (_with_headers(lambda h: h.__setitem__("X-Amz-Date", "yesterday")), INCOMPLETE),
    "truncated-signature": (_with_authorization(lambda a: a[:-6]), INVALID),
    "flipped-signature": (
        _with_authorization(lambda a: a[:-1] + ("0" if a[-1] != "0" else "1")),
        INVALID,
    ),
    "wrong-secret-raw": (_wrong_secret, INVALID),
    "wrong-secret-boto3": (_wrong_secret_boto3, INVALID),
    "unknown-key-raw": (_unknown_key, ("UnrecognizedClientException", 400)),
    "unknown-key-boto3": (_unknown_key_boto3, ("UnrecognizedClientException", 400)),
    "tampered-body": (_tampered_body, INVALID),
    "tampered-target": (_tampered_target, INVALID),
    "wrong-payload-hash": (_wrong_payload_hash, INVALID),
    "stale-16-min-old": (_signed_at(-timedelta(minutes=16)), INVALID),
    "stale-2-hours-old": (_signed_at(-timedelta(hours=2)), INVALID),
    "16-min-in-future": (_signed_at(timedelta(minutes=16)), INVALID),
    "scope-service-dynamodb": (_wrong_service("dynamodb"), INVALID),
    "scope-service-migrationhub-config": (_wrong_service("migrationhub-config"), INVALID),
    "scope-date-not-x-amz-date": (_with_authorization(_scope_part(1, "20200101")), INVALID),
    "scope-region-changed": (_with_authorization(_scope_part(2, "eu-west-1")), INVALID),
    # every part of the scope is of form before anything uses it, even when signed for
    "signed-for-a-region-of-40000-colons": (_signed_for_region(":" * 40_000), INCOMPLETE),
    "signed-for-a-region-of-4000-colons": (_signed_for_region(":" * 4_000), INCOMPLETE),
    "signed-for-a-region-with-a-slash-escape": (_signed_for_region("us-east-1%2F"), INCOMPLETE),
    "scope-date-not-a-date": (_with_authorization(_scope_part(1, "20261399")), INCOMPLETE),
    "scope-key-id-not-a-key-id": (_with_authorization(_scope_part(0, "AKIA:*")), INCOMPLETE),
    "scope-service-not-a-name": (_with_authorization(_scope_part(3, "mgh mgh")), INCOMPLETE),
    "non-ascii-signature": (
        _with_authorization(lambda a: a.split("Signature=")[0] + "Signature=" + "é" * 64),
        INCOMPLETE,
    ),
    "empty-signed-header-name": (
        _with_authorization(lambda a: a.replace("SignedHeaders=", "SignedHeaders=;")),
        INCOMPLETE,
    ),
    "too-many-signed-headers": (
        _with_authorization(
            lambda a: a.replace("SignedHeaders=", "SignedHeaders=" + "".join(f"x-h{i};" for i in range(70)))
        ),
        INCOMPLETE,
    ),
    "overlong-authorization": (_with_authorization(lambda a: a + ", Signature" + "0" * 9000), INCOMPLETE),
    "junk-after-the-signature": (_with_authorization(lambda a: a + " and more"), INCOMPLETE),
    "too-many-headers": (_many_headers, ("RequestEntityTooLargeException", 413)),
}


@pytest.mark.parametrize("request_kind", ["create", "delete", "notify"])
@pytest.mark.parametrize("mode", list(FAILURES))
def test_authentication_failure_changes_nothing(hub: SimpleNamespace, mode: str, request_kind: str) -> None:
    run, (code, status) = FAILURES[mode]
    operation, params = harmful_requests()[request_kind]
    before = snapshot(hub.endpoint, hub.admin)
    got_status, headers, body = run(hub.endpoint, operation, params, hub.tool)
    assert (body.get("__type"), got_status) == (code, status), body
    assert body.get("message") or body.get("Message")
    if headers:  # raw responses: AWS's error headers
        assert headers.get("x-amzn-errortype", "").split(":")[0] == code
        assert headers.get("x-amzn-requestid")
    assert snapshot(hub.endpoint, hub.admin) == before
    if request_kind == "create":
        assert params["ProgressUpdateStreamName"] not in list_all_streams(hub.mgh)


def test_the_failure_table_is_not_vacuous(hub: SimpleNamespace) -> None:
    """The same requests, correctly signed (raw and boto3), do get through."""
    name = uniq_name("good")
    status, headers, body = raw_call(
        hub.endpoint, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": name}, hub.tool
    )
    assert status == 200, body
    assert headers.get("x-amzn-requestid")
    assert name in list_all_streams(hub.mgh)
    status, _, body = raw_call(hub.endpoint, "DeleteProgressUpdateStream", {"ProgressUpdateStreamName": name}, hub.tool)
    assert status == 200, body
    client(hub.endpoint, hub.tool).create_progress_update_stream(ProgressUpdateStreamName=name + "-boto3")
    assert name + "-boto3" in list_all_streams(hub.mgh)


@pytest.mark.parametrize("minutes", [-10, 10])
def test_skew_within_fifteen_minutes_is_accepted(hub: SimpleNamespace, minutes: int) -> None:
    name = uniq_name("skew")
    status, _, body = raw_call(
        hub.endpoint,
        "CreateProgressUpdateStream",
        {"ProgressUpdateStreamName": name},
        hub.tool,
        at=datetime.now(UTC) + timedelta(minutes=minutes),
    )
    assert status == 200, body
    assert name in list_all_streams(hub.mgh)


def test_signature_covers_every_signed_header(hub: SimpleNamespace) -> None:
    """A header named in SignedHeaders but missing from the request fails the signature."""
    headers, body = signed_request(
        hub.endpoint, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": uniq_name()}, hub.tool
    )
    headers.pop("X-Amz-Target")
    # without a target the request names no operation: that is refused before authentication
    status, _, answer = send(hub.endpoint, headers, body)
    assert status == 400 and answer["__type"] == "UnknownOperationException"
    headers, body = signed_request(
        hub.endpoint, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": uniq_name()}, hub.tool
    )
    headers["Authorization"] = headers["Authorization"].replace("SignedHeaders=", "SignedHeaders=x-custom-header;")
    status, _, answer = send(hub.endpoint, headers, body)
    assert (status, answer["__type"]) == (400, "InvalidSignatureException")


def test_read_operations_also_need_a_signature(hub: SimpleNamespace) -> None:
    """Nothing is readable without credentials: list, describe and home-region calls."""
    anonymous = client(hub.endpoint, None)
    anonymous_config = client(hub.endpoint, None, "migrationhub-config")
    for call in (
        anonymous.list_progress_update_streams,
        anonymous.list_migration_tasks,
        lambda: anonymous.describe_migration_task(ProgressUpdateStream="keep", MigrationTaskName="t1"),
        anonymous_config.get_home_region,
        anonymous_config.describe_home_region_controls,
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert exc.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    stranger = client(hub.endpoint, new_key("stranger"))
    with pytest.raises(ClientError) as exc:
        stranger.list_migration_tasks()
    assert exc.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_a_policy_refusal_is_not_an_authentication_failure(hub: SimpleNamespace) -> None:
    """A well-signed request by a key whose policy does not allow the call: AccessDenied."""
    reader = client(hub.endpoint, hub.reader)
    assert "keep" in list_all_streams(reader)
    name = uniq_name("ro")
    with pytest.raises(ClientError) as exc:
        reader.create_progress_update_stream(ProgressUpdateStreamName=name)
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert name not in list_all_streams(hub.mgh)


def test_both_models_sign_as_mgh(hub: SimpleNamespace) -> None:
    """boto3's migrationhub-config client signs with service mgh and is accepted."""
    config = client(hub.endpoint, hub.tool, "migrationhub-config")
    assert config.get_home_region()["HomeRegion"] == "us-east-1"
    status, _, body = raw_call(hub.endpoint, "GetHomeRegion", {}, hub.tool, service="migrationhub-config")
    assert status == 200 and body["HomeRegion"] == "us-east-1"


def test_the_target_must_be_signed(hub: SimpleNamespace) -> None:
    """A signature that leaves X-Amz-Target out could be replayed as another operation."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    name = uniq_name()
    body = json.dumps({"ProgressUpdateStreamName": name}).encode()
    request = AWSRequest(
        method="POST", url=hub.endpoint + "/", data=body, headers={"Content-Type": "application/x-amz-json-1.1"}
    )
    SigV4Auth(Credentials(hub.tool.access_key_id, hub.tool.secret), "mgh", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    headers["X-Amz-Target"] = "AWSMigrationHub.DeleteProgressUpdateStream"  # added after signing
    status, _, answer = send(hub.endpoint, headers, body)
    assert (status, answer["__type"]) == (400, "IncompleteSignatureException")
    assert "x-amz-target" in answer["message"]
