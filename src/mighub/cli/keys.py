"""``mighub keys``: credentials for the tools that call the hub."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import string
import sys
import tempfile
from pathlib import Path

FULL_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "mgh:*", "Resource": "*"}]}
_KEY_ALPHABET = string.ascii_uppercase + "234567"


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("keys", help="manage the access keys of an auth file")
    commands = parser.add_subparsers(title="keys commands", metavar="COMMAND", required=True)
    create = commands.add_parser(
        "create",
        help="add a principal with new credentials to an auth file and print them once",
        description="Add a principal with freshly generated credentials to the auth file "
        "(created, readable by you only, if missing) and print the credentials once.",
    )
    create.add_argument("--auth-file", type=Path, required=True, metavar="PATH")
    create.add_argument("--name", required=True, help="a name for the principal, e.g. the tool's")
    create.add_argument("--account", required=True, metavar="ACCOUNT_ID", help="12-digit account id")
    create.add_argument(
        "--policy-file",
        type=Path,
        default=None,
        metavar="JSON",
        help="IAM-style policy for the key (default: mgh:* on *, full access to the account)",
    )
    create.set_defaults(handler=run_create)


def run_create(args: argparse.Namespace) -> int:
    from ..auth.config import AuthFileError, load_auth_file, parse_auth_document
    from ..auth.policy import PolicyError, parse_policy

    if not re.fullmatch(r"\d{12}", args.account):
        print(f"mighub: --account must be 12 digits, not {args.account!r}", file=sys.stderr)
        return 2
    if args.policy_file is not None:
        try:
            policy = json.loads(args.policy_file.read_text())
            parse_policy(policy, str(args.policy_file))
        except (OSError, json.JSONDecodeError, PolicyError) as exc:
            print(f"mighub: {args.policy_file}: {exc}", file=sys.stderr)
            return 2
    else:
        policy = FULL_ACCESS
    path: Path = args.auth_file
    existing = ""
    if path.exists():
        try:
            config = load_auth_file(path)
        except AuthFileError as exc:
            print(f"mighub: {exc}", file=sys.stderr)
            return 2
        if any(p.name == args.name for p in config.principals.values()):
            print(f"mighub: {path} already has a principal named {args.name!r}", file=sys.stderr)
            return 2
        existing = path.read_text()
    access_key_id = "AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
    secret = secrets.token_urlsafe(30)[:40]
    entry = (
        "\n[[principals]]\n"
        f"name = {json.dumps(args.name)}\n"
        f"account_id = {json.dumps(args.account)}\n"
        f"access_key_id = {json.dumps(access_key_id)}\n"
        f"secret_access_key = {json.dumps(secret)}\n"
        f"policy = {json.dumps(json.dumps(policy))}\n"
    )
    text = existing + entry
    import tomllib

    parse_auth_document(tomllib.loads(text), path)  # never write a file the hub would refuse
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(path, text)
    print(f"Added principal {args.name!r} (account {args.account}) to {path}.")
    if args.policy_file is None:
        print("Its policy allows every mgh action in the account; give --policy-file to restrict it.")
    print("The secret is shown only now:\n")
    print(f"  AWS_ACCESS_KEY_ID={access_key_id}")
    print(f"  AWS_SECRET_ACCESS_KEY={secret}")
    return 0


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``, readable by its owner only.

    Written beside it and renamed over it: a hub reloading the file never reads
    half of it, and the new file is mode 600 whatever the old one's mode was (a
    world-readable file of secrets does not stay so because a key was added).
    """
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
