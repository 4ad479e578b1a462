"""The SDL as a contract, the type half (issue 17, items 1, 2 and 4): every custom scalar names
the specification of its wire format (``@specifiedBy``), and a field, argument or input field
whose name says it holds a role, status, state, type, mode, language or formality is an enum,
unless the allow-list below gives the reason it is an open set of strings."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
    specified_scalar_types,
)
from strawberry import Schema

from schema.admin.schema import admin_schema
from schema.portal.schema import portal_schema

SCHEMAS = pytest.mark.parametrize("schema", [portal_schema, admin_schema], ids=["portal", "admin"])
VOCABULARY = re.compile(r"(role|status|state|type|mode|language|formality)s?$", re.IGNORECASE)

ISO_639_1 = (
    "an open set: any ISO 639-1 code (de, en, fr, tr, ...), validated on input with the typed "
    "code INVALID_LANGUAGE; emails fall back to English where no template exists"
)
# "<Type>.<field>" or "<Type>.<field>(<argument>)" -> why it is a String.
OPEN_SETS = {
    "PortalInfo.defaultLanguage": ISO_639_1,
    "PortalInfo.supportedLanguages": ISO_639_1,
    "Viewer.language": ISO_639_1,
    "ViewerWithContact.language": ISO_639_1,
    "MyContact.language": ISO_639_1,
    "RegisterCustomerInput.language": ISO_639_1,
    "UpdateMyProfileInput.language": ISO_639_1,
    "Contact.language": ISO_639_1,
    "CreateContactInput.language": ISO_639_1,
    "UpdateContactInput.language": ISO_639_1,
    "PortalUser.language": ISO_639_1,
    "StaffUser.language": ISO_639_1,
    "InviteStaffUserInput.language": ISO_639_1,
    "OutboxMessage.language": ISO_639_1 + " (the language the email was written in)",
    # Template overrides exist per language the shipped templates come in; the set grows with
    # the templates, without a schema change, and save/load refuse others (INVALID_LANGUAGE).
    "EmailTemplateOverrideNode.language": ISO_639_1,
    "EmailTemplateOverrideInput.language": ISO_639_1,
    "Query.emailTemplateOverride(language)": ISO_639_1,
    "Query.previewInvitationEmail(language)": ISO_639_1,
    "Mutation.resetEmailTemplateOverride(language)": ISO_639_1,
    # The CSV header language (issue 17, item 8, decided): the header catalogues (de, en) grow
    # only with a release, so an enum would be possible, but every language in both APIs is one
    # representation, a lower-case ISO 639-1 code, so a client passes Contact.language or
    # StaffUser.language on unchanged (as it does to previewInvitationEmail and the template
    # overrides, whose languages likewise follow the shipped templates). An enum here alone
    # would make the one language a client must translate (de -> DE). Codes without a
    # catalogue are refused with the typed code INVALID_DIALECT.
    "CsvOptionsInput.language": "ISO 639-1 code of a header catalogue (de, en), validated",
    # The webhook payload's `type` exactly as the receiver got it (dotted: the EventType
    # values such as contact.created, plus webhook.test), so the log matches the wire.
    "WebhookDeliveryNode.eventType": "the payload's wire `type` string",
    "WebhookAttemptNode.eventType": "the payload's wire `type` string",
}


def vocabulary_strings(schema: Schema) -> Iterator[str]:
    """Every field, argument and input field named like a closed vocabulary that is a String."""
    for graphql_type in schema._schema.type_map.values():
        if graphql_type.name.startswith("__"):
            continue
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for name, field in graphql_type.fields.items():
                if VOCABULARY.search(name) and get_named_type(field.type).name == "String":
                    yield f"{graphql_type.name}.{name}"
                for argument_name, argument in field.args.items():
                    named = get_named_type(argument.type).name
                    if VOCABULARY.search(argument_name) and named == "String":
                        yield f"{graphql_type.name}.{name}({argument_name})"
        elif isinstance(graphql_type, GraphQLInputObjectType):
            for name, input_field in graphql_type.fields.items():
                if VOCABULARY.search(name) and get_named_type(input_field.type).name == "String":
                    yield f"{graphql_type.name}.{name}"


@SCHEMAS
def test_every_custom_scalar_names_its_specification(schema: Schema) -> None:
    custom = [
        scalar
        for scalar in schema._schema.type_map.values()
        if isinstance(scalar, GraphQLScalarType) and scalar.name not in specified_scalar_types
    ]
    assert custom  # the walk sees the schema's scalars
    assert [s.name for s in custom if not (s.specified_by_url and s.description)] == []
    for scalar in custom:
        assert f"scalar {scalar.name} @specifiedBy(url: " in schema.as_str()


@SCHEMAS
def test_closed_vocabularies_are_enums_or_documented_open_sets(schema: Schema) -> None:
    strings = set(vocabulary_strings(schema))
    assert strings - OPEN_SETS.keys() == set()


def test_the_allow_list_names_only_fields_that_exist() -> None:
    # An entry whose field became an enum (or was renamed) must leave the list.
    found = set(vocabulary_strings(portal_schema)) | set(vocabulary_strings(admin_schema))
    assert OPEN_SETS.keys() - found == set()


def test_the_walk_finds_a_string_named_like_a_vocabulary() -> None:
    import strawberry

    @strawberry.type
    class Query:
        staff_role: str

        @strawberry.field
        def things(self, sort_mode: str) -> int:
            return 0

    found = set(vocabulary_strings(Schema(query=Query)))
    assert found == {"Query.staffRole", "Query.things(sortMode)"}


@SCHEMAS
def test_every_list_pages_by_the_shared_default(schema: Schema) -> None:
    # Omitting `first` and passing an explicit null answer the same page size on every list
    # (issue 17, item 10): the default is DEFAULT_PAGE_SIZE, which check_page_size uses for null.
    from portal.pagination import DEFAULT_PAGE_SIZE

    defaults = {
        f"{graphql_type.name}.{name}": field.args["first"].default_value
        for graphql_type in schema._schema.type_map.values()
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType)
        for name, field in graphql_type.fields.items()
        if "first" in field.args
    }
    assert defaults  # the walk sees the lists
    assert {k: v for k, v in defaults.items() if v != DEFAULT_PAGE_SIZE} == {}
