"""The staff journey through the client ariadne-codegen generates from schema/admin.graphql:
log in, create contacts and page through them with cursors in both directions, find the pending
portal user and create its contact (typed errors first), invite a contact, and start an
impersonation."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from portal.app.runtime import Runtime
from tests.factories import STAFF_PASSWORD, make_customer, make_staff


async def log_in(admin: ModuleType, admin_client: Any, runtime: Runtime) -> None:
    await make_staff(runtime)
    answer = (await admin_client.staff_log_in("admin@example.com", STAFF_PASSWORD)).staff_log_in
    assert answer.errors == [] and answer.step is admin.StaffLogInStep.LOGGED_IN
    assert answer.staff_user.role is admin.StaffRole.ADMIN
    admin_client.http_client.headers["authorization"] = f"Bearer {answer.token}"


async def test_contacts_page_through_cursors_in_both_directions(
    generated: dict[str, ModuleType], admin_client: Any, runtime: Runtime
) -> None:
    admin = generated["admin"]
    await log_in(admin, admin_client, runtime)
    for name in ("Adler", "Becker", "Cramer", "Dorn", "Engel"):
        created = await admin_client.create_contact(admin.CreateContactInput(lastName=name))
        assert created.create_contact.errors == []
        assert created.create_contact.contact.formality is admin.FormOfAddress.FORMAL

    for direction, expected in (
        (admin.OrderDirection.ASC, ["Adler", "Becker", "Cramer", "Dorn", "Engel"]),
        (admin.OrderDirection.DESC, ["Engel", "Dorn", "Cramer", "Becker", "Adler"]),
    ):
        order = admin.ContactOrderInput(field=admin.ContactOrderField.NAME, direction=direction)
        seen: list[str] = []
        after = None
        while True:
            page = (await admin_client.contacts_page(first=2, after=after, order_by=order)).contacts
            assert page.total_count == 5
            seen += [edge.node.last_name for edge in page.edges]
            assert all(e.node.portal_status is admin.PortalStatus.PROSPECT for e in page.edges)
            if not page.page_info.has_next_page:
                break
            after = page.page_info.end_cursor
        assert seen == expected


async def test_pending_user_gets_a_contact_an_invitation_and_support_can_impersonate(
    generated: dict[str, ModuleType], admin_client: Any, runtime: Runtime
) -> None:
    admin = generated["admin"]
    await log_in(admin, admin_client, runtime)
    await make_customer(runtime, "wartet@example.de", linked=False)
    pending = admin.PortalUserFilterInput(mappingStatus=admin.MappingStatus.PENDING)
    users = (await admin_client.portal_users(first=10, filter_=pending)).portal_users
    [user] = [edge.node for edge in users.edges]
    assert user.registration_status is admin.RegistrationStatus.REGISTERED

    # The regression of issue 17, item 3, through the generated client: typed errors, parsed.
    refused = await admin_client.create_contact_for_portal_user(
        user.id, admin.CreateContactInput(email="keine-adresse", city="x" * 500)
    )
    assert {e.code for e in refused.create_contact_for_portal_user.errors} == {
        admin.PortalUserErrorCode.INVALID_EMAIL,
        admin.PortalUserErrorCode.TOO_LONG,
    }
    made = await admin_client.create_contact_for_portal_user(
        user.id, admin.CreateContactInput(lastName="Wartend")
    )
    assert made.create_contact_for_portal_user.errors == []
    assert made.create_contact_for_portal_user.portal_user.mapping_status is (
        admin.MappingStatus.ASSIGNED
    )

    other = await admin_client.create_contact(
        admin.CreateContactInput(lastName="Eingeladen", email="eingeladen@example.de")
    )
    invited = await admin_client.invite_contact(other.create_contact.contact.id, True)
    assert invited.invite_contact.errors == []
    invitation = invited.invite_contact.invitation
    assert invitation.status is admin.InvitationStatus.PENDING
    assert invitation.expires_at > invitation.created_at

    started = await admin_client.start_impersonation(
        user.id, "Kunde ruft an: Rechnung pruefen", admin.ImpersonationMode.READ_ONLY
    )
    assert started.start_impersonation.errors == []
    session = started.start_impersonation.impersonation
    assert session.mode is admin.ImpersonationMode.READ_ONLY
    assert started.start_impersonation.login_url
