"""A substring index for ``contacts(filter: {search})`` (see portal.models.contact_search):
``pg_trgm`` GIN on PostgreSQL, built CONCURRENTLY so a populated table keeps taking writes;
an FTS5 trigram table kept in step by triggers on SQLite, filled from the existing contacts.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

from portal.models.contact_search import POSTGRES_INDEX, SQLITE_DDL, SQLITE_DROP

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        with op.get_context().autocommit_block():
            op.execute(
                f'CREATE INDEX CONCURRENTLY IF NOT EXISTS {POSTGRES_INDEX} '
                'ON contacts USING gin (search_text gin_trgm_ops)'
            )
    else:
        for statement in SQLITE_DDL:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP INDEX IF EXISTS {POSTGRES_INDEX}')
    else:
        for statement in SQLITE_DROP:
            op.execute(statement)
