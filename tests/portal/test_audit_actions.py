"""The audit log's vocabularies (issue 17, items 1 and 2): the recorder takes only
``AuditAction`` and ``AuditSubject``, and the staff API's enums are exactly those."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import pytest

from portal.services.actors import SYSTEM
from portal.services.audit import audit_row
from portal.services.audit_actions import AuditAction, AuditSubject
from schema.admin.schema import admin_schema

NOW = datetime(2026, 12, 3, tzinfo=UTC)


def test_an_action_outside_the_enum_is_not_recorded() -> None:
    # mypy refuses a plain string at the call site; the recorder refuses it at run time too.
    with pytest.raises(ValueError, match="frobnicate"):
        audit_row(SYSTEM, cast(Any, "contact.frobnicate"), occurred_at=NOW,
                  subject_type=AuditSubject.CONTACT, subject_id=None)  # fmt: skip
    with pytest.raises(ValueError, match="staff_user"):
        audit_row(SYSTEM, AuditAction.STAFF_DELETE, occurred_at=NOW,
                  subject_type=cast(Any, "staff_user"), subject_id=None)  # fmt: skip


def test_the_staff_api_answers_exactly_the_recorded_vocabulary() -> None:
    for name, python_enum in (("AuditAction", AuditAction), ("AuditSubjectType", AuditSubject)):
        graphql_enum = admin_schema._schema.type_map[name]
        assert set(graphql_enum.values) == {member.name for member in python_enum}  # type: ignore[attr-defined]
