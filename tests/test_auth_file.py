"""The auth file and deployment safety: ``mighub serve`` refuses a bad auth file at start with
a message naming the entry and the problem, warns when the file is readable by others,
refuses a non-loopback address without one; ``mighub keys create`` makes working keys.

Refusals happen before any store is opened, so those tests run once, not per backend.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from e2e_helpers import MighubServer, _mighub_command, list_all_streams, run_main
from test_auth_helpers import ACCOUNT_A, Key, allow, client, code_of, new_key, policy, stream_arn, write_auth_file

GOOD = new_key("good-tool")


def run_mighub(*args: str, timeout: float = 20) -> tuple[int, str, str, float]:
    started = time.monotonic()
    proc = subprocess.run(
        _mighub_command() + list(args), capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started


def serve(auth_file: Path, tmp_path: Path, *extra: str) -> tuple[int, str, str, float]:
    return run_mighub(
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--data-dir",
        str(tmp_path / "data"),
        "--auth-file",
        str(auth_file),
        *extra,
    )


def entry(
    name: str, *, account: str = ACCOUNT_A, key_id: str | None = None, policy_text: str | None = None, extra: str = ""
) -> str:
    key = new_key(name, account)
    text = policy_text if policy_text is not None else json.dumps(key.policy)
    return (
        "[[principals]]\n"
        f"name = {json.dumps(name)}\n"
        f"account_id = {json.dumps(account)}\n"
        f"access_key_id = {json.dumps(key_id or key.access_key_id)}\n"
        f"secret_access_key = {json.dumps(key.secret)}\n"
        + (f"policy = {json.dumps(text)}\n" if policy_text != "" else "")
        + extra
    )


def statement_policy(**statement: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


OK_STATEMENT = {"Effect": "Allow", "Action": "mgh:*", "Resource": "*"}

# name -> (file text, what the message must say besides the entry's name)
BAD_FILES: dict[str, tuple[str, list[str]]] = {
    "bad TOML": ("[[principals]]\nname = \"broken\nsecret = '", ["not valid TOML"]),
    "bad JSON policy": (
        entry("ok-1") + "\n" + entry("json-tool", policy_text='{"Version": "2012-10-17", "Statement": [}'),
        ["json-tool", "not valid JSON"],
    ),
    "unknown action": (
        entry("ok-1")
        + "\n"
        + entry("rocket-tool", policy_text=statement_policy(Effect="Allow", Action="mgh:LaunchRockets", Resource="*")),
        ["rocket-tool", "unknown action", "mgh:LaunchRockets"],
    ),
    "action of another service": (
        entry("ec2-tool", policy_text=statement_policy(Effect="Allow", Action="ec2:*", Resource="*")),
        ["ec2-tool", "unknown action"],
    ),
    "Condition element": (
        entry(
            "cond-tool", policy_text=statement_policy(**OK_STATEMENT, Condition={"StringEquals": {"aws:username": "x"}})
        ),
        ["cond-tool", "Condition"],
    ),
    "policy variable": (
        entry(
            "var-tool",
            policy_text=statement_policy(
                Effect="Allow",
                Action="mgh:*",
                Resource="arn:aws:mgh:us-east-1:111122223333:progressUpdateStream/${aws:username}/*",
            ),
        ),
        ["var-tool", "statement 1", "policy variable", "${aws:username}"],
    ),
    "Principal element": (
        entry("principal-tool", policy_text=statement_policy(**OK_STATEMENT, Principal={"AWS": "*"})),
        ["principal-tool", "Principal"],
    ),
    "duplicate access key id": (
        entry("first", key_id="AKIADUPLICATEKEY0001") + "\n" + entry("second", key_id="AKIADUPLICATEKEY0001"),
        ["second", "duplicate access_key_id", "AKIADUPLICATEKEY0001"],
    ),
    "duplicate name": (entry("twin") + "\n" + entry("twin"), ["twin", "duplicate name"]),
    "malformed ARN": (
        entry("arn-tool", policy_text=statement_policy(Effect="Allow", Action="mgh:*", Resource="arn:aws:mgh")),
        ["arn-tool", "malformed ARN", "arn:aws:mgh"],
    ),
    "resource not an ARN": (
        entry(
            "res-tool",
            policy_text=statement_policy(Effect="Allow", Action="mgh:*", Resource="progressUpdateStream/DMS"),
        ),
        ["res-tool", "malformed resource"],
    ),
    "bad account id": (entry("acct-tool", account="12345"), ["acct-tool", "account_id", "12345"]),
    "account id with letters": (entry("acct2-tool", account="11112222333a"), ["acct2-tool", "account_id"]),
    "bad Effect": (
        entry("effect-tool", policy_text=statement_policy(Effect="allow", Action="mgh:*", Resource="*")),
        ["effect-tool", "Effect"],
    ),
    "Action and NotAction": (
        entry(
            "both-tool",
            policy_text=statement_policy(Effect="Allow", Action="mgh:*", NotAction="mgh:Delete*", Resource="*"),
        ),
        ["both-tool", "NotAction"],
    ),
    "no Resource": (
        entry("nores-tool", policy_text=statement_policy(Effect="Allow", Action="mgh:*")),
        ["nores-tool", "Resource"],
    ),
    "no policy": (entry("nopolicy-tool", policy_text=""), ["nopolicy-tool", "policy"]),
    "missing policy file": (
        entry("file-tool", policy_text="", extra='policy_file = "does-not-exist.json"\n'),
        ["file-tool", "does-not-exist.json"],
    ),
    "no secret": (
        '[[principals]]\nname = "nosecret-tool"\naccount_id = "111122223333"\naccess_key_id = "AKIAAAAAAAAAAAAAAAAA"\n'
        f"policy = {json.dumps(json.dumps({'Statement': [OK_STATEMENT]}))}\n",
        ["nosecret-tool", "secret_access_key"],
    ),
    "no principals": ("[throttling]\nrate = 5\n", ["principals"]),
    "bad throttling": ("[throttling]\nrate = -1\n\n" + entry("ok-1"), ["throttling", "rate"]),
    "unknown section": ("[admins]\nx = 1\n\n" + entry("ok-1"), ["admins"]),
}


@pytest.fixture(scope="module")
def refusals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """``mighub serve`` on every bad file, in this process: each refusal comes before
    any store is opened, and a process per file would be mostly imports
    (``test_missing_auth_file_is_refused`` starts a real one). The home region given
    is no region, so that a file wrongly accepted is refused next, with the wrong
    message, rather than served."""
    found = {}
    for case, (text, _) in BAD_FILES.items():
        base = tmp_path_factory.mktemp("bad")
        path = base / "auth.toml"
        path.write_text(text)
        path.chmod(0o600)
        code, _, stderr = run_main(
            "serve",
            "--port",
            "0",
            "--data-dir",
            str(base / "data"),
            "--auth-file",
            str(path),
            "--home-region",
            "not-a-region!",
        )
        found[case] = code, stderr.replace(str(path), "<AUTH FILE>")
    return found


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_auth_file_is_refused_at_start(refusals: dict[str, tuple[int, str]], case: str) -> None:
    text, needles = BAD_FILES[case]
    code, stderr = refusals[case]
    assert code == 2, stderr
    assert "--home-region" not in stderr, stderr
    assert "<AUTH FILE>" in stderr, stderr
    for needle in needles:
        assert needle in stderr, (needle, stderr)
    assert "Traceback" not in stderr
    # no secret of the file is echoed
    for secret in re.findall(r'secret_access_key = "([^"]+)"', text):
        assert secret not in stderr


def test_missing_auth_file_is_refused(tmp_path: Path) -> None:
    code, _, stderr, _ = serve(tmp_path / "nowhere.toml", tmp_path)
    assert code != 0 and "nowhere.toml" in stderr and "Traceback" not in stderr


def test_policy_file_relative_to_the_auth_file(tmp_path: Path) -> None:
    (tmp_path / "tool-policy.json").write_text(json.dumps(policy(allow("mgh:*", stream_arn("rel")))))
    text = entry("rel-tool", policy_text="", extra='policy_file = "tool-policy.json"\n')
    path = tmp_path / "auth.toml"
    path.write_text(text)
    path.chmod(0o600)
    srv = MighubServer(tmp_path / "data", tmp_path / "server.log", extra_args=("--auth-file", str(path)))
    srv.start()
    try:
        key_id = re.search(r'access_key_id = "([^"]+)"', text).group(1)  # type: ignore[union-attr]
        secret = re.search(r'secret_access_key = "([^"]+)"', text).group(1)  # type: ignore[union-attr]
        key = Key("rel-tool", ACCOUNT_A, key_id, secret)
        mgh = client(srv.endpoint, key)
        mgh.create_progress_update_stream(ProgressUpdateStreamName="rel")
        assert (
            code_of(lambda: mgh.create_progress_update_stream(ProgressUpdateStreamName="other"))
            == "AccessDeniedException"
        )
    finally:
        srv.kill()


def test_world_readable_auth_file_draws_a_warning(tmp_path: Path) -> None:
    path = write_auth_file(tmp_path / "auth.toml", [GOOD])
    path.chmod(0o644)
    srv = MighubServer(tmp_path / "data", tmp_path / "server.log", extra_args=("--auth-file", str(path)))
    srv.start()
    try:
        log = srv.log_path.read_text()
        assert "warning" in log and str(path) in log and "readable" in log
        assert GOOD.secret not in log
        client(srv.endpoint, GOOD).list_progress_update_streams()  # a warning, not a refusal
    finally:
        srv.kill()
    quiet = write_auth_file(tmp_path / "quiet.toml", [GOOD])
    srv = MighubServer(tmp_path / "data2", tmp_path / "server2.log", extra_args=("--auth-file", str(quiet)))
    srv.start()
    try:
        assert "readable by other users" not in srv.log_path.read_text()
        assert "development mode" not in srv.log_path.read_text()
    finally:
        srv.kill()


# -- non-loopback addresses ---------------------------------------------------------------
def test_non_loopback_without_auth_file_is_refused(tmp_path: Path) -> None:
    code, _, stderr, elapsed = run_mighub(
        "serve", "--host", "0.0.0.0", "--port", "0", "--data-dir", str(tmp_path / "d")
    )
    assert code == 2
    assert "0.0.0.0" in stderr and "--auth-file" in stderr
    assert elapsed < 15


def test_non_loopback_with_auth_file_starts_and_requires_signatures(tmp_path: Path) -> None:
    path = write_auth_file(tmp_path / "auth.toml", [GOOD])
    srv = MighubServer(
        tmp_path / "data", tmp_path / "server.log", extra_args=("--host", "0.0.0.0", "--auth-file", str(path))
    )
    srv.start()
    try:
        assert "0.0.0.0" in srv.log_path.read_text()
        mgh = client(srv.endpoint, GOOD)
        mgh.create_progress_update_stream(ProgressUpdateStreamName="public")
        assert list_all_streams(mgh) == ["public"]
        assert (
            code_of(lambda: client(srv.endpoint, None).list_progress_update_streams())
            == "MissingAuthenticationTokenException"
        )
    finally:
        srv.kill()


def test_non_loopback_insecure_starts_in_announced_development_mode(tmp_path: Path) -> None:
    srv = MighubServer(tmp_path / "data", tmp_path / "server.log", extra_args=("--host", "0.0.0.0", "--insecure"))
    srv.start()
    try:
        assert "development mode" in srv.log_path.read_text()
    finally:
        srv.kill()


# -- mighub keys create -----------------------------------------------------------------------
def parse_credentials(stdout: str) -> tuple[str, str]:
    key_id = re.search(r"AWS_ACCESS_KEY_ID=(\S+)", stdout)
    secret = re.search(r"AWS_SECRET_ACCESS_KEY=(\S+)", stdout)
    assert key_id and secret, stdout
    return key_id.group(1), secret.group(1)


def test_keys_create_makes_working_restricted_keys(tmp_path: Path) -> None:
    auth = tmp_path / "conf" / "hub-auth.toml"
    tool_policy = tmp_path / "dms-policy.json"
    tool_policy.write_text(
        json.dumps(
            policy(
                allow("mgh:CreateProgressUpdateStream", stream_arn("DMS")),
                allow(
                    ["mgh:ImportMigrationTask", "mgh:NotifyMigrationTaskState", "mgh:DescribeMigrationTask"],
                    stream_arn("DMS") + "/*",
                ),
                allow(["mgh:ListMigrationTasks", "mgh:GetHomeRegion"], "*"),
            )
        )
    )
    # A real process once; the other keys are created in this process (run_main).
    code, out, err, _ = run_mighub(
        "keys",
        "create",
        "--auth-file",
        str(auth),
        "--name",
        "dms",
        "--account",
        ACCOUNT_A,
        "--policy-file",
        str(tool_policy),
    )
    assert code == 0, err
    dms_id, dms_secret = parse_credentials(out)
    assert oct(auth.stat().st_mode & 0o777) == oct(0o600)
    code, out, err = run_main("keys", "create", "--auth-file", str(auth), "--name", "ops", "--account", ACCOUNT_A)
    assert code == 0, err
    ops_id, ops_secret = parse_credentials(out)
    assert dms_id != ops_id and dms_secret != ops_secret
    assert oct(auth.stat().st_mode & 0o777) == oct(0o600)

    before = auth.read_text()
    for args, needle in (
        (("--name", "dms", "--account", ACCOUNT_A), "dms"),  # a duplicate name
        (("--name", "x", "--account", "123"), "12 digits"),
    ):
        code, out, err = run_main("keys", "create", "--auth-file", str(auth), *args)
        assert code != 0 and needle in err, err
        assert "AWS_SECRET_ACCESS_KEY" not in out
    bad_policy = tmp_path / "bad.json"
    bad_policy.write_text(statement_policy(**OK_STATEMENT, Condition={"Bool": {"aws:SecureTransport": "true"}}))
    code, _, err = run_main(
        "keys",
        "create",
        "--auth-file",
        str(auth),
        "--name",
        "y",
        "--account",
        ACCOUNT_A,
        "--policy-file",
        str(bad_policy),
    )
    assert code != 0 and "Condition" in err
    assert auth.read_text() == before, "a refused key leaves the file as it was"

    srv = MighubServer(tmp_path / "data", tmp_path / "server.log", extra_args=("--auth-file", str(auth)))
    srv.start()
    try:
        assert "readable by other users" not in srv.log_path.read_text()
        dms = client(srv.endpoint, Key("dms", ACCOUNT_A, dms_id, dms_secret))
        ops = client(srv.endpoint, Key("ops", ACCOUNT_A, ops_id, ops_secret))
        dms.create_progress_update_stream(ProgressUpdateStreamName="DMS")
        dms.import_migration_task(ProgressUpdateStream="DMS", MigrationTaskName="db-1")
        assert (
            code_of(lambda: dms.create_progress_update_stream(ProgressUpdateStreamName="other"))
            == "AccessDeniedException"
        )
        assert code_of(lambda: dms.list_progress_update_streams()) == "AccessDeniedException"
        ops.create_progress_update_stream(ProgressUpdateStreamName="ops-stream")  # the default: full access
        assert list_all_streams(ops) == ["DMS", "ops-stream"]
        assert [t["MigrationTaskName"] for t in dms.list_migration_tasks()["MigrationTaskSummaryList"]] == ["db-1"]
    finally:
        srv.kill()


def test_keys_create_refuses_a_file_the_hub_would_refuse(tmp_path: Path) -> None:
    auth = tmp_path / "auth.toml"
    auth.write_text("not [valid toml")
    os.chmod(auth, 0o600)
    code, out, err = run_main("keys", "create", "--auth-file", str(auth), "--name", "x", "--account", ACCOUNT_A)
    assert code != 0 and "TOML" in err
    assert auth.read_text() == "not [valid toml"
    assert "AWS_SECRET_ACCESS_KEY" not in out


def test_keys_create_leaves_a_world_readable_file_owner_only(tmp_path: Path) -> None:
    auth = tmp_path / "auth.toml"
    code, _, err = run_main("keys", "create", "--auth-file", str(auth), "--name", "a", "--account", ACCOUNT_A)
    assert code == 0, err
    auth.chmod(0o644)  # someone made it readable by all
    code, _out, err = run_main("keys", "create", "--auth-file", str(auth), "--name", "b", "--account", ACCOUNT_A)
    assert code == 0, err
    assert oct(auth.stat().st_mode & 0o777) == oct(0o600)
    assert 'name = "a"' in auth.read_text() and 'name = "b"' in auth.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["auth.toml"], "no temporary file left behind"
