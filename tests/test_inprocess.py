"""The in-process hub (tests/inprocess.py) is the hub: the gate, the lifespan's deleter
and the extensions work through it as they do behind ``mighub serve``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import error_code, poll, uniq
from inprocess import InProcessHub, InProcessHubFactory
from mighub.auth.config import AuthConfig, Principal
from mighub.auth.policy import parse_policy

ACCOUNT = "111122223333"


def _principal(name: str, key: str, action: str) -> Principal:
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}
    return Principal(name, ACCOUNT, key, f"secret-of-{name}", parse_policy(policy))


def test_an_auth_config_checks_signatures_and_policies(inprocess_hub_factory: InProcessHubFactory) -> None:
    writer, reader = _principal("writer", "AKIAWRITER", "mgh:*"), _principal("reader", "AKIAREADER", "mgh:List*")
    hub = inprocess_hub_factory(auth_config=AuthConfig({p.access_key_id: p for p in (writer, reader)}))
    signed = hub.client("mgh", credentials=(writer.access_key_id, writer.secret_access_key))
    stream = uniq("signed")
    signed.create_progress_update_stream(ProgressUpdateStreamName=stream)

    listing = hub.client("mgh", credentials=(reader.access_key_id, reader.secret_access_key))
    names = [
        s["ProgressUpdateStreamName"] for s in listing.list_progress_update_streams()["ProgressUpdateStreamSummaryList"]
    ]
    assert names == [stream]
    with pytest.raises(ClientError) as raised:
        listing.create_progress_update_stream(ProgressUpdateStreamName=uniq("denied"))
    assert error_code(raised.value) == "AccessDeniedException"
    with pytest.raises(ClientError) as raised:
        hub.client("mgh").list_progress_update_streams()  # the development credentials
    assert error_code(raised.value) == "UnrecognizedClientException"
    with pytest.raises(ClientError) as raised:
        hub.client("mgh", credentials=(writer.access_key_id, "not-the-secret")).list_progress_update_streams()
    assert error_code(raised.value) == "InvalidSignatureException"


def test_the_deleter_runs_once_the_lifespan_starts(inprocess_hub_factory: InProcessHubFactory) -> None:
    hub = inprocess_hub_factory(start=False)
    mgh = hub.client("mgh")
    stream = uniq("held")
    mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
    mgh.delete_progress_update_stream(ProgressUpdateStreamName=stream)

    def recreated() -> bool:
        try:
            mgh.create_progress_update_stream(ProgressUpdateStreamName=stream)
        except ClientError as exc:
            assert error_code(exc) == "InvalidInputException", exc.response
            return False
        return True

    assert not recreated()
    hub.start()
    poll(recreated, timeout=20)


def test_bare_requests_reach_the_aws_api_and_the_extensions(inprocess_hub: InProcessHub) -> None:
    status, headers, body = inprocess_hub.http("GET", "/_mighub/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert headers["x-amzn-requestid"]
    status, headers, body = inprocess_hub.http(
        "POST",
        "/",
        b"{}",
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSMigrationHub.ListProgressUpdateStreams"},
    )
    assert status == 200, body
    assert "ProgressUpdateStreamSummaryList" in json.loads(body)
    # the development Host check runs as behind serve
    status, _, body = inprocess_hub.http("GET", "/_mighub/health", headers={"Host": "attacker.example"})
    assert status == 403, body


def test_clients_are_made_once_per_arguments(inprocess_hub: InProcessHub) -> None:
    first: Any = inprocess_hub.client("mgh")
    assert inprocess_hub.client("mgh") is first
    assert inprocess_hub.client("mgh", region="eu-west-1") is not first
