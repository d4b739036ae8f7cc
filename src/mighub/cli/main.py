"""The ``mighub`` command: ``serve`` and the hub's own commands, and the
aws-compatible ``mgh`` / ``migrationhub-config`` commands."""

from __future__ import annotations

import argparse
import sys

from .. import __version__


def build_parser() -> argparse.ArgumentParser:
    # Imported here: they bring SQLAlchemy and the server (~190 ms), which the
    # aws-compatible commands, often run in loops from scripts, never need.
    from . import data, db, keys, people, serve, webhooks

    parser = argparse.ArgumentParser(
        prog="mighub",
        description="A self-hostable AWS Migration Hub. `mighub serve` runs the hub; "
        "`mighub mgh ...` and `mighub migrationhub-config ...` take the aws CLI's commands.",
    )
    parser.add_argument("--version", action="version", version=f"mighub {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    serve.add_parser(subparsers)
    db.add_parser(subparsers)
    data.add_parsers(subparsers)
    keys.add_parser(subparsers)
    people.add_parsers(subparsers)
    webhooks.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from . import aws

    if aws.is_aws_command(argv):
        return aws.main(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 0
    try:
        return int(handler(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
