"""Webhook endpoints in the staff API: administrators only, typed errors for bad input
(URL rules, SSRF, event types), the secret shown once and sealed at rest, every change
audited, lists paged by cursor."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.app.runtime import Runtime
from portal.clock import FrozenClock
from portal.models import AuditEntry, WebhookEndpoint
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff, reconfigure
from tests.portal.webhooks.documents import (
    CREATE_ENDPOINT,
    DELETE_ENDPOINT,
    LIST_ENDPOINTS,
    LOG,
    REDELIVER,
    ROTATE_SECRET,
    UPDATE_ENDPOINT,
    create_endpoint,
)

URL = "https://hooks.example.com/portal"


@pytest.mark.parametrize("role", ["support", "auditor"])
async def test_only_administrators_manage_webhooks(
    admin_api: GraphQLClient, runtime: Runtime, role: str
) -> None:
    await log_in_staff(admin_api, runtime, f"{role}@example.com", role)
    create = {"input": {"url": URL, "eventTypes": ["CONTACT_CREATED"]}}
    for document, variables in (
        (CREATE_ENDPOINT, create),
        (LIST_ENDPOINTS, {}),
        (LOG, {"id": "x"}),
        (ROTATE_SECRET, {"id": "x"}),
        (REDELIVER, {"id": "x"}),
    ):
        body = await admin_api(document, variables)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", document


async def test_the_secret_is_shown_once_sealed_at_rest_and_never_audited(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    endpoint, secret = await create_endpoint(
        admin_api, URL, ["CONTACT_UPDATED", "CONTACT_CREATED", "CONTACT_UPDATED"],
        description="  CRM sync ", payloadLevel="CHANGED_FIELDS",
    )  # fmt: skip
    assert endpoint["eventTypes"] == ["CONTACT_CREATED", "CONTACT_UPDATED"]
    assert (endpoint["description"], endpoint["payloadLevel"]) == ("CRM sync", "CHANGED_FIELDS")
    assert (endpoint["isActive"], endpoint["disabledReason"]) == (True, None)
    listed = (await admin_api.data(LIST_ENDPOINTS))["webhookEndpoints"]
    assert "secret" not in str(listed["nodes"][0]).replace("secretHint", "")
    async with runtime.database.transaction() as session:
        (row,) = await session.scalars(select(WebhookEndpoint))
        entries = list(await session.scalars(select(AuditEntry)))
    assert secret not in row.secret_sealed and secret[6:] not in row.secret_sealed
    assert [e.action for e in entries if e.action.startswith("webhook")] == [
        "webhook_endpoint.create"
    ]
    assert all(secret not in str(e.changes) for e in entries)


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"url": "ftp://hooks.example.com/"}, "INVALID_URL", "url"),
        ({"url": "https://user:pw@hooks.example.com/"}, "INVALID_URL", "url"),
        ({"url": "https://hooks.example.com/#x"}, "INVALID_URL", "url"),
        ({"eventTypes": []}, "INVALID_EVENT_TYPES", "eventTypes"),
        ({"description": "x" * 201}, "INVALID_DESCRIPTION", "description"),
    ],
)
async def test_bad_input_gets_typed_errors(
    admin_api: GraphQLClient, runtime: Runtime, variables: dict[str, object], code: str, field: str
) -> None:
    await log_in_staff(admin_api, runtime)
    payload = (
        await admin_api.data(
            CREATE_ENDPOINT, {"input": {"url": URL, "eventTypes": ["CONTACT_CREATED"], **variables}}
        )
    )["createWebhookEndpoint"]
    assert payload["webhookEndpoint"] is None and payload["secret"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert (await admin_api.data(LIST_ENDPOINTS))["webhookEndpoints"]["totalCount"] == 0


async def test_production_requires_https_and_public_addresses(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    reconfigure(runtime, env="production", staff_require_2fa=False)
    for url, code in (
        ("http://hooks.example.com/", "HTTPS_REQUIRED"),
        ("https://127.0.0.1:8443/hook", "ADDRESS_NOT_ALLOWED"),
        ("https://[::1]/hook", "ADDRESS_NOT_ALLOWED"),
        ("https://localhost/hook", "ADDRESS_NOT_ALLOWED"),
        ("https://169.254.169.254/latest/meta-data", "ADDRESS_NOT_ALLOWED"),
        ("https://10.0.0.8/hook", "ADDRESS_NOT_ALLOWED"),
    ):
        payload = (
            await admin_api.data(
                CREATE_ENDPOINT, {"input": {"url": url, "eventTypes": ["CONTACT_CREATED"]}}
            )
        )["createWebhookEndpoint"]
        assert [e["code"] for e in payload["errors"]] == [code], url
    # Allowed on purpose (a receiver inside the network):
    reconfigure(runtime, webhook_allow_private_addresses=True)
    await create_endpoint(admin_api, "https://10.0.0.8/hook")


async def test_update_rotate_and_delete_are_audited(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    endpoint, secret = await create_endpoint(admin_api, URL)
    data = await admin_api.data(
        UPDATE_ENDPOINT,
        {"input": {"id": endpoint["id"], "url": URL + "/v2", "eventTypes": ["CONTACT_DELETED"]}},
    )
    updated = data["updateWebhookEndpoint"]["webhookEndpoint"]
    assert (updated["url"], updated["eventTypes"]) == (URL + "/v2", ["CONTACT_DELETED"])
    bad = await admin_api.data(UPDATE_ENDPOINT, {"input": {"id": endpoint["id"], "url": "x"}})
    assert bad["updateWebhookEndpoint"]["errors"][0]["code"] == "INVALID_URL"
    too_long = await admin_api.data(ROTATE_SECRET, {"id": endpoint["id"], "overlapHours": 169})
    assert too_long["rotateWebhookEndpointSecret"]["errors"][0]["code"] == "INVALID_OVERLAP"
    rotated = await admin_api.data(ROTATE_SECRET, {"id": endpoint["id"], "overlapHours": 0})
    payload = rotated["rotateWebhookEndpointSecret"]
    assert (
        payload["secret"] != secret
        and payload["webhookEndpoint"]["previousSecretExpiresAt"] is None
    )
    deleted = await admin_api.data(DELETE_ENDPOINT, {"id": endpoint["id"]})
    assert deleted["deleteWebhookEndpoint"] == {"deletedId": endpoint["id"], "errors": []}
    again = await admin_api.data(DELETE_ENDPOINT, {"id": endpoint["id"]})
    assert again["deleteWebhookEndpoint"]["errors"][0]["code"] == "NOT_FOUND"
    assert (await admin_api.data(LOG, {"id": endpoint["id"]}))["webhookEndpoint"] is None
    async with runtime.database.transaction() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.like("webhook%"))
                .order_by(AuditEntry.occurred_at, AuditEntry.action)
            )
        )
    assert sorted(actions) == sorted([
        "webhook_endpoint.create", "webhook_endpoint.update",
        "webhook_endpoint.rotate_secret", "webhook_endpoint.delete",
    ])  # fmt: skip


async def test_endpoints_page_by_cursor(
    admin_api: GraphQLClient, runtime: Runtime, clock: FrozenClock
) -> None:
    await log_in_staff(admin_api, runtime)
    for n in range(5):
        clock.advance(timedelta(seconds=1))
        await create_endpoint(admin_api, f"{URL}/{n}")
    first = (await admin_api.data(LIST_ENDPOINTS, {"first": 3}))["webhookEndpoints"]
    assert [n["url"] for n in first["nodes"]] == [f"{URL}/{n}" for n in (4, 3, 2)]
    assert first["totalCount"] == 5 and first["pageInfo"]["hasNextPage"]
    rest = (
        await admin_api.data(LIST_ENDPOINTS, {"first": 3, "after": first["pageInfo"]["endCursor"]})
    )["webhookEndpoints"]
    assert [n["url"] for n in rest["nodes"]] == [f"{URL}/{n}" for n in (1, 0)]
    assert not rest["pageInfo"]["hasNextPage"]
    bad = await admin_api(LIST_ENDPOINTS, {"first": 1000})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
