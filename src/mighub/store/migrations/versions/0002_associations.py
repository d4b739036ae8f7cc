"""Resource attributes, created artifacts, discovered and source resources, application states.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "resource_attributes",
        sa.Column("task_id", Id, sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.PrimaryKeyConstraint("task_id", "position", name="pk_resource_attributes"),
    )
    op.create_table(
        "created_artifacts",
        sa.Column("task_id", Id, sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("name", sa.String(1600), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("task_id", "name", name="pk_created_artifacts"),
    )
    op.create_table(
        "discovered_resources",
        sa.Column("task_id", Id, sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("configuration_id", sa.String(1600), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("task_id", "configuration_id", name="pk_discovered_resources"),
    )
    op.create_index(
        "ix_discovered_resources_configuration",
        "discovered_resources",
        ["configuration_id", "task_id"],
    )
    op.create_table(
        "source_resources",
        sa.Column("task_id", Id, sa.ForeignKey("tasks.id"), nullable=False),
        sa.Column("name", sa.String(1600), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("status_detail", sa.String(2500), nullable=True),
        sa.PrimaryKeyConstraint("task_id", "name", name="pk_source_resources"),
    )
    op.create_table(
        "application_states",
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("application_id", sa.String(1600), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("update_us", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "application_id", name="pk_application_states"),
    )


def downgrade() -> None:
    op.drop_table("application_states")
    op.drop_table("source_resources")
    op.drop_index("ix_discovered_resources_configuration", "discovered_resources")
    op.drop_table("discovered_resources")
    op.drop_table("created_artifacts")
    op.drop_table("resource_attributes")
