"""Webhook endpoints, replays and the delivery attempt log.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("account_id", sa.String(12), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("types", sa.Text, nullable=False),
        sa.Column("streams", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("disabled_reason", sa.Text, nullable=True),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("previous_secret", sa.String(64), nullable=True),
        sa.Column("previous_secret_until_us", sa.BigInteger, nullable=True),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_us", sa.BigInteger, nullable=False),
        sa.Column("failing_since_us", sa.BigInteger, nullable=True),
        sa.Column("lease_until_us", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_webhook_endpoints_account", "webhook_endpoints", ["account_id", "id"])
    op.create_index("ix_webhook_endpoints_due", "webhook_endpoints", ["enabled", "next_attempt_us"])
    op.create_table(
        "webhook_replays",
        sa.Column("endpoint_id", sa.String(40), sa.ForeignKey("webhook_endpoints.id"), nullable=False),
        sa.Column("cursor", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("endpoint_id", "cursor", name="pk_webhook_replays"),
    )
    op.create_table(
        "webhook_attempts",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("endpoint_id", sa.String(40), sa.ForeignKey("webhook_endpoints.id"), nullable=False),
        sa.Column("message_id", sa.String(40), nullable=False),
        sa.Column("cursor", sa.BigInteger, nullable=True),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("at_us", sa.BigInteger, nullable=False),
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("latency_us", sa.BigInteger, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text, nullable=True),
    )
    op.create_index("ix_webhook_attempts_endpoint", "webhook_attempts", ["endpoint_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_attempts_endpoint", "webhook_attempts")
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_replays")
    op.drop_index("ix_webhook_endpoints_due", "webhook_endpoints")
    op.drop_index("ix_webhook_endpoints_account", "webhook_endpoints")
    op.drop_table("webhook_endpoints")
