"""OAuth for MCP clients: registered clients, authorization requests and codes, grants

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 02:08:17
"""

from __future__ import annotations

from collections.abc import Sequence

import fastapi_users_db_sqlalchemy.generics
import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oauth_client",
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("client_id"),
    )
    op.create_table(
        "oauth_authorization",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("user_id", fastapi_users_db_sqlalchemy.generics.GUID(), nullable=True),
        sa.Column("csrf", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("workspaces", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grant_id", fastapi_users_db_sqlalchemy.generics.GUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["oauth_client.client_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("oauth_authorization", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_authorization_code_hash"), ["code_hash"], unique=True
        )

    op.create_table(
        "oauth_grant",
        sa.Column("id", fastapi_users_db_sqlalchemy.generics.GUID(), nullable=False),
        sa.Column("user_id", fastapi_users_db_sqlalchemy.generics.GUID(), nullable=False),
        sa.Column("client_id", sa.String(length=100), nullable=False),
        sa.Column("client_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("workspaces", sa.JSON(), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("access_hash", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refresh_hash", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column(
            "previous_refresh_hash", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True
        ),
        sa.Column("refresh_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["client_id"], ["oauth_client.client_id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("oauth_grant", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oauth_grant_access_hash"), ["access_hash"], unique=True
        )
        batch_op.create_index(
            batch_op.f("ix_oauth_grant_previous_refresh_hash"),
            ["previous_refresh_hash"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_oauth_grant_refresh_hash"), ["refresh_hash"], unique=True
        )
        batch_op.create_index(batch_op.f("ix_oauth_grant_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oauth_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_grant_user_id"))
        batch_op.drop_index(batch_op.f("ix_oauth_grant_refresh_hash"))
        batch_op.drop_index(batch_op.f("ix_oauth_grant_previous_refresh_hash"))
        batch_op.drop_index(batch_op.f("ix_oauth_grant_access_hash"))

    op.drop_table("oauth_grant")
    with op.batch_alter_table("oauth_authorization", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oauth_authorization_code_hash"))

    op.drop_table("oauth_authorization")
    op.drop_table("oauth_client")
