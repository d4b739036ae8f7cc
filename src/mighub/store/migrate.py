"""Schema versions, managed by Alembic: one migration history for every engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from .dialect import profile

MIGRATIONS = Path(__file__).with_name("migrations")


class SchemaError(RuntimeError):
    """The database's schema is not one this version of mighub can use."""


def _config(conn: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def apply_migrations(conn: Connection) -> None:
    command.upgrade(_config(conn), "head")


def ensure_schema(conn: Connection, *, upgrade: bool) -> None:
    """Bring the schema to this version's head, or say why it cannot be used.

    ``upgrade=False`` still initialises an empty database: there is nothing to
    lose, and a first start should just work.
    """
    profile(conn).lock_schema(conn)
    current = current_revision(conn)
    head = head_revision()
    if current == head:
        return
    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    if current is not None and current not in known:
        raise SchemaError(f"the database's schema ({current}) is newer than this mighub knows ({head}); upgrade mighub")
    if not upgrade and current is not None:
        raise SchemaError(
            f"the database's schema ({current or 'empty'}) is older than this mighub needs "
            f"({head}); run `mighub db upgrade --database URL`"
        )
    apply_migrations(conn)
