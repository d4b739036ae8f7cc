"""The auth file: who may call the hub, and what each may do.

TOML, read once at start and checked whole; every problem is reported with the
entry it is in::

    [throttling]            # optional: per access key token bucket
    rate = 50               # requests per second (default 100)
    burst = 100             # bucket size (default 200)

    [[principals]]
    name = "dms-tool"
    account_id = "111122223333"
    access_key_id = "AKIA..."
    secret_access_key = "..."
    policy = '''{"Version": "2012-10-17", "Statement": [...]}'''   # or policy_file = "p.json"
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .policy import Policy, PolicyError, parse_policy

DEFAULT_RATE = 100.0
DEFAULT_BURST = 200


class AuthFileError(ValueError):
    """The auth file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Principal:
    name: str
    account_id: str
    access_key_id: str
    secret_access_key: str = field(repr=False)  # never printed, never logged
    policy: Policy = field(repr=False)


@dataclass(frozen=True)
class AuthConfig:
    principals: dict[str, Principal]  # by access key id
    rate: float = DEFAULT_RATE
    burst: int = DEFAULT_BURST

    def principal(self, access_key_id: str) -> Principal | None:
        return self.principals.get(access_key_id)


def load_auth_file(path: Path) -> AuthConfig:
    try:
        document = tomllib.loads(path.read_text())
    except OSError as exc:
        raise AuthFileError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise AuthFileError(f"{path}: not valid TOML: {exc}") from None
    if path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH) and os.name == "posix":
        print(
            f"mighub: warning: {path} holds secret keys and is readable by other users; chmod 600 {path}",
            file=sys.stderr,
        )
    return parse_auth_document(document, path)


def parse_auth_document(document: dict[str, Any], path: Path) -> AuthConfig:
    unknown = set(document) - {"principals", "throttling"}
    if unknown:
        raise AuthFileError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}")
    throttling = document.get("throttling", {})
    rate = throttling.get("rate", DEFAULT_RATE)
    burst = throttling.get("burst", DEFAULT_BURST)
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate <= 0:
        raise AuthFileError(f"{path}: [throttling] rate must be a positive number of requests per second")
    if not isinstance(burst, int) or isinstance(burst, bool) or burst < 1:
        raise AuthFileError(f"{path}: [throttling] burst must be a positive integer")
    entries = document.get("principals", [])
    if not isinstance(entries, list) or not entries:
        raise AuthFileError(f"{path}: no [[principals]] entries: nobody could call the hub")
    principals: dict[str, Principal] = {}
    names: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        principal = _principal(entry, f"{path}: principal {index}", path.parent)
        if principal.access_key_id in principals:
            raise AuthFileError(
                f"{path}: principal {index} ({principal.name}): duplicate access_key_id {principal.access_key_id}"
            )
        if principal.name in names:
            raise AuthFileError(f"{path}: principal {index}: duplicate name {principal.name!r}")
        names.add(principal.name)
        principals[principal.access_key_id] = principal
    return AuthConfig(principals, float(rate), burst)


def _principal(entry: Any, where: str, base: Path) -> Principal:
    if not isinstance(entry, dict):
        raise AuthFileError(f"{where}: must be a table")
    name = entry.get("name")
    if isinstance(name, str) and name:
        where = f"{where} ({name})"
    allowed = {"name", "account_id", "access_key_id", "secret_access_key", "policy", "policy_file"}
    unknown = set(entry) - allowed
    if unknown:
        raise AuthFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("name", "account_id", "access_key_id", "secret_access_key"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            raise AuthFileError(f"{where}: {key} is required (a non-empty string)")
    if not re.fullmatch(r"\d{12}", entry["account_id"]):
        raise AuthFileError(f"{where}: account_id must be 12 digits, not {entry['account_id']!r}")
    if not re.fullmatch(r"[A-Za-z0-9]{16,128}", entry["access_key_id"]):
        raise AuthFileError(f"{where}: access_key_id must be 16 to 128 letters and digits")
    if ("policy" in entry) == ("policy_file" in entry):
        raise AuthFileError(f"{where}: give exactly one of policy and policy_file")
    if "policy" in entry:
        text, origin = entry["policy"], "policy"
    else:
        policy_path = (base / entry["policy_file"]).expanduser()
        try:
            text, origin = policy_path.read_text(), str(policy_path)
        except OSError as exc:
            raise AuthFileError(f"{where}: cannot read policy_file {policy_path}: {exc.strerror}") from None
    try:
        document = json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError as exc:
        raise AuthFileError(f"{where}: {origin} is not valid JSON: {exc}") from None
    try:
        policy = parse_policy(document, where)
    except PolicyError as exc:
        raise AuthFileError(str(exc)) from None
    return Principal(
        name=entry["name"],
        account_id=entry["account_id"],
        access_key_id=entry["access_key_id"],
        secret_access_key=entry["secret_access_key"],
        policy=policy,
    )
