"""Second-identifier attempts counted per portal user across flows (issue 16, item 5): a
correct logIn opens a new flow but no new attempts. Existing users start from the attempts of
their flows.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with a default: no table rebuild on SQLite.
    op.add_column(
        'portal_users',
        sa.Column(
            'second_identifier_attempts', sa.Integer(), nullable=False, server_default=sa.text('0')
        ),
    )
    op.execute(
        'UPDATE portal_users SET second_identifier_attempts = ('
        'SELECT COALESCE(SUM(attempts), 0) FROM matching_flows '
        'WHERE matching_flows.portal_user_id = portal_users.id) '
        'WHERE contact_id IS NULL'
    )


def downgrade() -> None:
    # DROP COLUMN in place (SQLite >= 3.35): a batch rebuild would reflect contacts, whose
    # expression indexes SQLite cannot reflect.
    op.drop_column('portal_users', 'second_identifier_attempts')
