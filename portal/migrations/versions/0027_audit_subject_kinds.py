"""The audit log names every subject kind one way: the staff API's type name of the record
(``AuditSubject``). Staff entries were recorded as ``staff_user``; they become ``StaffUser``.
A data migration only: one UPDATE of the (few) staff rows, on a populated database too.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Stored value before -> after; the values are fixed here, not read from the enum, so the
# revision keeps meaning what it meant when the enum changes.
RENAMED = {"staff_user": "StaffUser"}


def upgrade() -> None:
    for old, new in RENAMED.items():
        op.execute(
            f"UPDATE audit_log SET subject_type = '{new}' WHERE subject_type = '{old}'"
        )


def downgrade() -> None:
    for old, new in RENAMED.items():
        op.execute(
            f"UPDATE audit_log SET subject_type = '{old}' WHERE subject_type = '{new}'"
        )
