"""Helpers shared by the access-control tests (``test_auth_*.py``); no tests of its own.

Auth files, keys, boto3 clients with a given key, raw SigV4-signed requests (botocore's
``SigV4Auth``, optionally at a fake time), and a snapshot of everything an account holds,
read with an admin key, to prove that a refused request changed nothing.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from e2e_helpers import REGION, http_request, list_all_streams, list_all_tasks

ACCOUNT_A = "111122223333"
ACCOUNT_B = "444455556666"
CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = {"mgh": "AWSMigrationHub", "migrationhub-config": "AWSMigrationHubMultiAccountService"}
# Generous limits for every test but the throttling ones: snapshots make many calls.
NO_THROTTLING = {"rate": 1_000_000, "burst": 1_000_000}

ADMIN_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "mgh:*", "Resource": "*"}],
}
NOTHING_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "mgh:*", "Resource": "*"}],
}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def deny(action: Any, resource: Any = "*") -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource}


def stream_arn(stream: str, account: str = ACCOUNT_A, region: str = REGION) -> str:
    return f"arn:aws:mgh:{region}:{account}:progressUpdateStream/{stream}"


def task_arn(stream: str, task: str, account: str = ACCOUNT_A, region: str = REGION) -> str:
    return f"{stream_arn(stream, account, region)}/migrationTask/{task}"


def partner_policy(vendor: str, account: str = ACCOUNT_A, region: str = REGION) -> dict[str, Any]:
    """The integrated-partner role policy of the Migration Hub user guide ("Integrated Partner
    Role Policy", customer-managed-vendor), copied below as the page prints it, with the
    account, region and vendor filled in."""
    raw = json.dumps(_PARTNER_POLICY)
    raw = raw.replace("us-west-2", region).replace("account_num", account).replace("vendor_name", vendor)
    return json.loads(raw)


_PARTNER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Action": ["mgh:CreateProgressUpdateStream"],
            "Effect": "Allow",
            "Resource": "arn:aws:mgh:us-west-2:account_num:progressUpdateStream/vendor_name",
        },
        {
            "Action": [
                "mgh:AssociateCreatedArtifact",
                "mgh:DescribeMigrationTask",
                "mgh:DisassociateCreatedArtifact",
                "mgh:ImportMigrationTask",
                "mgh:ListCreatedArtifacts",
                "mgh:NotifyMigrationTaskState",
                "mgh:PutResourceAttributes",
                "mgh:NotifyApplicationState",
                "mgh:DescribeApplicationState",
                "mgh:AssociateDiscoveredResource",
                "mgh:DisassociateDiscoveredResource",
                "mgh:ListDiscoveredResources",
            ],
            "Effect": "Allow",
            "Resource": "arn:aws:mgh:us-west-2:account_num:progressUpdateStream/vendor_name/*",
        },
        {"Action": ["mgh:ListMigrationTasks", "mgh:GetHomeRegion"], "Effect": "Allow", "Resource": "*"},
    ],
}


# -- keys and auth files -----------------------------------------------------------------
_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class Key:
    name: str
    account: str
    access_key_id: str
    secret: str = field(repr=False)
    policy: dict[str, Any] = field(repr=False, default_factory=lambda: ADMIN_POLICY)


def new_key(name: str, account: str = ACCOUNT_A, policy: dict[str, Any] | None = None) -> Key:
    return Key(
        name=name,
        account=account,
        access_key_id="AKIA" + "".join(secrets.choice(_ALPHABET) for _ in range(16)),
        secret=secrets.token_urlsafe(30),
        policy=ADMIN_POLICY if policy is None else policy,
    )


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string for our values


def auth_toml(keys: Iterable[Key], throttling: dict[str, Any] | None = NO_THROTTLING) -> str:
    parts = []
    if throttling is not None:
        parts.append("[throttling]\n" + "".join(f"{k} = {v}\n" for k, v in throttling.items()))
    for key in keys:
        parts.append(
            "[[principals]]\n"
            f"name = {_toml_string(key.name)}\n"
            f"account_id = {_toml_string(key.account)}\n"
            f"access_key_id = {_toml_string(key.access_key_id)}\n"
            f"secret_access_key = {_toml_string(key.secret)}\n"
            f"policy = {_toml_string(json.dumps(key.policy))}\n"
        )
    return "\n".join(parts)


def write_auth_file(path: Path, keys: Iterable[Key], throttling: dict[str, Any] | None = NO_THROTTLING) -> Path:
    path.write_text(auth_toml(keys, throttling))
    os.chmod(path, 0o600)
    return path


# -- clients -------------------------------------------------------------------------------
def client(
    endpoint: str,
    key: Key | None,
    service: str = "mgh",
    *,
    region: str = REGION,
    retries: dict[str, Any] | None = None,
    secret: str | None = None,
) -> Any:
    """A boto3 client signing with ``key`` (``secret`` overrides its secret; ``key=None``
    sends unsigned requests). No retries unless asked for."""
    from botocore import UNSIGNED

    config = Config(
        retries=retries or {"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=30,
        signature_version=UNSIGNED if key is None else None,
    )
    return boto3.session.Session().client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key.access_key_id if key else "unused",
        aws_secret_access_key=(secret if secret is not None else key.secret) if key else "unused",
        config=config,
    )


def target(operation: str, service: str = "mgh") -> str:
    return f"{TARGET_PREFIX[service]}.{operation}"


def signed_request(
    endpoint: str,
    operation: str,
    params: dict[str, Any] | bytes,
    key: Key,
    *,
    service: str = "mgh",
    scope_service: str = "mgh",
    region: str = REGION,
    secret: str | None = None,
    at: datetime | None = None,
) -> tuple[dict[str, str], bytes]:
    """Headers and body of a request signed by botocore's SigV4Auth (at time ``at``)."""
    body = params if isinstance(params, bytes) else json.dumps(params).encode()
    request = AWSRequest(
        method="POST",
        url=endpoint + "/",
        data=body,
        headers={"Content-Type": CONTENT_TYPE, "X-Amz-Target": target(operation, service)},
    )
    signer = SigV4Auth(Credentials(key.access_key_id, secret or key.secret), scope_service, region)
    if at is None:
        signer.add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=at.replace(tzinfo=None)):
            signer.add_auth(request)
    return dict(request.headers.items()), body


def send(endpoint: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
    status, response_headers, data = http_request(endpoint, "POST", "/", body=body, headers=headers)
    return status, response_headers, json.loads(data) if data else {}


def raw_call(
    endpoint: str, operation: str, params: dict[str, Any], key: Key, **kwargs: Any
) -> tuple[int, dict[str, str], dict[str, Any]]:
    headers, body = signed_request(endpoint, operation, params, key, **kwargs)
    return send(endpoint, headers, body)


def code_of(call: Any) -> str | None:
    """Run ``call``; the error code it raised, or None when it succeeded."""
    try:
        call()
    except ClientError as exc:
        return exc.response["Error"]["Code"]
    return None


# -- what an account holds -------------------------------------------------------------------
def _pages(method: Any, list_key: str, **kwargs: Any) -> list[Any]:
    rows: list[Any] = []
    while True:
        response = method(**kwargs)
        rows += response.get(list_key, [])
        if not response.get("NextToken"):
            return rows
        kwargs["NextToken"] = response["NextToken"]


def _strip(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


_CLIENTS: dict[tuple[str, str, str, str], Any] = {}


def cached_client(endpoint: str, key: Key, service: str = "mgh", region: str = REGION) -> Any:
    """A boto3 client for ``key``, made once (making one takes tens of milliseconds)."""
    index = (endpoint, key.access_key_id, service, region)
    if index not in _CLIENTS:
        _CLIENTS[index] = client(endpoint, key, service, region=region)
    return _CLIENTS[index]


def snapshot(endpoint: str, admin: Key) -> dict[str, Any]:
    """Everything ``admin``'s account holds, as seen through the API with an allow-all key."""
    return snapshot_with(cached_client(endpoint, admin), cached_client(endpoint, admin, "migrationhub-config"))


def snapshot_with(mgh: Any, cfg: Any) -> dict[str, Any]:
    """Everything an account holds, read with these two clients (boto3 or in process)."""
    controls = sorted(
        (c["ControlId"], c["HomeRegion"]) for c in _pages(cfg.describe_home_region_controls, "HomeRegionControls")
    )
    try:
        state: dict[str, Any] = {
            "streams": sorted(list_all_streams(mgh)),
            "tasks": sorted(list_all_tasks(mgh), key=lambda r: (r["ProgressUpdateStream"], r["MigrationTaskName"])),
            "applications": _pages(mgh.list_application_states, "ApplicationStateList"),
        }
    except ClientError as exc:  # an account whose home region control was deleted
        if exc.response["Error"]["Code"] != "HomeRegionNotSetException":
            raise
        return {"controls": controls, "home region": "not set"}
    state["controls"] = controls
    details = {}
    for row in state["tasks"]:
        ids = {"ProgressUpdateStream": row["ProgressUpdateStream"], "MigrationTaskName": row["MigrationTaskName"]}
        where = f"{row['ProgressUpdateStream']}/{row['MigrationTaskName']}"
        details[where] = {
            "task": _strip(mgh.describe_migration_task(**ids)),
            "artifacts": _pages(mgh.list_created_artifacts, "CreatedArtifactList", **ids),
            "discovered": _pages(mgh.list_discovered_resources, "DiscoveredResourceList", **ids),
            "sources": _pages(mgh.list_source_resources, "SourceResourceList", **ids),
            "updates": _pages(mgh.list_migration_task_updates, "MigrationTaskUpdateList", **ids),
        }
    state["details"] = details
    return state


def uniq_name(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
