"""clips for the original frontend: video offset, collections, script bookmarks

Revision ID: 7c1f0e2d9b44
Revises: 3a984a5c793b
"""

import sqlalchemy as sa
from alembic import op

revision = "7c1f0e2d9b44"
down_revision = "3a984a5c793b"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "scripts",
        sa.Column("video_start_seconds", sa.Float(), server_default="0", nullable=False),
        schema="catalog",
    )
    op.add_column(
        "scripts",
        sa.Column("collections", sa.ARRAY(sa.Text()), server_default="{}", nullable=False),
        schema="catalog",
    )
    op.create_check_constraint(
        op.f("ck_scripts_video_start_not_negative"), "scripts", "video_start_seconds >= 0", schema="catalog"
    )
    op.create_index(
        "ix_scripts_source_video_url", "scripts", ["source_video_url", "id"], unique=False, schema="catalog"
    )
    op.create_index(
        "ix_scripts_collections", "scripts", ["collections"], unique=False, schema="catalog", postgresql_using="gin"
    )
    op.create_table(
        "script_bookmarks",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("script_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["catalog.scripts.id"],
            name=op.f("fk_script_bookmarks_script_id_scripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_bookmarks")),
        sa.UniqueConstraint("user_id", "script_id", name=op.f("uq_script_bookmarks_user_id_script_id")),
        schema="catalog",
    )
    op.create_index(
        op.f("ix_script_bookmarks_script_id"), "script_bookmarks", ["script_id"], unique=False, schema="catalog"
    )
    op.create_index(
        "ix_script_bookmarks_user_recent",
        "script_bookmarks",
        ["user_id", sa.literal_column("id DESC")],
        unique=False,
        schema="catalog",
    )


def downgrade() -> None:
    op.drop_table("script_bookmarks", schema="catalog")
    op.drop_index("ix_scripts_collections", table_name="scripts", schema="catalog")
    op.drop_index("ix_scripts_source_video_url", table_name="scripts", schema="catalog")
    op.drop_constraint(op.f("ck_scripts_video_start_not_negative"), "scripts", schema="catalog")
    op.drop_column("scripts", "collections", schema="catalog")
    op.drop_column("scripts", "video_start_seconds", schema="catalog")
