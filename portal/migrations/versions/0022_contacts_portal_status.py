"""The contact's portal status, stored (``contacts.portal_status``) and indexed with the
default order, so ``contacts(filter: {status})`` reads an index instead of deriving the status
of every contact by joins. Backfilled from the facts (portal users, resource assignments):
only contacts with either can differ from the default PROSPECT.

On PostgreSQL the index is built CONCURRENTLY (no lock against writes on a populated table);
adding a column with a constant default is a catalogue change there.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = """
UPDATE contacts SET portal_status = CASE
    WHEN EXISTS (SELECT 1 FROM portal_users u
                 WHERE u.contact_id = contacts.id AND u.suspended_at IS NOT NULL) THEN 'SUSPENDED'
    WHEN EXISTS (SELECT 1 FROM portal_users u
                 WHERE u.contact_id = contacts.id AND u.last_login_at IS NOT NULL) THEN 'ACTIVE'
    WHEN EXISTS (SELECT 1 FROM portal_users u WHERE u.contact_id = contacts.id) THEN 'INVITED'
    WHEN EXISTS (SELECT 1 FROM resource_assignments a
                 WHERE a.contact_id = contacts.id) THEN 'RESOURCE_ASSIGNED'
    ELSE 'PROSPECT' END
WHERE id IN (SELECT contact_id FROM portal_users WHERE contact_id IS NOT NULL
             UNION SELECT contact_id FROM resource_assignments)
"""

INDEX_COLUMNS = (
    "portal_status, is_active, lower(last_name), lower(first_name), customer_number"
)


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch (table copy) on SQLite would lose the
    # expression indexes, which SQLite cannot reflect.
    op.add_column(
        'contacts',
        sa.Column('portal_status', sa.String(length=20), server_default='PROSPECT',
                  nullable=False),
    )
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.execute(
                'CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_contacts_status_name_order '
                f'ON contacts ({INDEX_COLUMNS})'
            )
    else:
        op.create_index(
            'ix_contacts_status_name_order',
            'contacts',
            ['portal_status', 'is_active', sa.text('lower(last_name)'),
             sa.text('lower(first_name)'), 'customer_number'],
        )


def downgrade() -> None:
    op.drop_index('ix_contacts_status_name_order', table_name='contacts')
    op.execute('ALTER TABLE contacts DROP COLUMN portal_status')
