"""An expression index for the staff console's default contact order (folded last name, first
name, customer number among active contacts), so a page reads 100 rows in index order instead
of sorting the table.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_contacts_name_order',
        'contacts',
        ['is_active', sa.text('lower(last_name)'), sa.text('lower(first_name)'), 'customer_number'],
    )


def downgrade() -> None:
    op.drop_index('ix_contacts_name_order', table_name='contacts')
