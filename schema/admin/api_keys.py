"""Import tokens in the staff API: API keys holding only ``contacts:import`` (a POS system
pushing contacts through ``importContacts``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar

import strawberry

from identity.api_keys import (
    ApiKeyErrorCode,
    create_import_token,
    list_api_keys,
    revoke_api_key,
)
from identity.permissions import StaffPermission
from portal.models import ApiKey
from schema.admin.staff.types import StaffPermissionEnum  # noqa: F401  (registers the enum)
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    PAYLOAD_ERRORS,
    describe_values,
)
from schema.common.errors import Atomic, ErrorFields
from schema.common.ids import from_global_id, to_global_id
from schema.common.info import Info
from schema.common.permissions import HasPermission

ApiKeyErrorCodeEnum = strawberry.enum(
    ApiKeyErrorCode,
    name="ImportTokenErrorCode",
    description="Why an import token request was refused.",
)
describe_values(
    ApiKeyErrorCode,
    {
        "INVALID_NAME": "The name is blank or longer than 120 characters.",
        "INVALID_LIFETIME": "`expiresInDays` is outside 1 to 3650.",
        "NOT_FOUND": "No import token with this id.",
    },
)


@strawberry.type(description="A problem with an import token request.")
class ImportTokenError(ErrorFields):
    codes: ClassVar = ApiKeyErrorCode
    code: ApiKeyErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="An API key for machines; the secret is shown only at creation.")
class ImportToken:
    id: strawberry.ID = strawberry.field(
        description="Global id of the token, for revokeImportToken."
    )
    name: str = strawberry.field(description="Where it is used, as staff named it.")
    prefix: str = strawberry.field(description="The first characters, to recognise the token.")
    permissions: list[StaffPermission] = strawberry.field(
        description="Staff permissions the token carries: CONTACTS_IMPORT, and "
        "CONTACTS_IMPORT_IDENTITY when it may change contacts' emails."
    )
    created_at: datetime = strawberry.field(description="When it was created.")
    expires_at: datetime | None = strawberry.field(
        description="When it stops working; null: valid until revoked."
    )
    last_used_at: datetime | None = strawberry.field(
        description="When it was last used; null if never."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; null while it is valid."
    )

    @classmethod
    def from_row(cls, key: ApiKey) -> ImportToken:
        return cls(
            id=to_global_id("ImportToken", key.id), name=key.name, prefix=key.token_prefix,
            permissions=[StaffPermission(p) for p in key.permissions], created_at=key.created_at,
            expires_at=key.expires_at, last_used_at=key.last_used_at, revoked_at=key.revoked_at,
        )  # fmt: skip


@strawberry.input(description="An import token to create.")
class CreateImportTokenInput:
    name: str = strawberry.field(
        description=("Where it is used, e.g. 'POS shop Mitte'; 1 to 120 characters.")
    )
    expires_in_days: int | None = strawberry.field(
        default=None, description="1 to 3650 days; none: until revoked."
    )
    allow_identity_changes: bool = strawberry.field(
        default=False,
        description="Let the token change the email of an existing contact (the key a portal "
        "login is matched by; adds the permission contacts:import_identity). Without it such a "
        "row is held and never applied. Only for systems that own the contacts' addresses.",
    )


@strawberry.type(description="Result of createImportToken.")
class CreateImportTokenPayload:
    import_token: ImportToken | None = strawberry.field(
        default=None, description="The new token's facts; null when `errors` is not empty."
    )
    token: str | None = strawberry.field(
        default=None,
        description="The secret, shown once: send it as 'Authorization: Bearer <token>' to "
        "/admin/graphql. It can call importContacts and nothing else, and the answer tells it "
        "only what follows from the file it sent.",
    )
    errors: list[ImportTokenError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of revokeImportToken.")
class RevokeImportTokenPayload:
    import_token: ImportToken | None = strawberry.field(
        default=None,
        description="The token, now with `revokedAt`; null when `errors` is not empty.",
    )
    errors: list[ImportTokenError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type
class ApiKeyQuery:
    @strawberry.field(
        description="Import tokens, newest first, revoked ones included.",
        permission_classes=[HasPermission(StaffPermission.STAFF_MANAGE)],
    )
    async def import_tokens(self, info: Info) -> list[ImportToken]:
        return [ImportToken.from_row(k) for k in await list_api_keys(info.context.session)]


@strawberry.type
class ApiKeyMutation:
    @strawberry.mutation(
        description="Create an import token (only contacts:import, and contacts:import_identity "
        "when asked for; acting for you). Audited.",
        permission_classes=[HasPermission(StaffPermission.STAFF_MANAGE)],
        extensions=[Atomic()],
    )
    async def create_import_token(
        self,
        info: Info,
        input: Annotated[
            CreateImportTokenInput, strawberry.argument(description="The token to create.")
        ],
    ) -> CreateImportTokenPayload:
        ctx = info.context
        principal = await ctx.require_staff()
        created = await create_import_token(
            ctx.session, await ctx.staff_actor(), principal.user,
            name=input.name, expires_in_days=input.expires_in_days,
            identity_changes=input.allow_identity_changes,
        )  # fmt: skip
        return CreateImportTokenPayload(
            import_token=ImportToken.from_row(created.key), token=created.token
        )

    @strawberry.mutation(
        description="Revoke an import token at once. Audited.",
        permission_classes=[HasPermission(StaffPermission.STAFF_MANAGE)],
        extensions=[Atomic()],
    )
    async def revoke_import_token(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="Global id (`ImportToken.id`).")
        ],
    ) -> RevokeImportTokenPayload:
        ctx = info.context
        key = await revoke_api_key(
            ctx.session, await ctx.staff_actor(), from_global_id("ImportToken", id)
        )
        return RevokeImportTokenPayload(import_token=ImportToken.from_row(key))
