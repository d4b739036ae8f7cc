"""A resource has one ARN whatever region a request is signed for: the account's home region.

A deny pinned to ``us-east-1`` (the README's own pattern) holds for requests signed for
``us-west-2``: describe, delete, the delete's dry run, both task listings and the audit
line all name the ``us-east-1`` ARN. An account whose home region is ``eu-west-1`` has
``eu-west-1`` ARNs from every region. Two replicas over one database agree on the
region right after one of them moves an account's home region. In development mode, the
region a request claims is of form too.

In process where the wire is not the point: ``Hub.call`` in the context of a validly
signed request of each key (for the region it is signed for), and the hub's task API and
the audit line through the whole ``App`` with an auth file and an audit log. The two
replicas are two ``mighub serve`` processes over one database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from e2e_helpers import list_all_tasks
from inproc_calls import HubClient, asgi, auth_app
from mighub.auth.audit import AuditLog
from mighub.server.app import App
from mighub.server.hub import Hub
from mighub.store.engine import Store
from test_auth_helpers import (
    ACCOUNT_A,
    ACCOUNT_B,
    CONTENT_TYPE,
    Key,
    allow,
    client,
    code_of,
    deny,
    new_key,
    policy,
    send,
    stream_arn,
    target,
    task_arn,
    write_auth_file,
)

PROD = [stream_arn("Prod"), stream_arn("Prod") + "/*"]  # pinned to us-east-1
GUARDED = policy(allow("mgh:*"), deny(["mgh:DescribeMigrationTask", "mgh:DeleteProgressUpdateStream"], PROD))
EU_ONLY = policy(
    allow(["mgh:ListMigrationTasks", "mgh:GetHomeRegion"]),
    allow("mgh:DescribeMigrationTask", f"arn:aws:mgh:eu-west-1:{ACCOUNT_B}:progressUpdateStream/*"),
)
REGIONS = ["us-east-1", "us-west-2"]


ENDPOINT = "http://hub.test"


def signed(method: str, path: str, key: Key, region: str, body: bytes = b"", target: str | None = None) -> Any:
    headers = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": target} if target else {}
    request = AWSRequest(method=method, url=ENDPOINT + path, data=body, headers=headers)
    SigV4Auth(Credentials(key.access_key_id, key.secret), "mgh", region).add_auth(request)
    return dict(request.headers.items())


def signed_get(hub: SimpleNamespace, path: str, key: Key, region: str) -> tuple[int, Any]:
    status, _, body = asgi(hub.app, "GET", path, signed("GET", path, key, region))
    return status, json.loads(body)


@pytest.fixture(scope="module")
def hub(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    base = tmp_path_factory.mktemp("regions")
    keys = {
        "admin": new_key("admin"),
        "guarded": new_key("guarded", policy=GUARDED),
        "b-admin": new_key("b-admin", account=ACCOUNT_B),
        "b-eu": new_key("b-eu", account=ACCOUNT_B, policy=EU_ONLY),
    }
    audit = base / "audit.jsonl"
    store = Store(databases.fresh_url(base))
    app = auth_app(store, keys.values())
    app.audit = AuditLog(str(audit))

    def client(key: Key, service: str = "mgh", region: str = "us-east-1") -> HubClient:
        return HubClient(app.hub, key, service, region=region)

    admin = client(keys["admin"])
    for stream in ("Prod", "Dev"):
        admin.create_progress_update_stream(ProgressUpdateStreamName=stream)
        for task in ("t1", "t2"):
            admin.import_migration_task(ProgressUpdateStream=stream, MigrationTaskName=task)
    # account B moves its home region to eu-west-1 (writes then come from there)
    b_config = client(keys["b-admin"], "migrationhub-config")
    for control in b_config.describe_home_region_controls()["HomeRegionControls"]:
        b_config.delete_home_region_control(ControlId=control["ControlId"])
    b_config.create_home_region_control(HomeRegion="eu-west-1", Target={"Type": "ACCOUNT"})
    b_admin = client(keys["b-admin"], region="eu-west-1")
    b_admin.create_progress_update_stream(ProgressUpdateStreamName="Shop")
    b_admin.import_migration_task(ProgressUpdateStream="Shop", MigrationTaskName="web")
    yield SimpleNamespace(app=app, store=store, keys=keys, audit=audit, admin=admin, client=client)
    app.audit.close()
    store.close()


def tasks_seen(listing: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(r["ProgressUpdateStream"], r["MigrationTaskName"]) for r in listing}


@pytest.mark.parametrize("region", REGIONS)
def test_a_deny_pinned_to_the_home_region_holds_whatever_region_is_signed_for(
    hub: SimpleNamespace, region: str
) -> None:
    guarded = hub.client(hub.keys["guarded"], region=region)
    prod, dev = (
        {"ProgressUpdateStream": "Prod", "MigrationTaskName": "t1"},
        {"ProgressUpdateStream": "Dev", "MigrationTaskName": "t1"},
    )
    assert code_of(lambda: guarded.describe_migration_task(**prod)) == "AccessDeniedException"
    assert (
        code_of(lambda: guarded.delete_progress_update_stream(ProgressUpdateStreamName="Prod", DryRun=True))
        == "UnauthorizedOperation"
    )
    assert (
        code_of(lambda: guarded.delete_progress_update_stream(ProgressUpdateStreamName="Prod"))
        == "AccessDeniedException"
    )
    assert code_of(lambda: guarded.describe_migration_task(**dev)) is None  # reads work from anywhere
    assert (
        code_of(lambda: guarded.delete_progress_update_stream(ProgressUpdateStreamName="Dev", DryRun=True))
        == "DryRunOperation"
    )
    # both listings show only what the caller may describe
    expected = {("Dev", "t1"), ("Dev", "t2")}
    listed = tasks_seen(list_all_tasks(guarded, page_size=1))
    assert ("Prod", "t1") not in listed and expected <= listed
    status, body = signed_get(hub, "/_mighub/api/tasks?max_results=1000", hub.keys["guarded"], region)
    assert status == 200
    listed = tasks_seen(body["Tasks"])
    assert ("Prod", "t1") not in listed and expected <= listed
    assert "Prod" in {r["ProgressUpdateStream"] for r in list_all_tasks(hub.admin)}  # not deleted


def test_the_audit_line_names_the_home_region_arn(hub: SimpleNamespace) -> None:
    body = json.dumps({"ProgressUpdateStream": "Dev", "MigrationTaskName": "t2"}).encode()
    headers = signed("POST", "/", hub.keys["guarded"], "us-west-2", body, target("DescribeMigrationTask"))
    status, answer_headers, _ = asgi(hub.app, "POST", "/", headers, body)
    assert status == 200
    request_id = answer_headers["x-amzn-requestid"]
    # a denied one, signed for us-west-2 too
    body = json.dumps({"ProgressUpdateStream": "Prod", "MigrationTaskName": "t1"}).encode()
    headers = signed("POST", "/", hub.keys["guarded"], "us-west-2", body, target("DescribeMigrationTask"))
    assert asgi(hub.app, "POST", "/", headers, body)[0] == 400

    lines = [json.loads(line) for line in hub.audit.read_text().splitlines() if line.strip()]
    (line,) = [entry for entry in lines if entry["requestId"] == request_id]
    assert line["resource"] == task_arn("Dev", "t2") and line["awsRegion"] == "us-west-2"
    assert lines[-1]["resource"] == task_arn("Prod", "t1") and lines[-1]["decision"] == "Deny"
    assert all(":us-west-2:" not in (entry["resource"] or "") for entry in lines)


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-south-1"])
def test_an_accounts_arns_carry_its_own_home_region(hub: SimpleNamespace, region: str) -> None:
    eu = hub.client(hub.keys["b-eu"], region=region)
    assert (
        eu.describe_migration_task(ProgressUpdateStream="Shop", MigrationTaskName="web")["MigrationTask"][
            "MigrationTaskName"
        ]
        == "web"
    )
    assert tasks_seen(list_all_tasks(eu)) == {("Shop", "web")}
    status, body = signed_get(hub, "/_mighub/api/tasks", hub.keys["b-eu"], region)
    assert status == 200 and tasks_seen(body["Tasks"]) == {("Shop", "web")}


def test_writes_still_come_from_the_home_region(hub: SimpleNamespace) -> None:
    west = hub.client(hub.keys["guarded"], region="us-west-2")
    assert (
        code_of(lambda: west.import_migration_task(ProgressUpdateStream="Dev", MigrationTaskName="t9"))
        == "InvalidInputException"
    )


# -- two replicas, one database: no decision on a stale home region ---------------------------
def test_replicas_agree_on_the_arn_region_after_the_home_region_moves(server_factory: Any, tmp_path: Path) -> None:
    keys = {
        "admin": new_key("admin"),
        "east": new_key(
            "east", policy=policy(allow("mgh:*", f"arn:aws:mgh:us-east-1:{ACCOUNT_A}:*"), allow("mgh:List*"))
        ),
        "eu": new_key("eu", policy=policy(allow("mgh:*", f"arn:aws:mgh:eu-west-1:{ACCOUNT_A}:*"), allow("mgh:List*"))),
    }
    auth = write_auth_file(tmp_path / "auth.toml", keys.values())
    shared = tmp_path / "shared-data"
    first = server_factory(data_dir=shared, extra_args=("--auth-file", str(auth)))
    second = server_factory(data_dir=shared, extra_args=("--auth-file", str(auth)))
    admin = client(first.endpoint, keys["admin"])
    admin.create_progress_update_stream(ProgressUpdateStreamName="S")
    admin.import_migration_task(ProgressUpdateStream="S", MigrationTaskName="t")
    ids = {"ProgressUpdateStream": "S", "MigrationTaskName": "t"}
    east, eu = client(second.endpoint, keys["east"]), client(second.endpoint, keys["eu"])
    # the second replica learns the home region us-east-1
    assert code_of(lambda: east.describe_migration_task(**ids)) is None
    assert code_of(lambda: eu.describe_migration_task(**ids)) == "AccessDeniedException"

    # the first replica moves it to eu-west-1
    config = client(first.endpoint, keys["admin"], "migrationhub-config")
    for control in config.describe_home_region_controls()["HomeRegionControls"]:
        config.delete_home_region_control(ControlId=control["ControlId"])
    config.create_home_region_control(HomeRegion="eu-west-1", Target={"Type": "ACCOUNT"})

    # the second replica decides on eu-west-1 ARNs at once: allowed, denied, dry runs, lists
    assert code_of(lambda: east.describe_migration_task(**ids)) == "AccessDeniedException"
    assert code_of(lambda: eu.describe_migration_task(**ids)) is None
    assert tasks_seen(list_all_tasks(eu)) == {("S", "t")}
    eu_write = client(second.endpoint, keys["eu"], region="eu-west-1")
    assert code_of(lambda: eu_write.import_migration_task(**ids, DryRun=True)) == "DryRunOperation"
    east_write = client(second.endpoint, keys["east"], region="eu-west-1")
    assert code_of(lambda: east_write.import_migration_task(**ids, DryRun=True)) == "UnauthorizedOperation"

    # and back, the other way round: a write allowed by the stale region must not pass
    for control in config.describe_home_region_controls()["HomeRegionControls"]:
        config.delete_home_region_control(ControlId=control["ControlId"])
    config.create_home_region_control(HomeRegion="us-east-1", Target={"Type": "ACCOUNT"})
    assert (
        code_of(
            lambda: client(second.endpoint, keys["eu"]).import_migration_task(
                ProgressUpdateStream="S", MigrationTaskName="new"
            )
        )
        == "AccessDeniedException"
    )
    assert ("S", "new") not in tasks_seen(list_all_tasks(admin))
    assert code_of(lambda: east.describe_migration_task(**ids)) is None


# -- development mode: the claimed region is of form too --------------------------------------
@pytest.fixture(scope="module")
def dev_app(hub: SimpleNamespace) -> App:
    """The hub in development mode (no auth file), in process."""
    return App(Hub(hub.store))


def dev_request(app: App, authorization: str) -> tuple[int, dict[str, Any]]:
    headers = {
        "Content-Type": CONTENT_TYPE,
        "X-Amz-Target": target("ListMigrationTasks"),
        "Authorization": authorization,
    }
    status, _, body = asgi(app, "POST", "/", headers, b"{}")
    return status, json.loads(body)


@pytest.mark.parametrize(
    "credential",
    [
        f"AKIDEXAMPLE/20260101/{':' * 40_000}/mgh/aws4_request",
        f"AKIDEXAMPLE/20260101/{':' * 4_000}/mgh/aws4_request",
        "AKIDEXAMPLE/20260101/us-east-1:x/mgh/aws4_request",
        "AKID:EXAMPLE/20260101/us-east-1/mgh/aws4_request",
        "AKIDEXAMPLE/2026-01-01/us-east-1/mgh/aws4_request",
    ],
    ids=["40000 colons", "4000 colons", "colon in region", "colon in key id", "dashed date"],
)
def test_development_mode_refuses_a_malformed_credential(dev_app: App, credential: str) -> None:
    status, body = dev_request(
        dev_app, f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host;x-amz-target, Signature={'0' * 64}"
    )
    assert (status, body["__type"]) == (400, "IncompleteSignatureException")


def test_development_mode_refuses_a_non_ascii_signature(dev_app: App) -> None:
    status, body = dev_request(
        dev_app,
        f"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/mgh/aws4_request, SignedHeaders=host;x-amz-target, Signature={'é' * 64}",
    )
    assert (status, body["__type"]) == (400, "IncompleteSignatureException")


def test_development_mode_still_takes_well_formed_and_unsigned_requests(dev_app: App) -> None:
    good = f"AWS4-HMAC-SHA256 Credential=test/20260101/us-west-2/mgh/aws4_request, SignedHeaders=host;x-amz-target, Signature={'0' * 64}"
    assert dev_request(dev_app, good)[0] == 200
    assert dev_request(dev_app, "Bearer not-sigv4")[0] == 200  # another scheme: taken as unsigned


def test_development_mode_refuses_a_malformed_credential_on_the_wire(endpoint: str) -> None:
    credential = f"AKIDEXAMPLE/20260101/{':' * 40_000}/mgh/aws4_request"
    headers = {
        "Content-Type": CONTENT_TYPE,
        "X-Amz-Target": target("ListMigrationTasks"),
        "Authorization": f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders=host;x-amz-target, Signature={'0' * 64}",
    }
    status, answer_headers, body = send(endpoint, headers, b"{}")
    assert (status, body["__type"]) == (400, "IncompleteSignatureException")
    assert answer_headers["x-amzn-errortype"] == "IncompleteSignatureException"
