"""Support impersonation: audited, time-boxed staff sessions as a customer.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('impersonations',
    sa.Column('staff_user_id', sa.Uuid(), nullable=True),
    sa.Column('staff_name', sa.String(length=200), nullable=False),
    sa.Column('portal_user_id', sa.Uuid(), nullable=True),
    sa.Column('contact_id', sa.Uuid(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('ticket_reference', sa.String(length=100), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('token_jti', sa.String(length=32), nullable=False),
    sa.Column('token_expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_user_id'], ['portal_users.id'], name=op.f('fk_impersonations_portal_user_id_portal_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_users.id'], name=op.f('fk_impersonations_staff_user_id_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_impersonations')),
    sa.UniqueConstraint('token_jti', name=op.f('uq_impersonations_token_jti'))
    )
    with op.batch_alter_table('impersonations', schema=None) as batch_op:
        batch_op.create_index('ix_impersonations_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_impersonations_portal_user_id'), ['portal_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_impersonations_staff_user_id'), ['staff_user_id'], unique=False)

    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('impersonation_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_portal_sessions_impersonation_id_impersonations'), 'impersonations', ['impersonation_id'], ['id'], ondelete='CASCADE')



def downgrade() -> None:
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_portal_sessions_impersonation_id_impersonations'), type_='foreignkey')
        batch_op.drop_column('impersonation_id')

    with op.batch_alter_table('impersonations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_impersonations_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_impersonations_portal_user_id'))
        batch_op.drop_index('ix_impersonations_created_at')

    op.drop_table('impersonations')
