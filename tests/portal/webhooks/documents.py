"""GraphQL documents and helpers shared by the webhook tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient

ENDPOINT_FIELDS = """
id url description eventTypes payloadLevel isActive disabledReason disabledAt
consecutiveFailures secretHint previousSecretExpiresAt createdAt updatedAt
"""
CREATE_ENDPOINT = f"""
mutation Create($input: CreateWebhookEndpointInput!) {{
  createWebhookEndpoint(input: $input) {{
    webhookEndpoint {{ {ENDPOINT_FIELDS} }} secret errors {{ code field message }}
  }}
}}
"""
UPDATE_ENDPOINT = f"""
mutation Update($input: UpdateWebhookEndpointInput!) {{
  updateWebhookEndpoint(input: $input) {{
    webhookEndpoint {{ {ENDPOINT_FIELDS} }} errors {{ code field message }}
  }}
}}
"""
ROTATE_SECRET = f"""
mutation Rotate($id: ID!, $overlapHours: Int) {{
  rotateWebhookEndpointSecret(id: $id, overlapHours: $overlapHours) {{
    webhookEndpoint {{ {ENDPOINT_FIELDS} }} secret errors {{ code field message }}
  }}
}}
"""
DELETE_ENDPOINT = """
mutation Delete($id: ID!) {
  deleteWebhookEndpoint(id: $id) { deletedId errors { code field message } }
}
"""
DELIVERY_FIELDS = """
id eventId eventType occurredAt status attempts nextAttemptAt deliveredAt lastStatusCode lastError
"""
LOG = f"""
query Log($id: ID!, $status: WebhookDeliveryStatus, $first: Int, $after: String) {{
  webhookEndpoint(id: $id) {{
    {ENDPOINT_FIELDS}
    deliveries(status: $status, first: $first, after: $after) {{
      totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {DELIVERY_FIELDS} }}
    }}
    attempts(first: 100) {{
      nodes {{ eventId eventType statusCode durationMs succeeded error responseExcerpt }}
    }}
  }}
}}
"""
LIST_ENDPOINTS = f"""
query Endpoints($first: Int, $after: String) {{
  webhookEndpoints(first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {ENDPOINT_FIELDS} }}
  }}
}}
"""
REDELIVER = f"""
mutation Redeliver($id: ID!) {{
  redeliverWebhookEvent(id: $id) {{
    delivery {{ {DELIVERY_FIELDS} }} errors {{ code field message }}
  }}
}}
"""
REDELIVER_FAILED = """
mutation RedeliverFailed($endpointId: ID!, $since: DateTime!) {
  redeliverFailedWebhookEvents(endpointId: $endpointId, since: $since) {
    count errors { code field message }
  }
}
"""
SEND_TEST = f"""
mutation Test($endpointId: ID!) {{
  sendWebhookTestEvent(endpointId: $endpointId) {{
    delivery {{ {DELIVERY_FIELDS} }} errors {{ code field message }}
  }}
}}
"""


async def create_endpoint(
    api: GraphQLClient,
    url: str,
    event_types: list[str] | None = None,
    **fields: Any,
) -> tuple[dict[str, Any], str]:
    """A new endpoint through the staff API; the endpoint and its secret."""
    data = await api.data(
        CREATE_ENDPOINT,
        {"input": {"url": url, "eventTypes": event_types or ["CONTACT_CREATED"], **fields}},
    )
    payload = data["createWebhookEndpoint"]
    assert payload["errors"] == [], payload
    return payload["webhookEndpoint"], payload["secret"]


async def endpoint_log(api: GraphQLClient, endpoint_id: str, **variables: Any) -> dict[str, Any]:
    data = await api.data(LOG, {"id": endpoint_id, "first": 100, **variables})
    log: dict[str, Any] = data["webhookEndpoint"]
    return log
