"""Indexes in the order of the growing staff lists: portal users newest first (all, and the
pending review queue by mapping status) and the audit log by action, each ending in ``id`` so
a keyset page seeks straight to its cursor. Built CONCURRENTLY on PostgreSQL.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ('ix_portal_users_created_at_id', 'portal_users', ['created_at', 'id']),
    (
        'ix_portal_users_mapping_status_created_at',
        'portal_users',
        ['mapping_status', 'created_at', 'id'],
    ),
    ('ix_audit_log_action_occurred_at', 'audit_log', ['action', 'occurred_at', 'id']),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            for name, table, columns in INDEXES:
                op.create_index(
                    name, table, columns, postgresql_concurrently=True, if_not_exists=True
                )
    else:
        for name, table, columns in INDEXES:
            op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
