"""The event log: every change the API makes, in commit order.

``events`` holds one row per change; ``event_log`` its one row of bookkeeping
(the last cursor given out, the last one pruned). ``tasks.stale_reported``: whether
the log has said the task went stale.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bytewise = sa.String(50).with_variant(sa.String(50, collation="C"), "postgresql")
    op.create_table(
        "events",
        sa.Column("cursor", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("stream_name", bytewise, nullable=True),
        sa.Column("occurred_us", sa.BigInteger, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_events_account", "events", ["account_id", "cursor"])
    log = op.create_table(
        "event_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_cursor", sa.BigInteger, nullable=False),
        sa.Column("pruned_through", sa.BigInteger, nullable=False),
    )
    op.bulk_insert(log, [{"id": 1, "last_cursor": 0, "pruned_through": 0}])
    with op.batch_alter_table("tasks") as tasks:
        tasks.add_column(sa.Column("stale_reported", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_tasks_unreported_stale", "tasks", ["stale_reported", "stale_at_us"])


def downgrade() -> None:
    op.drop_index("ix_tasks_unreported_stale", "tasks")
    with op.batch_alter_table("tasks") as tasks:
        tasks.drop_column("stale_reported")
    op.drop_table("event_log")
    op.drop_index("ix_events_account", "events")
    op.drop_table("events")
