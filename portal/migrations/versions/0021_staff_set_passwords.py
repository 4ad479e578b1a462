"""Staff never hold a customer's credential (issue 16, item 6): contacts remember that they had
a portal login, portal users that their password was set by staff, sessions that they were
opened with such a password. Contacts whose login was deleted or unassigned before this
revision are found in the audit log and the history.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: no table rebuild on SQLite (contacts has expression indexes).
    op.add_column(
        'contacts',
        sa.Column('had_portal_login', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        'portal_users',
        sa.Column(
            'password_set_by_staff_at', portal.models.base.UTCDateTime(timezone=True),
            nullable=True,
        ),
    )  # fmt: skip
    op.add_column(
        'portal_sessions',
        sa.Column('staff_created', sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(
        "UPDATE contacts SET had_portal_login = true WHERE id IN ("
        "SELECT contact_id FROM audit_log WHERE contact_id IS NOT NULL "
        "AND action IN ('portal_user.delete', 'portal_user.unassign')) "
        "OR id IN (SELECT contact_id FROM contact_history "
        "WHERE description = 'Portal account deleted by the customer')"
    )


def downgrade() -> None:
    op.drop_column('portal_sessions', 'staff_created')
    op.drop_column('portal_users', 'password_set_by_staff_at')
    op.drop_column('contacts', 'had_portal_login')
