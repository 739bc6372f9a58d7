"""video_requests: the video-request board

Revision ID: 8c4f0a2d9b13
Revises: 3a984a5c793b
"""

from alembic import op
import sqlalchemy as sa


revision = '8c4f0a2d9b13'
down_revision = '7c1f0e2d9b44'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('video_requests',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('requester_id', sa.String(length=64), nullable=False),
    sa.Column('requester_name', sa.Text(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_video_requests')),
    schema='catalog'
    )
    op.create_index('ix_video_requests_created', 'video_requests', ['created_at', 'id'], unique=False, schema='catalog')
    op.create_index('ix_video_requests_requester', 'video_requests', ['requester_id', 'created_at'], unique=False, schema='catalog')
    op.create_index('uq_video_requests_one_pending', 'video_requests', ['requester_id'], unique=True, schema='catalog', postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('uq_video_requests_one_pending', table_name='video_requests', schema='catalog')
    op.drop_index('ix_video_requests_requester', table_name='video_requests', schema='catalog')
    op.drop_index('ix_video_requests_created', table_name='video_requests', schema='catalog')
    op.drop_table('video_requests', schema='catalog')
