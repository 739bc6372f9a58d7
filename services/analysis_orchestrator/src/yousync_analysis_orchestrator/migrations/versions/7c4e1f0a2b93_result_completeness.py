"""results.completeness: the share of the line's words spoken (0-1), beside the other scores

Revision ID: 7c4e1f0a2b93
Revises: 5d1c2e8b7a90

Scored results stored before this revision get it from the analyzer's result kept whole in
results.analysis (batched, so a large table is not read at once).
"""

import sqlalchemy as sa
from alembic import op

revision = "7c4e1f0a2b93"
down_revision = "5d1c2e8b7a90"
branch_labels = None
depends_on = None

BATCH = 500


def upgrade() -> None:
    op.add_column("results", sa.Column("completeness", sa.Float(), nullable=True), schema="analysis")
    from yousync.analyzer.v1 import analyzer_pb2

    bind = op.get_bind()
    after = None
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT job_id, analysis FROM analysis.results WHERE overall IS NOT NULL"
                + (" AND job_id > :after" if after is not None else "")
                + " ORDER BY job_id LIMIT :n"
            ),
            {"n": BATCH, **({"after": after} if after is not None else {})},
        ).all()
        if not rows:
            break
        updates = []
        for job_id, raw in rows:
            result = analyzer_pb2.AnalysisResult()
            try:
                result.ParseFromString(raw or b"")
            except Exception:  # a damaged row keeps NULL (shown as "not recorded")
                continue
            if result.scores.completeness > 0:
                updates.append({"job_id": job_id, "completeness": result.scores.completeness})
        if updates:
            bind.execute(
                sa.text("UPDATE analysis.results SET completeness = :completeness WHERE job_id = :job_id"), updates
            )
        after = rows[-1][0]


def downgrade() -> None:
    op.drop_column("results", "completeness", schema="analysis")
