"""The member directory's own id and search text for each contact: directory ids and cursors no
longer carry the contact's id or customer number, and the directory's search matches only the
fields it shows (issue 16, item 10). Existing rows are filled in batches.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000
# What the directory shows, as of this revision (portal.services.contacts.crud).
SHOWN = ('first_name', 'last_name', 'company_name', 'city', 'website')


def _fold(value: str) -> str:
    """portal.normalization.fold_for_search as of this revision."""
    if value.isascii():
        return value.casefold().strip()
    decomposed = unicodedata.normalize('NFKD', value)
    without_marks = ''.join(c for c in decomposed if not unicodedata.combining(c))
    return without_marks.replace('ß', 'ss').casefold().strip()


def _fill() -> None:
    bind = op.get_bind()
    contacts = sa.table(
        'contacts', sa.column('id', sa.Uuid()), sa.column('directory_id', sa.Uuid()),
        sa.column('directory_text', sa.Text()), *(sa.column(name, sa.String()) for name in SHOWN),
    )  # fmt: skip
    last: uuid.UUID | None = None
    while True:
        query = sa.select(contacts.c.id, *(contacts.c[name] for name in SHOWN))
        if last is not None:
            query = query.where(contacts.c.id > last)
        rows = bind.execute(query.order_by(contacts.c.id).limit(BATCH)).all()
        if not rows:
            return
        bind.execute(
            contacts.update().where(contacts.c.id == sa.bindparam('row_id')),
            [
                {
                    'row_id': row[0],
                    'directory_id': uuid.uuid4(),
                    'directory_text': ' '.join(_fold(v) for v in row[1:] if v),
                }
                for row in rows
            ],
        )
        last = rows[-1][0]


def _name_order_index() -> None:
    op.create_index(
        'ix_contacts_name_order',
        'contacts',
        ['is_active', sa.text('lower(last_name)'), sa.text('lower(first_name)'), 'customer_number'],
    )


def upgrade() -> None:
    # SQLite rebuilds the table for the constraint and would lose the expression index (it
    # cannot reflect it): drop it first, create it again afterwards.
    op.drop_index('ix_contacts_name_order', table_name='contacts')
    with op.batch_alter_table('contacts') as batch_op:
        batch_op.add_column(sa.Column('directory_id', sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column('directory_text', sa.Text(), nullable=False, server_default=sa.text("''"))
        )
    _fill()
    with op.batch_alter_table('contacts') as batch_op:
        batch_op.alter_column('directory_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_contacts_directory_id'), ['directory_id'])
    _name_order_index()
    op.create_index(
        'ix_contacts_directory_order',
        'contacts',
        [sa.text('lower(last_name)'), sa.text('lower(first_name)'), 'directory_id'],
        postgresql_where=sa.text('directory_visible AND is_active'),
        sqlite_where=sa.text('directory_visible = 1 AND is_active = 1'),
    )


def downgrade() -> None:
    op.drop_index('ix_contacts_directory_order', table_name='contacts')
    op.drop_index('ix_contacts_name_order', table_name='contacts')
    with op.batch_alter_table('contacts') as batch_op:
        batch_op.drop_constraint('uq_contacts_directory_id', type_='unique')
        batch_op.drop_column('directory_text')
        batch_op.drop_column('directory_id')
    _name_order_index()
