"""Reloading the auth file while the hub runs (``kill -HUP``).

The new file is read and checked whole, as at start; only then does it replace
the one in force, so a broken file changes nothing and the log says why. The
log names the principals added, removed and changed (and what about them
changed), never a key's secret.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .config import AuthConfig, AuthFileError, Principal, load_auth_file
from .gate import Gate

log = logging.getLogger(__name__)


def changes(old: AuthConfig, new: AuthConfig) -> list[str]:
    """What differs between two auth files, by principal name, in words fit for a log."""
    before = {p.name: p for p in old.principals.values()}
    after = {p.name: p for p in new.principals.values()}
    said: list[str] = []
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    changed = [
        f"{name} ({', '.join(what)})"
        for name in sorted(after.keys() & before.keys())
        if (what := _differences(before[name], after[name]))
    ]
    if added:
        said.append(f"added {', '.join(added)}")
    if removed:
        said.append(f"removed {', '.join(removed)}")
    if changed:
        said.append(f"changed {', '.join(changed)}")
    if (old.rate, old.burst) != (new.rate, new.burst):
        said.append(f"throttling now {new.rate:g} requests/s, burst {new.burst}")
    return said


def _differences(old: Principal, new: Principal) -> list[str]:
    what = []
    if old.account_id != new.account_id:
        what.append(f"account {old.account_id} -> {new.account_id}")
    if old.access_key_id != new.access_key_id:
        what.append(f"access key {old.access_key_id} -> {new.access_key_id}")
    if old.secret_access_key != new.secret_access_key:
        what.append("secret")
    if old.policy != new.policy:
        what.append("policy")
    return what


class AuthReloader:
    """Re-reads ``path`` into ``gate`` on demand."""

    def __init__(self, gate: Gate, path: Path) -> None:
        self.gate = gate
        self.path = path

    def reload(self) -> bool:
        """Load the file again; True when the new one is in force, False when the old one stays."""
        old = self.gate.config
        assert old is not None, "only a hub started with an auth file reloads one"
        try:
            new = load_auth_file(self.path)
        except AuthFileError as exc:
            log.error("auth file not reloaded, the previous one stays in force: %s", exc)
            return False
        said = changes(old, new)
        self.gate.replace_config(new)
        log.info(
            "auth file %s reloaded: %s; %d principal(s) in force",
            self.path,
            "; ".join(said) or "no change",
            len(new.principals),
        )
        return True
