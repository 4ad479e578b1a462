"""GraphQL documents and helpers shared by the contact tests."""

from __future__ import annotations

from typing import Any

from tests.conftest import GraphQLClient

FIELDS = """
id uuid customerNumber salutation title firstName lastName companyName street postalCode city
country email additionalEmails phone1 phone1E164 mobile mobileE164 website dateOfBirth notes
language formality reachability { weekday from to } reachableNow directoryVisible source
registeredAt isActive optInState portalStatus version
groups { name } tags { name isCentral }
externalReferences { sourceSystem externalId }
quickInfo { historyCount lastRevenue { amount currency } totalRevenue { amount currency } }
"""
CREATE = f"""
mutation Create($input: CreateContactInput!) {{
  createContact(input: $input) {{ contact {{ {FIELDS} }} errors {{ code field message }} }}
}}
"""
UPDATE = f"""
mutation Update($input: UpdateContactInput!) {{
  updateContact(input: $input) {{ contact {{ {FIELDS} }} errors {{ code field message }} }}
}}
"""
CONTACT = f"query One($id: ID!) {{ contact(id: $id) {{ {FIELDS} }} }}"
LIST = """
query Page($filter: ContactFilterInput, $orderBy: ContactOrderInput, $first: Int, $after: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { customerNumber firstName lastName isActive } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def create(api: GraphQLClient, **fields: Any) -> dict[str, Any]:
    data = await api.data(CREATE, {"input": fields})
    assert data["createContact"]["errors"] == [], data
    contact: dict[str, Any] = data["createContact"]["contact"]
    return contact


async def names(api: GraphQLClient, **variables: Any) -> list[str]:
    data = await api.data(LIST, {"first": 100, **variables})
    return [e["node"]["lastName"] for e in data["contacts"]["edges"]]
