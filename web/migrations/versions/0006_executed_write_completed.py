"""executed_write.completed: a write's start is recorded before it is sent, its result after

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 15:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("executed_write") as batch:
        batch.add_column(
            sa.Column("completed", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("executed_write") as batch:
        batch.drop_column("completed")
