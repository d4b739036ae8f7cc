"""``mighub db``: the database's schema."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("db", help="manage the database schema")
    commands = parser.add_subparsers(title="db commands", metavar="COMMAND", required=True)
    upgrade = commands.add_parser("upgrade", help="apply the schema migrations this mighub needs")
    upgrade.add_argument("--database", required=True, metavar="URL", help="SQLAlchemy database URL")
    upgrade.set_defaults(handler=run_upgrade)


def run_upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    from ..store.dialect import driver_message, normalize_url
    from ..store.migrate import SchemaError, ensure_schema, head_revision
    from .database import DatabaseChoiceError, choose_database

    try:
        database = choose_database(args.database)
    except DatabaseChoiceError as exc:
        print(f"mighub: {exc}", file=sys.stderr)
        return 2
    engine = create_engine(normalize_url(database.url))
    try:
        with engine.begin() as conn:
            ensure_schema(conn, upgrade=True)
    except SchemaError as exc:
        print(f"mighub: cannot upgrade {database.shown}: {exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:
        print(f"mighub: cannot open the database {database.shown}: {driver_message(exc)}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"mighub: {database.shown} is at schema {head_revision()}")
    return 0
