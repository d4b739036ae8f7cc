"""Streams, tasks, task history and home-region controls.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("account_id", sa.String(12), primary_key=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "home_region_controls",
        sa.Column("control_id", sa.String(50), primary_key=True),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("home_region", sa.String(50), nullable=False),
        sa.Column("target_type", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(12), nullable=True),
        sa.Column("requested_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_home_region_controls_account", "home_region_controls", ["account_id", "control_id"])
    op.create_table(
        "streams",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("deleting", sa.Boolean, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("account_id", "name", name="uq_streams_account_name"),
    )
    op.create_table(
        "tasks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("stream_id", Id, sa.ForeignKey("streams.id"), nullable=False),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("stream_name", sa.String(50), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("status_detail", sa.Text, nullable=True),
        sa.Column("progress_percent", sa.Integer, nullable=True),
        sa.Column("update_us", sa.BigInteger, nullable=True),
        sa.Column("next_update_seconds", sa.BigInteger, nullable=True),
        sa.Column("stale_at_us", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("account_id", "stream_name", "name", name="uq_tasks_account_stream_name"),
    )
    op.create_index("ix_tasks_stream", "tasks", ["stream_id", "id"])
    op.create_index("ix_tasks_stale", "tasks", ["account_id", "stale_at_us"])
    op.create_table(
        "task_updates",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("task_id", Id, sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("update_us", sa.BigInteger, nullable=False),
        sa.Column("received_us", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_detail", sa.Text, nullable=True),
        sa.Column("progress_percent", sa.Integer, nullable=True),
        sa.Column("next_update_seconds", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_task_updates_task_time", "task_updates", ["task_id", "update_us", "id"])


def downgrade() -> None:
    op.drop_table("task_updates")
    op.drop_table("tasks")
    op.drop_table("streams")
    op.drop_table("home_region_controls")
    op.drop_table("accounts")
