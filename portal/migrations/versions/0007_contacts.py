"""Contacts complete: person, company, address, phones, consent, reachability; further emails,
external references, groups, tags, history, consent evidence, audit log.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('occurred_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_type', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject_type', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=True),
    sa.Column('contact_id', sa.Uuid(), nullable=True),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_actor_id', ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_log_contact_id_occurred_at', ['contact_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_audit_log_occurred_at', ['occurred_at'], unique=False)

    op.create_table('contact_groups',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_contact_groups_name'))
    )
    op.create_table('tags',
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('name_normalized', sa.String(length=60), nullable=False),
    sa.Column('is_central', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('name_normalized', name=op.f('uq_tags_name_normalized'))
    )
    op.create_table('consent_events',
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('occurred_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=400), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_consent_events_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consent_events'))
    )
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_events_contact_id'), ['contact_id'], unique=False)

    op.create_table('contact_emails',
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_normalized', sa.String(length=254), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_emails_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_emails'))
    )
    with op.batch_alter_table('contact_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_emails_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_emails_email_normalized'), ['email_normalized'], unique=False)

    op.create_table('contact_group_members',
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('group_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_group_members_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['contact_groups.id'], name=op.f('fk_contact_group_members_group_id_contact_groups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'group_id', name=op.f('pk_contact_group_members'))
    )
    with op.batch_alter_table('contact_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_group_members_group_id'), ['group_id'], unique=False)

    op.create_table('contact_history',
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('occurred_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=50), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('actor_type', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('revenue_amount', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('revenue_currency', sa.String(length=3), nullable=True),
    sa.Column('visible_to_customer', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_history_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_history'))
    )
    with op.batch_alter_table('contact_history', schema=None) as batch_op:
        batch_op.create_index('ix_contact_history_contact_id_occurred_at', ['contact_id', 'occurred_at'], unique=False)

    op.create_table('contact_tags',
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('tag_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_contact_tags_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_contact_tags_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('contact_id', 'tag_id', name=op.f('pk_contact_tags'))
    )
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_tags_tag_id'), ['tag_id'], unique=False)

    op.create_table('external_references',
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('source_system', sa.String(length=50), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_external_references_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_external_references')),
    sa.UniqueConstraint('source_system', 'external_id', name=op.f('uq_external_references_source_system_external_id'))
    )
    with op.batch_alter_table('external_references', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_external_references_contact_id'), ['contact_id'], unique=False)

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('salutation', sa.String(length=30), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('title', sa.String(length=50), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('street', sa.String(length=200), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('postal_code', sa.String(length=20), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('city', sa.String(length=100), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('country', sa.String(length=2), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('phone1', sa.String(length=40), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('phone1_e164', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('phone2', sa.String(length=40), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('phone2_e164', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('mobile', sa.String(length=40), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('mobile_e164', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('fax', sa.String(length=40), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('fax_e164', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('website', sa.String(length=300), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('date_of_birth', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('notes', sa.Text(), nullable=False, server_default=sa.text("''")))
        batch_op.add_column(sa.Column('formality', sa.String(length=16), nullable=False, server_default=sa.text("'formal'")))
        batch_op.add_column(sa.Column('reachability', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch_op.add_column(sa.Column('directory_visible', sa.Boolean(), nullable=False, server_default=sa.text("false")))
        batch_op.add_column(sa.Column('source', sa.String(length=32), nullable=False, server_default=sa.text("'MANUAL'")))
        batch_op.add_column(sa.Column('registered_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('newsletter_invited_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('newsletter_confirmed_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('newsletter_revoked_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('newsletter_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('newsletter_token_expires_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=sa.text("''")))
        batch_op.create_index('ix_contacts_active_last_name', ['is_active', 'last_name', 'first_name'], unique=False)
        batch_op.create_index('ix_contacts_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_contacts_newsletter_token_hash', ['newsletter_token_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_contacts_phone1_e164'), ['phone1_e164'], unique=False)

    # Contacts that existed before: searchable by name, email and number; registered when created.
    op.execute(
        "UPDATE contacts SET registered_at = created_at, search_text = lower("
        "first_name || ' ' || last_name || ' ' || company_name || ' ' || coalesce(email, '') "
        "|| ' ' || CAST(customer_number AS VARCHAR))"
    )


def downgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_phone1_e164'))
        batch_op.drop_index('ix_contacts_newsletter_token_hash')
        batch_op.drop_index('ix_contacts_created_at')
        batch_op.drop_index('ix_contacts_active_last_name')
        batch_op.drop_column('search_text')
        batch_op.drop_column('newsletter_token_expires_at')
        batch_op.drop_column('newsletter_token_hash')
        batch_op.drop_column('newsletter_revoked_at')
        batch_op.drop_column('newsletter_confirmed_at')
        batch_op.drop_column('newsletter_invited_at')
        batch_op.drop_column('registered_at')
        batch_op.drop_column('source')
        batch_op.drop_column('directory_visible')
        batch_op.drop_column('reachability')
        batch_op.drop_column('formality')
        batch_op.drop_column('notes')
        batch_op.drop_column('date_of_birth')
        batch_op.drop_column('website')
        batch_op.drop_column('fax_e164')
        batch_op.drop_column('fax')
        batch_op.drop_column('mobile_e164')
        batch_op.drop_column('mobile')
        batch_op.drop_column('phone2_e164')
        batch_op.drop_column('phone2')
        batch_op.drop_column('phone1_e164')
        batch_op.drop_column('phone1')
        batch_op.drop_column('country')
        batch_op.drop_column('city')
        batch_op.drop_column('postal_code')
        batch_op.drop_column('street')
        batch_op.drop_column('title')
        batch_op.drop_column('salutation')

    with op.batch_alter_table('external_references', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_external_references_contact_id'))

    op.drop_table('external_references')
    with op.batch_alter_table('contact_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_tags_tag_id'))

    op.drop_table('contact_tags')
    with op.batch_alter_table('contact_history', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_history_contact_id_occurred_at')

    op.drop_table('contact_history')
    with op.batch_alter_table('contact_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_group_members_group_id'))

    op.drop_table('contact_group_members')
    with op.batch_alter_table('contact_emails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_emails_email_normalized'))
        batch_op.drop_index(batch_op.f('ix_contact_emails_contact_id'))

    op.drop_table('contact_emails')
    with op.batch_alter_table('consent_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_events_contact_id'))

    op.drop_table('consent_events')
    op.drop_table('tags')
    op.drop_table('contact_groups')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_occurred_at')
        batch_op.drop_index('ix_audit_log_contact_id_occurred_at')
        batch_op.drop_index('ix_audit_log_actor_id')

    op.drop_table('audit_log')
