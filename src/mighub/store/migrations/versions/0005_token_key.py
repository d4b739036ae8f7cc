"""The hub's own secrets: the key that seals pagination tokens.

One row per purpose. The hub creates the row itself (at random) the first time
it opens a database without it, so every replica on one database seals with the
same key and tokens survive restarts. Never exported: a copied hub makes its own.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hub_secrets",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("secret", sa.LargeBinary, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hub_secrets")
