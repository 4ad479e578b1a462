"""Staff second factor: the TOTP secret (sealed), its last accepted step and a pending secret
for enrolment, single-use recovery codes (hashed) and the half-logged-in login challenges.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staff_login_challenges',
    sa.Column('staff_user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('closed_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=400), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_users.id'], name=op.f('fk_staff_login_challenges_staff_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_login_challenges')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_login_challenges_token_hash'))
    )
    with op.batch_alter_table('staff_login_challenges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_login_challenges_staff_user_id'), ['staff_user_id'], unique=False)

    op.create_table('staff_recovery_codes',
    sa.Column('staff_user_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_users.id'], name=op.f('fk_staff_recovery_codes_staff_user_id_staff_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_recovery_codes')),
    sa.UniqueConstraint('staff_user_id', 'code_hash', name=op.f('uq_staff_recovery_codes_staff_user_id_code_hash'))
    )
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('totp_pending_secret', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('recovery_codes_left', sa.Integer(), nullable=False, server_default='0'))



def downgrade() -> None:
    with op.batch_alter_table('staff_users', schema=None) as batch_op:
        batch_op.drop_column('recovery_codes_left')
        batch_op.drop_column('totp_pending_secret')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')

    op.drop_table('staff_recovery_codes')
    with op.batch_alter_table('staff_login_challenges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_login_challenges_staff_user_id'))

    op.drop_table('staff_login_challenges')
