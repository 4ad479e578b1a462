"""No text argument may hold a NUL character (PostgreSQL cannot store one)."""

from __future__ import annotations

from typing import Any

import pytest

from portal.app.runtime import Runtime
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff

STAFF_LOG_IN = 'mutation { staffLogIn(email: "a\\u0000@b.de", password: "") { token } }'
RESET_TEMPLATE = 'mutation { resetEmailTemplateOverride(language: "\\u0000") { errors { code } } }'
LOG_IN = 'mutation L($e: String!) { logIn(email: $e, password: "x") { token } }'


def _nul_refusal(body: dict[str, Any]) -> None:
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": "NUL_CHARACTER"}


# Found by the fuzzer on PostgreSQL: each of these answered INTERNAL_SERVER_ERROR.
async def test_a_nul_in_a_literal_is_bad_input(admin_api: GraphQLClient, runtime: Runtime) -> None:
    _nul_refusal(await admin_api(STAFF_LOG_IN))
    await log_in_staff(admin_api, runtime)
    _nul_refusal(await admin_api(RESET_TEMPLATE))


@pytest.mark.parametrize(
    "variables",
    [{"e": "\x00"}, {"e": "kunde@example.de", "extra": {"deep": ["ok", "\x00"]}}],
)
async def test_a_nul_in_a_variable_is_bad_input(
    portal_api: GraphQLClient, variables: dict[str, Any]
) -> None:
    _nul_refusal(await portal_api(LOG_IN, variables))


async def test_text_without_nul_still_works(portal_api: GraphQLClient) -> None:
    body = await portal_api(LOG_IN, {"e": "kunde@example.de"})
    assert body["data"]["logIn"]["token"] is None  # an ordinary failed login
