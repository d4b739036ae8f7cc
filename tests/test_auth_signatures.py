"""Authentication: every way a request can fail SigV4 gets AWS's code and status, and changes
nothing; a correctly signed request (raw botocore SigV4Auth, boto3, the aws CLI) gets through.

In process, through the whole ``App`` over a real store (every header the gate reads, the
verifier, ``Hub.call``): each failure mode is tried on three requests that would each
change the account (create a stream, delete one, notify a task); an allow-all key then
shows the account unchanged. Over HTTP, against a ``mighub serve --auth-file``: real boto3
and the real aws CLI sign requests the hub accepts, and a sample of the failures is
answered with the same status, code and headers on the wire.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import list_all_streams
from inproc_calls import HubClient, asgi, auth_app
from mighub.store.engine import Store
from test_auth_helpers import (
    ADMIN_POLICY,
    CONTENT_TYPE,
    Key,
    allow,
    client,
    new_key,
    policy,
    signed_request,
    snapshot,
    snapshot_with,
    target,
    uniq_name,
    write_auth_file,
)
from test_auth_helpers import send as send_http

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ENDPOINT = "http://hub.test"  # what the in-process requests are signed for (their Host)


def _keys() -> SimpleNamespace:
    return SimpleNamespace(
        admin=new_key("admin"),
        # A key that may do everything: a refusal can only come from authentication.
        tool=new_key("tool", policy=ADMIN_POLICY),
        reader=new_key("reader", policy=policy(allow(["mgh:List*", "mgh:Describe*", "mgh:Get*"]))),
    )


def _seed(mgh: Any) -> None:
    mgh.create_progress_update_stream(ProgressUpdateStreamName="keep")
    mgh.import_migration_task(ProgressUpdateStream="keep", MigrationTaskName="t1")
    mgh.notify_migration_task_state(
        ProgressUpdateStream="keep",
        MigrationTaskName="t1",
        Task={"Status": "IN_PROGRESS", "ProgressPercent": 10, "StatusDetail": "original"},
        UpdateDateTime=WHEN,
        NextUpdateSeconds=60,
    )


class InProcess:
    """The hub with an auth file, in process: requests are ASGI calls of its ``App``."""

    def __init__(self, store: Store, keys: SimpleNamespace) -> None:
        self.app = auth_app(store, [keys.admin, keys.tool, keys.reader])
        self.keys = keys
        self.mgh = HubClient(self.app.hub, keys.admin)
        self.cfg = HubClient(self.app.hub, keys.admin, "migrationhub-config")

    def send(self, headers: dict[str, str], body: bytes) -> Result:
        status, answer_headers, data = asgi(self.app, "POST", "/", headers, body)
        return status, answer_headers, json.loads(data) if data else {}

    def raw_call(self, op: str, params: dict[str, Any], key: Key, **kwargs: Any) -> Result:
        return self.send(*signed_request(ENDPOINT, op, params, key, **kwargs))

    def signed(self, op: str, params: dict[str, Any], key: Key, **kwargs: Any) -> tuple[dict[str, str], bytes]:
        return signed_request(ENDPOINT, op, params, key, **kwargs)

    def snapshot(self) -> dict[str, Any]:
        return snapshot_with(self.mgh, self.cfg)

    def streams(self) -> list[str]:
        return list_all_streams(self.mgh)


class OverHttp:
    """The same, against a ``mighub serve --auth-file``."""

    def __init__(self, endpoint: str, keys: SimpleNamespace) -> None:
        self.endpoint, self.keys = endpoint, keys
        self.mgh = client(endpoint, keys.admin)

    def send(self, headers: dict[str, str], body: bytes) -> Result:
        return send_http(self.endpoint, headers, body)

    def raw_call(self, op: str, params: dict[str, Any], key: Key, **kwargs: Any) -> Result:
        return self.send(*signed_request(self.endpoint, op, params, key, **kwargs))

    def signed(self, op: str, params: dict[str, Any], key: Key, **kwargs: Any) -> tuple[dict[str, str], bytes]:
        return signed_request(self.endpoint, op, params, key, **kwargs)

    def snapshot(self) -> dict[str, Any]:
        return snapshot(self.endpoint, self.keys.admin)

    def streams(self) -> list[str]:
        return list_all_streams(self.mgh)


@pytest.fixture(scope="module")
def hub(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    store = Store(databases.fresh_url(tmp_path_factory.mktemp("signatures")))
    found = InProcess(store, _keys())
    _seed(found.mgh)
    yield found
    store.close()


@pytest.fixture(scope="module")
def wire(module_server_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> OverHttp:
    keys = _keys()
    path = write_auth_file(tmp_path_factory.mktemp("auth") / "auth.toml", [keys.admin, keys.tool, keys.reader])
    srv = module_server_factory(extra_args=("--auth-file", str(path)))
    found = OverHttp(srv.endpoint, keys)
    _seed(found.mgh)
    return found


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


def _unsigned(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
    return hub.send({"Content-Type": CONTENT_TYPE, "X-Amz-Target": target(op)}, json.dumps(params).encode())


def _unsigned_json(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
    # the content type some generated clients send; development mode is lenient with it, auth mode is not
    return hub.send({"Content-Type": "application/json", "X-Amz-Target": target(op)}, json.dumps(params).encode())


def _with_authorization(mutate: Callable[[str], str]) -> Callable[..., Result]:
    def run(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
        headers, body = hub.signed(op, params, key)
        headers["Authorization"] = mutate(headers["Authorization"])
        return hub.send(headers, body)

    return run


def _with_headers(mutate: Callable[[dict[str, str]], None]) -> Callable[..., Result]:
    def run(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
        headers, body = hub.signed(op, params, key)
        mutate(headers)
        return hub.send(headers, body)

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


def _wrong_secret(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
    return hub.raw_call(op, params, key, secret="x" * 40)


def _unknown_key(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
    return hub.raw_call(op, params, _GHOST)


def _tampered_body(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
    # sign a harmless dry run, send the real thing with the dry run's signature
    headers, _ = hub.signed(op, {**params, "DryRun": True}, key)
    return hub.send(headers, json.dumps(params).encode())


def _tampered_target(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
    # sign a read, send it to a write operation
    headers, body = hub.signed("ListProgressUpdateStreams", params, key)
    headers["X-Amz-Target"] = target(op)
    return hub.send(headers, body)


def _wrong_payload_hash(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
    headers, body = hub.signed(op, params, key)
    headers["X-Amz-Content-SHA256"] = "0" * 64
    return hub.send(headers, body)


def _signed_at(delta: timedelta) -> Callable[..., Result]:
    def run(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
        return hub.raw_call(op, params, key, at=NOW() + delta)

    return run


def _wrong_service(service: str) -> Callable[..., Result]:
    def run(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
        return hub.raw_call(op, params, key, scope_service=service)

    return run


_GHOST = new_key("ghost")
_BOTO3: dict[tuple[str, str], Any] = {}


def _cached(ep: str, kind: str, make: Callable[[], Any]) -> Any:
    if (ep, kind) not in _BOTO3:
        _BOTO3[ep, kind] = make()
    return _BOTO3[ep, kind]


def _unsigned_boto3(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
    return _boto3(_cached(hub.endpoint, "unsigned", lambda: client(hub.endpoint, None)), op, params)


def _wrong_secret_boto3(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
    return _boto3(
        _cached(hub.endpoint, "wrong-secret", lambda: client(hub.endpoint, key, secret="wrong-" + key.secret)),
        op,
        params,
    )


def _unknown_key_boto3(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
    return _boto3(_cached(hub.endpoint, "ghost", lambda: client(hub.endpoint, _GHOST)), op, params)


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

    def run(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
        return hub.raw_call(op, params, key, region=region)

    return run


def _many_headers(hub: Any, op: str, params: dict[str, Any], key: Key) -> Result:
    headers, body = hub.signed(op, params, key)
    return hub.send({**headers, **{f"X-Filler-{i}": "x" for i in range(120)}}, body)


INCOMPLETE = ("IncompleteSignatureException", 400)
INVALID = ("InvalidSignatureException", 400)

FAILURES: dict[str, tuple[Callable[..., Result], tuple[str, int]]] = {
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
    "unknown-key-raw": (_unknown_key, ("UnrecognizedClientException", 400)),
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


# Real boto3 clients that sign wrongly or not at all: only over HTTP.
BOTO3_FAILURES: dict[str, tuple[Callable[..., Result], tuple[str, int]]] = {
    "unsigned-boto3": (_unsigned_boto3, ("MissingAuthenticationTokenException", 403)),
    "wrong-secret-boto3": (_wrong_secret_boto3, INVALID),
    "unknown-key-boto3": (_unknown_key_boto3, ("UnrecognizedClientException", 400)),
}
# The failures tried over HTTP too: one of each code and status, and the header limit.
WIRE_SAMPLE = ["unsigned-raw", "truncated-half", "flipped-signature", "unknown-key-raw", "too-many-headers"]


def _fails_and_changes_nothing(
    hub: Any, run: Callable[..., Result], expected: tuple[str, int], request_kind: str, *, raw: bool = True
) -> None:
    code, status = expected
    operation, params = harmful_requests()[request_kind]
    before = hub.snapshot()
    got_status, headers, body = run(hub, operation, params, hub.keys.tool)
    assert (body.get("__type"), got_status) == (code, status), body
    assert body.get("message") or body.get("Message")
    if raw:  # AWS's error headers
        assert headers.get("x-amzn-errortype", "").split(":")[0] == code
        assert headers.get("x-amzn-requestid")
    assert hub.snapshot() == before
    if request_kind == "create":
        assert params["ProgressUpdateStreamName"] not in hub.streams()


@pytest.mark.parametrize("request_kind", ["create", "delete", "notify"])
@pytest.mark.parametrize("mode", list(FAILURES))
def test_authentication_failure_changes_nothing(hub: InProcess, mode: str, request_kind: str) -> None:
    run, expected = FAILURES[mode]
    _fails_and_changes_nothing(hub, run, expected, request_kind)


@pytest.mark.parametrize("mode", WIRE_SAMPLE)
def test_authentication_failure_on_the_wire(wire: OverHttp, mode: str) -> None:
    run, expected = FAILURES[mode]
    _fails_and_changes_nothing(wire, run, expected, "create")


@pytest.mark.parametrize("request_kind", ["create", "delete", "notify"])
@pytest.mark.parametrize("mode", list(BOTO3_FAILURES))
def test_boto3_authentication_failure_changes_nothing(wire: OverHttp, mode: str, request_kind: str) -> None:
    run, expected = BOTO3_FAILURES[mode]
    _fails_and_changes_nothing(wire, run, expected, request_kind, raw=False)


def _succeeds(hub: Any) -> None:
    name = uniq_name("good")
    status, headers, body = hub.raw_call(
        "CreateProgressUpdateStream", {"ProgressUpdateStreamName": name}, hub.keys.tool
    )
    assert status == 200, body
    assert headers.get("x-amzn-requestid")
    assert name in hub.streams()
    status, _, body = hub.raw_call("DeleteProgressUpdateStream", {"ProgressUpdateStreamName": name}, hub.keys.tool)
    assert status == 200, body


def test_the_failure_table_is_not_vacuous(hub: InProcess) -> None:
    """The same three kinds of request, correctly signed, do get through (on a stream of their own)."""
    name = uniq_name("good")
    status, _, body = hub.raw_call("CreateProgressUpdateStream", {"ProgressUpdateStreamName": name}, hub.keys.tool)
    assert status == 200, body
    _, notify = harmful_requests()["notify"]
    ids = {"ProgressUpdateStream": name, "MigrationTaskName": "t1"}
    assert hub.raw_call("ImportMigrationTask", ids, hub.keys.tool)[0] == 200
    status, _, body = hub.raw_call("NotifyMigrationTaskState", {**notify, **ids}, hub.keys.tool)
    assert status == 200, body
    assert hub.mgh.describe_migration_task(**ids)["MigrationTask"]["Task"]["StatusDetail"] == "forged"
    status, _, body = hub.raw_call("DeleteProgressUpdateStream", {"ProgressUpdateStreamName": name}, hub.keys.tool)
    assert status == 200, body
    assert name not in hub.streams()


def test_raw_and_boto3_signatures_are_accepted_over_http(wire: OverHttp) -> None:
    _succeeds(wire)
    name = uniq_name("boto3")
    client(wire.endpoint, wire.keys.tool).create_progress_update_stream(ProgressUpdateStreamName=name)
    assert name in wire.streams()


def test_the_aws_cli_signs_requests_the_hub_accepts(wire: OverHttp, tmp_path: Path) -> None:
    name = uniq_name("cli")
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": wire.keys.tool.access_key_id,
        "AWS_SECRET_ACCESS_KEY": wire.keys.tool.secret,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    env.pop("AWS_PROFILE", None)
    env.pop("AWS_SESSION_TOKEN", None)
    aws = [str(Path(sys.executable).parent / "aws"), "--endpoint-url", wire.endpoint]
    made = subprocess.run(
        [*aws, "mgh", "create-progress-update-stream", "--progress-update-stream-name", name],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    assert name in wire.streams()
    refused = subprocess.run(
        [*aws, "mgh", "list-progress-update-streams"],
        env={**env, "AWS_SECRET_ACCESS_KEY": "wrong-" + wire.keys.tool.secret},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0 and "InvalidSignatureException" in refused.stderr, refused.stderr


@pytest.mark.parametrize("minutes", [-10, 10])
def test_skew_within_fifteen_minutes_is_accepted(hub: InProcess, minutes: int) -> None:
    name = uniq_name("skew")
    status, _, body = hub.raw_call(
        "CreateProgressUpdateStream",
        {"ProgressUpdateStreamName": name},
        hub.keys.tool,
        at=datetime.now(UTC) + timedelta(minutes=minutes),
    )
    assert status == 200, body
    assert name in hub.streams()


def test_signature_covers_every_signed_header(hub: InProcess) -> None:
    """A header named in SignedHeaders but missing from the request fails the signature."""
    headers, body = hub.signed("CreateProgressUpdateStream", {"ProgressUpdateStreamName": uniq_name()}, hub.keys.tool)
    headers.pop("X-Amz-Target")
    # without a target the request names no operation: that is refused before authentication
    status, _, answer = hub.send(headers, body)
    assert status == 400 and answer["__type"] == "UnknownOperationException"
    headers, body = hub.signed("CreateProgressUpdateStream", {"ProgressUpdateStreamName": uniq_name()}, hub.keys.tool)
    headers["Authorization"] = headers["Authorization"].replace("SignedHeaders=", "SignedHeaders=x-custom-header;")
    status, _, answer = hub.send(headers, body)
    assert (status, answer["__type"]) == (400, "InvalidSignatureException")


def test_read_operations_also_need_a_signature(wire: OverHttp) -> None:
    """Nothing is readable without credentials: list, describe and home-region calls."""
    anonymous = client(wire.endpoint, None)
    anonymous_config = client(wire.endpoint, None, "migrationhub-config")
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
    stranger = client(wire.endpoint, new_key("stranger"))
    with pytest.raises(ClientError) as exc:
        stranger.list_migration_tasks()
    assert exc.value.response["Error"]["Code"] == "UnrecognizedClientException"


def test_a_policy_refusal_is_not_an_authentication_failure(wire: OverHttp) -> None:
    """A well-signed request by a key whose policy does not allow the call: AccessDenied."""
    reader = client(wire.endpoint, wire.keys.reader)
    assert "keep" in list_all_streams(reader)
    name = uniq_name("ro")
    with pytest.raises(ClientError) as exc:
        reader.create_progress_update_stream(ProgressUpdateStreamName=name)
    assert exc.value.response["Error"]["Code"] == "AccessDeniedException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert name not in wire.streams()


def test_both_models_sign_as_mgh(wire: OverHttp) -> None:
    """boto3's migrationhub-config client signs with service mgh and is accepted."""
    config = client(wire.endpoint, wire.keys.tool, "migrationhub-config")
    assert config.get_home_region()["HomeRegion"] == "us-east-1"
    status, _, body = wire.raw_call("GetHomeRegion", {}, wire.keys.tool, service="migrationhub-config")
    assert status == 200 and body["HomeRegion"] == "us-east-1"


def test_the_target_must_be_signed(hub: InProcess) -> None:
    """A signature that leaves X-Amz-Target out could be replayed as another operation."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    name = uniq_name()
    body = json.dumps({"ProgressUpdateStreamName": name}).encode()
    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=body, headers={"Content-Type": CONTENT_TYPE})
    SigV4Auth(Credentials(hub.keys.tool.access_key_id, hub.keys.tool.secret), "mgh", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    headers["X-Amz-Target"] = "AWSMigrationHub.DeleteProgressUpdateStream"  # added after signing
    status, _, answer = hub.send(headers, body)
    assert (status, answer["__type"]) == (400, "IncompleteSignatureException")
    assert "x-amz-target" in answer["message"]
