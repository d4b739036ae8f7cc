"""Keys of up to 1,600 four-byte characters on PostgreSQL.

A created artifact's or source resource's name, a ConfigurationId and an
ApplicationId may be 6,400 bytes of UTF-8, more than a btree index entry holds
(~2,700 bytes), so the primary keys over them refused such values. On
PostgreSQL each key is now unique by its SHA-256 digest within its task (or
account), and listed in order through an index on its first 500 characters (see
``mighub.store.keys``). Nothing changes on SQLite, which has no such limit.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Immutable, as an index expression must be: the database's encoding never changes.
DIGEST = """
CREATE FUNCTION mighub_key_digest(key text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.sha256(pg_catalog.convert_to(key, 'UTF8')) $$
"""
PREFIX = 500  # mighub.store.keys.PREFIX

# (table, parent column, key column, primary key it had)
KEYS = (
    ("created_artifacts", "task_id", "name", "pk_created_artifacts"),
    ("discovered_resources", "task_id", "configuration_id", "pk_discovered_resources"),
    ("source_resources", "task_id", "name", "pk_source_resources"),
    ("application_states", "account_id", "application_id", "pk_application_states"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(DIGEST)
    for table, parent, key, primary in KEYS:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {primary}")
        op.execute(f"CREATE UNIQUE INDEX uq_{table}_key ON {table} ({parent}, mighub_key_digest({key}))")
        op.execute(f"CREATE INDEX ix_{table}_order ON {table} ({parent}, substr({key}, 1, {PREFIX}))")
    # ListMigrationTasks by ResourceName: the tasks of one ConfigurationId.
    op.execute("DROP INDEX ix_discovered_resources_configuration")
    op.execute(
        "CREATE INDEX ix_discovered_resources_configuration "
        "ON discovered_resources (mighub_key_digest(configuration_id), task_id)"
    )


def downgrade() -> None:
    # Fails, saying which, if a key too long for the old indexes was stored meanwhile.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_discovered_resources_configuration")
    op.execute("CREATE INDEX ix_discovered_resources_configuration ON discovered_resources (configuration_id, task_id)")
    for table, parent, key, primary in KEYS:
        op.execute(f"DROP INDEX ix_{table}_order")
        op.execute(f"DROP INDEX uq_{table}_key")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {primary} PRIMARY KEY ({parent}, {key})")
    op.execute("DROP FUNCTION mighub_key_digest(text)")
