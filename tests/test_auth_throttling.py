"""Throttling: a token bucket per access key (``[throttling] rate = 5, burst = 5``).

A burst beyond the bucket gets ``ThrottlingException`` with ``RetryAfterSeconds`` (raw and
boto3 without retries) and the throttled calls change nothing; other keys keep their own
bucket; a boto3 client in standard retry mode completes every call.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from e2e_helpers import list_all_streams
from test_auth_helpers import client, new_key, raw_call, uniq_name, write_auth_file

# Tests that put the hub under load, or time it, do not run beside one another
# under pytest-xdist (``--dist loadgroup``): each would slow the others down.
pytestmark = pytest.mark.xdist_group("load")

BURST = 5
RATE = 5
KEYS = {name: new_key(name) for name in ("admin", "raw", "boto3", "retrying", "neighbour")}


@pytest.fixture(scope="module")
def hub(module_server_factory: Any, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    path = write_auth_file(
        tmp_path_factory.mktemp("auth") / "auth.toml", KEYS.values(), throttling={"rate": RATE, "burst": BURST}
    )
    srv = module_server_factory(extra_args=("--auth-file", str(path)))
    return SimpleNamespace(endpoint=srv.endpoint)


def test_raw_burst_is_throttled_and_changes_nothing(hub: SimpleNamespace) -> None:
    names = [uniq_name("raw") for _ in range(3 * BURST)]
    started = time.monotonic()
    results = [
        raw_call(hub.endpoint, "CreateProgressUpdateStream", {"ProgressUpdateStreamName": n}, KEYS["raw"])
        for n in names
    ]
    elapsed = time.monotonic() - started
    ok = [n for n, (status, _, _) in zip(names, results, strict=False) if status == 200]
    throttled = [(n, r) for n, r in zip(names, results, strict=False) if r[0] != 200]
    assert len(ok) >= BURST, "the bucket starts full"
    assert names[:BURST] == ok[:BURST]
    assert throttled, "a burst three times the bucket must be throttled"
    assert len(ok) <= BURST + RATE * elapsed + 1, "no more than the bucket and its refill get through"
    for _, (status, headers, body) in throttled:
        assert status == 400
        assert body["__type"] == "ThrottlingException"
        assert headers["x-amzn-errortype"].split(":")[0] == "ThrottlingException"
        assert isinstance(body["RetryAfterSeconds"], int) and body["RetryAfterSeconds"] >= 1
        assert body["message"]
    streams = set(list_all_streams(client(hub.endpoint, KEYS["admin"])))
    assert set(ok) <= streams
    assert not streams & {n for n, _ in throttled}


def test_boto3_without_retries_sees_throttling_and_others_are_not_affected(hub: SimpleNamespace) -> None:
    mgh = client(hub.endpoint, KEYS["boto3"])
    neighbour = client(hub.endpoint, KEYS["neighbour"])
    errors = []
    for _ in range(3 * BURST):
        try:
            mgh.list_progress_update_streams()
        except ClientError as exc:
            errors.append(exc)
    assert errors, "a burst three times the bucket must be throttled"
    for exc in errors:
        assert exc.response["Error"]["Code"] == "ThrottlingException"
        assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert exc.response["RetryAfterSeconds"] >= 1
        assert exc.response["ResponseMetadata"]["RetryAttempts"] == 0
    # another key has a bucket of its own: its burst is still whole
    for _ in range(BURST):
        neighbour.list_progress_update_streams()


def test_boto3_standard_retries_complete_every_call(hub: SimpleNamespace) -> None:
    mgh = client(hub.endpoint, KEYS["retrying"], retries={"mode": "standard", "max_attempts": 10})
    names = [uniq_name("retry") for _ in range(2 * BURST)]
    retried = 0
    for name in names:
        response = mgh.create_progress_update_stream(ProgressUpdateStreamName=name)
        retried += response["ResponseMetadata"]["RetryAttempts"]
    assert retried > 0, "the calls beyond the burst were throttled and retried"
    assert set(names) <= set(list_all_streams(client(hub.endpoint, KEYS["admin"])))
