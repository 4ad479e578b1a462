"""Indexes for the contacts list's bounded counts under tag, group and status filters: the
link tables by ``(tag_id, contact_id)`` / ``(group_id, contact_id)`` (replacing the indexes on
``tag_id`` / ``group_id`` alone, which they cover), and on PostgreSQL two partial indexes of
active contacts' ids (``portal.models.list_indexes``). Built CONCURRENTLY on PostgreSQL, so a
populated database keeps answering while they build.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Literal here, not imported, so the revision keeps meaning what it meant.
LINK_INDEXES = (
    ('ix_contact_tags_tag_contact', 'contact_tags', ['tag_id', 'contact_id'], 'ix_contact_tags_tag_id'),
    (
        'ix_contact_group_members_group_contact',
        'contact_group_members',
        ['group_id', 'contact_id'],
        'ix_contact_group_members_group_id',
    ),
)
POSTGRES_INDEXES = (
    ('ix_contacts_active_ids', 'ON contacts (id) WHERE is_active IS true'),
    ('ix_contacts_active_status_ids', 'ON contacts (portal_status, id) WHERE is_active IS true'),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            for name, table, columns, replaced in LINK_INDEXES:
                op.create_index(
                    name, table, columns, postgresql_concurrently=True, if_not_exists=True
                )
                op.drop_index(
                    replaced, table_name=table, postgresql_concurrently=True, if_exists=True
                )
            for name, statement in POSTGRES_INDEXES:
                op.execute(f'CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} {statement}')
    else:
        for name, table, columns, replaced in LINK_INDEXES:
            op.create_index(name, table, columns)
            op.drop_index(replaced, table_name=table)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for name, _statement in POSTGRES_INDEXES:
            op.execute(f'DROP INDEX IF EXISTS {name}')
    for name, table, columns, replaced in LINK_INDEXES:
        op.create_index(replaced, table, [columns[0]])
        op.drop_index(name, table_name=table)
