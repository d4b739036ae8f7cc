"""``kill -HUP`` reloads the auth file: checked whole, a broken one keeps the old one in
force, and the log says what changed, by principal name, never a secret."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from e2e_helpers import MighubServer, poll
from mighub.auth.config import load_auth_file
from mighub.auth.gate import Gate
from mighub.auth.reload import changes
from test_auth_helpers import ACCOUNT_A, ADMIN_POLICY, Key, auth_toml, client, code_of, new_key, write_auth_file

READ_ONLY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "mgh:List*", "Resource": "*"}]}


def load(tmp_path: Path, keys: list[Key], name: str, throttling: dict[str, Any] | None = None) -> Any:
    path = tmp_path / name
    path.write_text(auth_toml(keys, throttling or {"rate": 1, "burst": 3}))
    path.chmod(0o600)
    return load_auth_file(path)


def test_changes_are_said_by_name(tmp_path: Path) -> None:
    stay, go, edited = new_key("stay"), new_key("go"), new_key("edited")
    old = load(tmp_path, [stay, go, edited], "old.toml")
    rekeyed = Key("edited", ACCOUNT_A, "AKIA" + "Z" * 16, "another-secret", READ_ONLY)
    new = load(tmp_path, [stay, rekeyed, new_key("came")], "new.toml", {"rate": 5, "burst": 3})
    said = changes(old, new)
    assert said == [
        "added came",
        "removed go",
        f"changed edited (access key {edited.access_key_id} -> {rekeyed.access_key_id}, secret, policy)",
        "throttling now 5 requests/s, burst 3",
    ]
    assert not any(key.secret in line for line in said for key in (stay, go, edited, rekeyed))
    assert changes(old, old) == []


def test_a_reload_keeps_the_throttle_buckets_of_keys_that_stay(tmp_path: Path) -> None:
    stay, go = new_key("stay"), new_key("go")
    gate = Gate(load(tmp_path, [stay, go], "a.toml"))
    assert gate.throttle is not None
    for _ in range(3):
        gate.throttle.take(stay.access_key_id, now=0.0)
        gate.throttle.take(go.access_key_id, now=0.0)
    gate.replace_config(load(tmp_path, [stay, new_key("came")], "b.toml"))
    assert gate.throttle.take(stay.access_key_id, now=0.0) > 0  # still spent: no fresh burst
    assert gate.throttle.take(go.access_key_id, now=0.0) == 0  # forgotten, as the key is gone
    gate.replace_config(load(tmp_path, [stay], "c.toml", {"rate": 1, "burst": 10}))
    assert gate.throttle.burst == 10 and gate.throttle.take(stay.access_key_id, now=0.0) == 0


def keys_create(auth_file: Path, name: str) -> Key:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mighub",
            "keys",
            "create",
            "--auth-file",
            str(auth_file),
            "--name",
            name,
            "--account",
            ACCOUNT_A,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key_id = re.search(r"AWS_ACCESS_KEY_ID=(\S+)", result.stdout)
    secret = re.search(r"AWS_SECRET_ACCESS_KEY=(\S+)", result.stdout)
    assert key_id and secret, result.stdout
    return Key(name, ACCOUNT_A, key_id.group(1), secret.group(1), ADMIN_POLICY)


def hang_up(srv: MighubServer, expect: str) -> None:
    """SIGHUP the server and wait until its log says ``expect`` once more than before."""
    before = srv.log_path.read_text().count(expect)
    assert srv.proc is not None
    srv.proc.send_signal(signal.SIGHUP)
    poll(lambda: srv.log_path.read_text().count(expect) > before)


def lists(srv: MighubServer, key: Key) -> str | None:
    return code_of(lambda: client(srv.endpoint, key).list_progress_update_streams())


def test_keys_change_without_a_restart(server_factory: Any, tmp_path: Path) -> None:
    first = new_key("first")
    auth = write_auth_file(tmp_path / "auth.toml", [first])
    srv = server_factory(extra_args=("--auth-file", str(auth)))
    added = keys_create(auth, "added")
    assert lists(srv, added) == "UnrecognizedClientException"

    hang_up(srv, "reloaded")
    assert lists(srv, added) is None
    assert lists(srv, first) is None
    assert "added added; 2 principal(s) in force" in srv.log_path.read_text()

    good = auth.read_text()
    auth.write_text(good + '\n[[principals]]\nname = "broken"\naccount_id = "12"\n')
    hang_up(srv, "not reloaded")
    log = srv.log_path.read_text()
    assert "the previous one stays in force" in log and "principal 3 (broken)" in log
    assert lists(srv, first) is None and lists(srv, added) is None
    assert srv.proc is not None and srv.proc.poll() is None

    auth.write_text(good.replace(added.secret, "a-new-secret-for-the-added-key-0123456789"))
    hang_up(srv, "changed added (secret)")
    assert lists(srv, added) == "InvalidSignatureException"
    text = srv.log_path.read_text()
    for secret in (first.secret, added.secret, "a-new-secret-for-the-added-key"):
        assert secret not in text
