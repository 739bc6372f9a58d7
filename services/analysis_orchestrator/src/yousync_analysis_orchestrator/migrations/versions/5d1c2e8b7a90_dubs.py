"""dubs: one row per mix a user made of a scene

Revision ID: 5d1c2e8b7a90
Revises: 03374e5fc84d
"""

from alembic import op
import sqlalchemy as sa


revision = '5d1c2e8b7a90'
down_revision = '5d2c8e1a9b47'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dubs',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=False),
    sa.Column('script_id', sa.BigInteger(), nullable=False),
    sa.Column('blob_key', sa.String(length=512), nullable=False),
    sa.Column('duration_seconds', sa.Float(), nullable=False),
    sa.Column('lines_mixed', sa.Integer(), nullable=False),
    sa.Column('with_background', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dubs')),
    schema='analysis'
    )
    op.create_index('ix_dubs_user_script_created', 'dubs', ['user_id', 'script_id', 'created_at'], unique=False, schema='analysis')


def downgrade() -> None:
    op.drop_index('ix_dubs_user_script_created', table_name='dubs', schema='analysis')
    op.drop_table('dubs', schema='analysis')
