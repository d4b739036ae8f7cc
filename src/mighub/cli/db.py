"""``mighub db``: the database's schema."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import create_engine


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("db", help="manage the database schema")
    commands = parser.add_subparsers(title="db commands", metavar="COMMAND", required=True)
    upgrade = commands.add_parser("upgrade", help="apply the schema migrations this mighub needs")
    upgrade.add_argument("--database", required=True, metavar="URL", help="SQLAlchemy database URL")
    upgrade.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    from ..store.migrate import SchemaError, ensure_schema, head_revision

    from ..store.dialect import normalize_url

    engine = create_engine(normalize_url(args.database))
    try:
        with engine.begin() as conn:
            ensure_schema(conn, upgrade=True)
    except SchemaError as exc:
        print(f"mighub: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"mighub: {args.database} is at schema {head_revision()}")
    return 0
