"""An index for the staff list of invitations, newest first: a page reads its rows in index
order instead of sorting the table.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_invitations_created_at_id', 'invitations', ['created_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_invitations_created_at_id', table_name='invitations')
