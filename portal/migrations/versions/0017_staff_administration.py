"""Staff administration: invitations (single-use setup links), deactivation time, the language
and form of address of staff emails; a password is optional until an invited member sets one.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staff_invitations',
    sa.Column('staff_user_id', sa.Uuid(), nullable=False),
    sa.Column('invited_by_id', sa.Uuid(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['staff_users.id'], name=op.f('fk_staff_invitations_invited_by_id_staff_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_users.id'], name=op.f('fk_staff_invitations_staff_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_invitations_token_hash'))
    )
    with op.batch_alter_table('staff_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_invitations_invited_by_id'), ['invited_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_invitations_staff_user_id'), ['staff_user_id'], unique=False)

    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='de'))
        batch_op.add_column(sa.Column('formality', sa.String(length=16), nullable=False, server_default='formal'))
        batch_op.alter_column('password_hash',
               existing_type=sa.VARCHAR(length=255),
               nullable=True)
        batch_op.create_index('ix_staff_users_role_email_normalized', ['role', 'email_normalized'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_users_role_email_normalized')
        batch_op.alter_column('password_hash',
               existing_type=sa.VARCHAR(length=255),
               nullable=False)
        batch_op.drop_column('formality')
        batch_op.drop_column('language')
        batch_op.drop_column('deactivated_at')

    with op.batch_alter_table('staff_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_invitations_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_staff_invitations_invited_by_id'))

    op.drop_table('staff_invitations')
