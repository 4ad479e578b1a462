"""Portal identity: portal users, customer sessions, matching flows, spent tokens, settings.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = '0005'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('portal_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_portal_settings'))
    )
    op.create_table('used_tokens',
    sa.Column('jti', sa.String(length=32), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('used_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('jti', name=op.f('pk_used_tokens'))
    )
    op.create_table('portal_users',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_normalized', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('password_changed_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('registration_status', sa.String(length=32), nullable=False),
    sa.Column('mapping_status', sa.String(length=16), nullable=False),
    sa.Column('pending_reason', sa.String(length=32), nullable=True),
    sa.Column('contact_id', sa.Uuid(), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('existing_customer', sa.Boolean(), nullable=False),
    sa.Column('registration_identifiers', sa.JSON(), nullable=False),
    sa.Column('terms_accepted_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('activated_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('assigned_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('suspended_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pending_email', sa.String(length=254), nullable=True),
    sa.Column('password_reset_jti', sa.String(length=32), nullable=True),
    sa.Column('email_change_jti', sa.String(length=32), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_portal_users_contact_id_contacts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_users')),
    sa.UniqueConstraint('contact_id', name=op.f('uq_portal_users_contact_id')),
    sa.UniqueConstraint('email_normalized', name=op.f('uq_portal_users_email_normalized'))
    )
    with op.batch_alter_table('portal_users', schema=None) as batch_op:
        batch_op.create_index('ix_portal_users_mapping_status', ['mapping_status'], unique=False)
        batch_op.create_index('ix_portal_users_registration_status', ['registration_status'], unique=False)

    op.create_table('matching_flows',
    sa.Column('portal_user_id', sa.Uuid(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_user_id'], ['portal_users.id'], name=op.f('fk_matching_flows_portal_user_id_portal_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_flows'))
    )
    with op.batch_alter_table('matching_flows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_flows_portal_user_id'), ['portal_user_id'], unique=False)

    op.create_table('portal_sessions',
    sa.Column('portal_user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=400), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['portal_user_id'], ['portal_users.id'], name=op.f('fk_portal_sessions_portal_user_id_portal_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_portal_sessions_token_hash'))
    )
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_portal_sessions_portal_user_id', ['portal_user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('portal_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_sessions_portal_user_id')

    op.drop_table('portal_sessions')
    with op.batch_alter_table('matching_flows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_flows_portal_user_id'))

    op.drop_table('matching_flows')
    with op.batch_alter_table('portal_users', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_users_registration_status')
        batch_op.drop_index('ix_portal_users_mapping_status')

    op.drop_table('portal_users')
    op.drop_table('used_tokens')
    op.drop_table('portal_settings')
