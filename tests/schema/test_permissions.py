"""Permission classes answer UNAUTHENTICATED and FORBIDDEN as top-level errors."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from identity.permissions import StaffPermission, StaffRole, permissions_for_role
from portal.app.runtime import Runtime
from portal.models import Contact
from schema.common.permissions import HasPermission
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff


def test_roles_map_to_permission_sets() -> None:
    assert permissions_for_role(StaffRole.ADMIN) == frozenset(StaffPermission)
    support = permissions_for_role(StaffRole.SUPPORT)
    assert StaffPermission.CONTACTS_READ in support
    assert StaffPermission.CONTACTS_DELETE not in support
    assert StaffPermission.SUPPORT_IMPERSONATE_FULL not in support
    assert permissions_for_role("intern") == frozenset()


def test_has_permission_classes_are_shared_per_permission() -> None:
    assert HasPermission("contacts:read") is HasPermission(StaffPermission.CONTACTS_READ)
    assert HasPermission("contacts:read").error_extensions == {"code": "FORBIDDEN"}


def _readme_role_table() -> dict[str, dict[str, bool]]:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- roles:start -->")[1].split("<!-- roles:end -->")[0]
    rows = [line.strip().strip("|").split("|") for line in table.strip().splitlines()]
    roles = [cell.strip() for cell in rows[0][1:-1]]
    return {
        cells[0].strip().strip("`"): {
            role: cells[1 + i].strip() == "yes" for i, role in enumerate(roles)
        }
        for cells in rows[2:]
    }


def test_the_readme_role_table_is_the_enforced_one() -> None:
    documented = _readme_role_table()
    assert set(documented) == {p.value for p in StaffPermission}
    for permission, by_role in documented.items():
        assert set(by_role) == {r.value for r in StaffRole}
        for role, granted in by_role.items():
            assert (StaffPermission(permission) in permissions_for_role(role)) is granted, (
                permission,
                role,
            )


CONTACTS_PAGE = "{ contacts(first: 5) { totalCount } auditLog(first: 5) { totalCount } }"
CREATE_CONTACT = 'mutation { createContact(input: {lastName: "Lesend"}) { contact { id } } }'


async def test_an_auditor_reads_and_changes_nothing(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime, "auditor@example.com", role="auditor")
    me = (await admin_api.data("{ me { role permissions } }"))["me"]
    assert me == {
        "role": "AUDITOR",
        "permissions": ["AUDIT_READ", "CONTACTS_READ", "OUTBOX_READ", "PORTAL_USERS_READ"],
    }
    assert (await admin_api.data(CONTACTS_PAGE))["contacts"]["totalCount"] == 0

    body = await admin_api(CREATE_CONTACT)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    async with runtime.database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Contact)) == 0
