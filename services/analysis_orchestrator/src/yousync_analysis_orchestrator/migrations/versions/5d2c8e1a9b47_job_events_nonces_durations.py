"""job events kept per job, webhook nonces, take durations

Revision ID: 5d2c8e1a9b47
Revises: 03374e5fc84d
"""

import sqlalchemy as sa
from alembic import op

revision = "5d2c8e1a9b47"
down_revision = "03374e5fc84d"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_events",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("failure_reason", sa.String(length=64), nullable=False),
        sa.Column("failure_message", sa.Text(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["analysis.jobs.id"], name=op.f("fk_job_events_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "sequence", name=op.f("pk_job_events")),
        schema="analysis",
    )
    # Jobs from before: their current state is the one event kept (older resumes get a snapshot).
    op.execute(
        "INSERT INTO analysis.job_events (job_id, sequence, state, stage, progress, message, failure_reason,"
        " failure_message, time) SELECT id, last_sequence, state, stage, progress, message, failure_reason,"
        " failure_message, updated_at FROM analysis.jobs"
    )
    op.create_table(
        "webhook_nonces",
        sa.Column("key", sa.LargeBinary(length=32), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_webhook_nonces")),
        schema="analysis",
    )
    op.create_index(
        op.f("ix_webhook_nonces_expires_at"), "webhook_nonces", ["expires_at"], unique=False, schema="analysis"
    )
    op.add_column("takes", sa.Column("duration_seconds", sa.Float(), nullable=True), schema="analysis")
    op.add_column("results", sa.Column("duration_seconds", sa.Float(), nullable=True), schema="analysis")


def downgrade() -> None:
    op.drop_column("results", "duration_seconds", schema="analysis")
    op.drop_column("takes", "duration_seconds", schema="analysis")
    op.drop_index(op.f("ix_webhook_nonces_expires_at"), table_name="webhook_nonces", schema="analysis")
    op.drop_table("webhook_nonces", schema="analysis")
    op.drop_table("job_events", schema="analysis")
