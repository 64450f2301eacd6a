"""conversation.active_run: the durable workflow running the conversation's current turn

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation") as batch:
        batch.add_column(sa.Column("active_run", sa.String(length=100), nullable=True))
    # Rows a killed server left "running" were guesses; the engine now says what runs.
    op.execute("UPDATE conversation SET status = 'idle' WHERE status = 'running'")


def downgrade() -> None:
    with op.batch_alter_table("conversation") as batch:
        batch.drop_column("active_run")
