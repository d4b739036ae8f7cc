"""Names compare byte by byte on PostgreSQL, as on SQLite.

Lists are ordered by name and exports are meant to be identical across engines;
a database created with a linguistic collation (en_US.UTF-8, say) would order
"B" before "a" differently. Nothing changes on SQLite, which is bytewise already.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, column, length): the columns lists are ordered or keyed by.
NAMES = (
    ("home_region_controls", "control_id", 50),
    ("streams", "name", 50),
    ("tasks", "stream_name", 50),
    ("tasks", "name", 256),
    ("created_artifacts", "name", 1600),
    ("discovered_resources", "configuration_id", 1600),
    ("source_resources", "name", 1600),
    ("application_states", "application_id", 1600),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in NAMES:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR({length}) COLLATE "C"')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in NAMES:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR({length}) COLLATE "default"')
