"""Permission classes: the only place access is decided. A failure is a top-level GraphQL error
with ``extensions.code`` ``UNAUTHENTICATED`` or ``FORBIDDEN``."""

from __future__ import annotations

from functools import cache
from typing import Any

from graphql import GraphQLError
from strawberry.permission import BasePermission

from identity.permissions import StaffPermission
from schema.common.info import Info

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"


def unauthenticated() -> GraphQLError:
    return GraphQLError("Authentication required.", extensions={"code": UNAUTHENTICATED})


SECOND_FACTOR_ENROLMENT_REQUIRED = "SECOND_FACTOR_ENROLMENT_REQUIRED"


def enrolment_required() -> GraphQLError:
    return GraphQLError(
        "Set up two-factor login first (beginStaffTotpEnrolment).",
        extensions={"code": SECOND_FACTOR_ENROLMENT_REQUIRED},
    )


class IsStaffSession(BasePermission):
    """Any active staff user with a login session, also one who must still enrol a second
    factor (PORTAL_STAFF_REQUIRE_2FA): for me, log out and the enrolment itself."""

    message = "Authentication required."
    error_extensions = {"code": UNAUTHENTICATED}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = await info.context.staff()
        return principal is not None and principal.session is not None


class IsStaff(IsStaffSession):
    """Any authenticated, active staff user with a login session (an import token is not a
    login: it only reaches the fields its permissions name) who has the second factor that
    PORTAL_STAFF_REQUIRE_2FA asks for (``SECOND_FACTOR_ENROLMENT_REQUIRED`` otherwise)."""

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not await super().has_permission(source, info, **kwargs):
            return False
        principal = await info.context.require_staff()
        if principal.must_enrol:
            raise enrolment_required()
        return True


class IsCustomer(BasePermission):
    """A logged-in customer (activated, linked to a contact, not suspended)."""

    message = "Authentication required."
    error_extensions = {"code": UNAUTHENTICATED}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return await info.context.customer() is not None


class NotImpersonating(BasePermission):
    """Refused inside a support impersonation, whatever its mode: password, email, consent,
    account deletion and new impersonations stay the customer's own."""

    message = "Not allowed while support is viewing this account."
    error_extensions = {"code": "FORBIDDEN_WHILE_IMPERSONATING"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = await info.context.customer()
        return principal is None or principal.impersonation is None


class WritesAllowed(BasePermission):
    """Refused in a READ_ONLY impersonation; in FULL mode the mutation is audited with both
    identities."""

    message = "This support session is read-only."
    error_extensions = {"code": "IMPERSONATION_READ_ONLY"}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        from identity.impersonation import record_mutation

        principal = await info.context.customer()
        if principal is None or principal.impersonation is None:
            return True
        if principal.impersonation.mode != "FULL":
            return False
        await record_mutation(info.context.session, principal.impersonation, info.field_name)
        return True


class _HasFeature(BasePermission):
    feature: str
    message = "Your account does not include this portal function."
    error_extensions = {"code": FORBIDDEN}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if await info.context.customer() is None:
            raise unauthenticated()
        return self.feature in await info.context.customer_features()


@cache
def HasFeature(feature: str) -> type[BasePermission]:
    """A logged-in customer whose groups grant the portal function ``feature``."""
    return type(
        f"HasFeature_{feature}",
        (_HasFeature,),
        {"feature": feature, "__doc__": f"Requires the portal function {feature}."},
    )


class _HasStaffPermission(BasePermission):
    permission: StaffPermission
    message = "You do not have permission to do this."
    error_extensions = {"code": FORBIDDEN}

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = await info.context.staff()
        if principal is None:
            raise unauthenticated()
        if principal.must_enrol:
            raise enrolment_required()
        return principal.can(self.permission)


def HasPermission(permission: StaffPermission | str) -> type[BasePermission]:
    """The permission class for one staff permission, e.g. ``HasPermission("contacts:write")``."""
    return _permission_class(StaffPermission(permission))


@cache
def _permission_class(perm: StaffPermission) -> type[BasePermission]:
    return type(
        f"HasPermission_{perm.name}",
        (_HasStaffPermission,),
        {"permission": perm, "__doc__": f"Requires the staff permission {perm.value}."},
    )
