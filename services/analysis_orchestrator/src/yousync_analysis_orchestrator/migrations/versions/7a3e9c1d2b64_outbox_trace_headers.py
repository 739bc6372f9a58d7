"""outbox: the W3C trace context of the transaction that wrote each event

Revision ID: 7a3e9c1d2b64
Revises: 7c4e1f0a2b93
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "7a3e9c1d2b64"
down_revision = "7c4e1f0a2b93"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "outbox", sa.Column("trace_headers", postgresql.JSONB(astext_type=sa.Text()), nullable=True), schema="analysis"
    )


def downgrade() -> None:
    op.drop_column("outbox", "trace_headers", schema="analysis")
