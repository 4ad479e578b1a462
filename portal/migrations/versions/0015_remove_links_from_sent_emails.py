"""Remove the links from outbox messages that were sent before links were removed on delivery
(and sealed while queued): a database dump must not reveal a working setup, reset or
activation link. Each is replaced by the marker the delivery worker now leaves. Queued and
failed messages keep their links: they are still to be sent, and are cleared when they are.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The catalog's link of each template as of this revision (portal.email.catalog).
LINKS = {
    'account_activation': 'activation_url',
    'already_registered': 'password_reset_url',
    'password_reset': 'reset_url',
    'email_change_confirmation': 'confirm_url',
    'invitation': 'setup_url',
    'newsletter_opt_in': 'confirm_url',
    'account_ready': 'login_url',
}
REMOVED_MARKER = {'removed': 'after delivery'}
BATCH = 500

outbox = sa.table(
    'outbox_messages',
    sa.column('id', sa.Uuid()),
    sa.column('template', sa.String()),
    sa.column('status', sa.String()),
    sa.column('context', sa.JSON()),
)


def upgrade() -> None:
    connection = op.get_bind()
    query = (
        sa.select(outbox.c.id, outbox.c.template, outbox.c.context)
        .where(outbox.c.status == 'sent', outbox.c.template.in_(list(LINKS)))
        .order_by(outbox.c.id)
    )
    last = None
    while True:
        page = query if last is None else query.where(outbox.c.id > last)
        rows = connection.execute(page.limit(BATCH)).all()
        if not rows:
            break
        for row in rows:
            key = LINKS[row.template]
            context = dict(row.context or {})
            if key in context and context[key] != REMOVED_MARKER:
                context[key] = dict(REMOVED_MARKER)
                connection.execute(
                    outbox.update().where(outbox.c.id == row.id).values(context=context)
                )
        last = rows[-1].id


def downgrade() -> None:
    pass  # removed links cannot come back, and nothing needs them
