"""The tables declared in store/schema.py are the tables the migrations make.

A fresh database of each engine is upgraded to head (as ``Store`` does) and
compared with ``schema.metadata`` by Alembic's autogenerate comparison: a column,
table, index, type or nullability added to schema.py without its migration, or
to a migration without schema.py, shows up here as a difference.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from mighub.store.dialect import hub_engine
from mighub.store.engine import Store
from mighub.store.migrate import current_revision, head_revision
from mighub.store.schema import metadata

# What PostgreSQL has and schema.py cannot declare: migration 0004's indexes over
# the digest and the first characters of long keys (see store/keys.py), in place
# of indexes over the keys themselves.
LONG_KEY_TABLES = ("created_artifacts", "discovered_resources", "source_resources", "application_states")
POSTGRESQL_ONLY = {
    *(("remove_index", table, f"uq_{table}_key") for table in LONG_KEY_TABLES),
    *(("remove_index", table, f"ix_{table}_order") for table in LONG_KEY_TABLES),
    # over the digest of configuration_id there; over configuration_id itself in schema.py
    ("remove_index", "discovered_resources", "ix_discovered_resources_configuration"),
    ("add_index", "discovered_resources", "ix_discovered_resources_configuration"),
}


def described(difference: Any) -> tuple[str, ...]:
    """One difference from ``compare_metadata`` as plain names: (what, table, which)."""
    if isinstance(difference, list):  # modify_type, modify_nullable, ...: [(op, schema, table, column, ...)]
        op, _schema, table, column = difference[0][:4]
        return (op, table, column)
    op = difference[0]
    if op.endswith("_column"):  # (op, schema, table, column)
        return (op, difference[2], difference[3].name)
    if op.endswith("_table"):  # (op, table)
        return (op, difference[1].name)
    return (op, difference[1].table.name, str(difference[1].name))  # indexes and constraints


def differences(url: Any) -> set[tuple[str, ...]]:
    engine = hub_engine(url, write=False)
    try:
        with engine.connect() as conn:
            assert current_revision(conn) == head_revision()
            context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
            return {described(d) for d in compare_metadata(context, metadata)}
    finally:
        engine.dispose()


def test_the_migrations_make_the_declared_schema(store: Store) -> None:
    expected = POSTGRESQL_ONLY if store.dialect == "postgresql" else set()
    assert differences(store.url) == expected
