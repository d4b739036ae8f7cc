"""An index of tasks by status and deadline: the metrics count tasks by status,
and the stale ones among them, from it alone.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tasks_status", "tasks", ["status", "stale_at_us"])


def downgrade() -> None:
    op.drop_index("ix_tasks_status", "tasks")
