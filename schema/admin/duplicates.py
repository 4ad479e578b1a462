"""Duplicate candidates and merging in the staff API."""

from __future__ import annotations

from typing import Annotated, ClassVar

import strawberry

from identity.permissions import StaffPermission
from portal.errors import InvalidInput
from portal.services.contacts import require_contact
from portal.services.duplicates import (
    DuplicateErrorCode,
    DuplicatePair,
    DuplicateReason,
    dismiss,
    duplicate_candidates,
)
from portal.services.merge import merge_by_ids
from schema.admin.contacts.types import ContactNode
from schema.common.descriptions import (
    ERROR_CODE,
    ERROR_FIELD,
    ERROR_MESSAGE,
    PAYLOAD_ERRORS,
    After,
    PageSize,
    describe_values,
)
from schema.common.errors import Atomic, ErrorFields, bad_user_input, graphql_name
from schema.common.ids import from_global_id
from schema.common.info import Info
from schema.common.pagination import Connection
from schema.common.permissions import HasPermission

DuplicateReasonEnum = strawberry.enum(
    DuplicateReason, name="DuplicateReason", description="What two contacts have in common."
)
describe_values(
    DuplicateReason,
    {
        "SAME_EMAIL": "An email address (primary or further) of one is one of the other's.",
        "SAME_PHONE": "They share a phone number (phone 1, phone 2 or mobile).",
        "SAME_POSTAL_CODE": "The same postal code (counts only beside another reason).",
        "SIMILAR_NAME": "Their names are alike (word order and accents ignored).",
    },
)
DuplicateErrorCodeEnum = strawberry.enum(
    DuplicateErrorCode,
    name="DuplicateErrorCode",
    description="Why dismissing or merging duplicates was refused.",
)
describe_values(
    DuplicateErrorCode,
    {
        "NOT_FOUND": "A contact id is unknown, or no sources were given.",
        "TOO_MANY_SOURCES": "More than 10 sources in one merge.",
        "SAME_CONTACT": "A contact is named twice, or the target is among the sources.",
        "BOTH_HAVE_PORTAL_USERS": "Several of the contacts have portal users; set "
        "`mergeLogins` to keep the one used last.",
    },
)
ContactIdArgument = Annotated[
    strawberry.ID, strawberry.argument(description="Global id (`Contact.id`) of a contact.")
]


@strawberry.type(description="A problem with a duplicates mutation.")
class DuplicateError(ErrorFields):
    codes: ClassVar = DuplicateErrorCode
    code: DuplicateErrorCode = strawberry.field(description=ERROR_CODE)
    field: str | None = strawberry.field(description=ERROR_FIELD)
    message: str = strawberry.field(description=ERROR_MESSAGE)


@strawberry.type(description="Two contacts that may be the same person.")
class DuplicateCandidate:
    first: ContactNode = strawberry.field(description="One contact of the pair.")
    second: ContactNode = strawberry.field(description="The other contact of the pair.")
    score: int = strawberry.field(description="0-100, higher is more likely.")
    reasons: list[DuplicateReason] = strawberry.field(
        description="What the two have in common, in alphabetical order."
    )

    @classmethod
    def from_pair(cls, pair: DuplicatePair) -> DuplicateCandidate:
        return cls(
            first=ContactNode.from_row(pair.first),
            second=ContactNode.from_row(pair.second),
            score=pair.score,
            reasons=pair.reasons,
        )


@strawberry.type(description="Result of dismissDuplicate.")
class DismissDuplicatePayload:
    ok: bool = strawberry.field(
        default=False, description="True when the pair is marked as not duplicates."
    )
    errors: list[DuplicateError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type(description="Result of mergeContacts.")
class MergeContactsPayload:
    contact: ContactNode | None = strawberry.field(
        default=None, description="The target after the merge; null when `errors` is not empty."
    )
    filled_fields: list[str] = strawberry.field(
        default_factory=list,
        description="The target's fields that were empty and took a source's value, sorted, by "
        "their `Contact` field names (firstName, phone1E164, ...), as "
        "`ImportRowResult.changedFields` names them.",
    )
    errors: list[DuplicateError] = strawberry.field(
        default_factory=list, description=PAYLOAD_ERRORS
    )


@strawberry.type
class DuplicateQuery:
    @strawberry.field(
        description="Pairs that may be duplicates, best first (dismissed pairs left out).",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_READ)],
    )
    async def duplicate_candidates(
        self, info: Info, first: PageSize = 20, after: After = None
    ) -> Connection[DuplicateCandidate]:
        try:
            page = await duplicate_candidates(info.context.session, first=first, after=after)
        except InvalidInput as exc:
            raise bad_user_input(exc) from None
        return Connection.from_page(page, DuplicateCandidate.from_pair)


@strawberry.type
class DuplicateMutation:
    @strawberry.mutation(
        description="Mark two contacts as not duplicates; the pair is no longer suggested. "
        "The same contact twice is SAME_CONTACT.",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_WRITE)],
        extensions=[Atomic()],
    )
    async def dismiss_duplicate(
        self, info: Info, first_id: ContactIdArgument, second_id: ContactIdArgument
    ) -> DismissDuplicatePayload:
        ctx = info.context
        a = await require_contact(ctx.session, from_global_id("Contact", first_id), "first_id")
        b = await require_contact(ctx.session, from_global_id("Contact", second_id), "second_id")
        await dismiss(ctx.session, await ctx.staff_actor(), a, b)
        return DismissDuplicatePayload(ok=True)

    @strawberry.mutation(
        description="Merge up to 10 sources into the target: the target keeps its customer "
        "number, empty fields are filled from the sources, history, tags, groups, resources "
        "(permissions on a resource both hold are combined), consent records, support sessions, "
        "audit entries and the portal user move over, the sources are deleted. If several have "
        "portal users, set mergeLogins to keep the one used last. Naming a contact twice (or the "
        "target as a source) is SAME_CONTACT.",
        permission_classes=[HasPermission(StaffPermission.CONTACTS_DELETE)],
        extensions=[Atomic()],
    )
    async def merge_contacts(
        self,
        info: Info,
        target_id: Annotated[
            strawberry.ID,
            strawberry.argument(description="Global id (`Contact.id`) of the contact that stays."),
        ],
        source_ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description="Global ids of 1 to 10 contacts merged into the target and deleted."
            ),
        ],
        merge_logins: Annotated[
            bool,
            strawberry.argument(
                description="When several contacts have portal users: keep the one used last "
                "and delete the others (else BOTH_HAVE_PORTAL_USERS)."
            ),
        ] = False,
    ) -> MergeContactsPayload:
        ctx = info.context
        target, filled = await merge_by_ids(
            ctx.session,
            await ctx.staff_actor(),
            from_global_id("Contact", target_id),
            [from_global_id("Contact", s) for s in source_ids],
            merge_logins=merge_logins,
        )
        # email_normalized is filled with email, which is named.
        named = sorted(graphql_name(n) for n in filled if n != "email_normalized")
        return MergeContactsPayload(contact=ContactNode.from_row(target), filled_fields=named)
