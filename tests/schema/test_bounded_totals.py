"""``totalCount`` is exact up to the bound (10,000) and flagged beyond it: a list never counts
more than the bound plus one row, whatever its length."""

from __future__ import annotations

from portal.app.runtime import Runtime
from portal.pagination import COUNT_BOUND
from portal.services.contacts.writes import create_contacts, validate_new_contact
from tests.conftest import GraphQLClient
from tests.factories import log_in_staff

TOTALS = """query T($filter: ContactFilterInput) {
  contacts(filter: $filter, first: 1) { totalCount totalCountIsExact edges { node { lastName } } }
}"""


async def add_contacts(runtime: Runtime, count: int, company: str) -> None:
    async with runtime.database.transaction() as session:
        await create_contacts(
            session,
            [validate_new_contact({"last_name": "Zahl", "company_name": company})] * count,
            audit_each=False,
        )


async def totals(api: GraphQLClient, **filter: object) -> tuple[int, bool]:
    contacts = (await api.data(TOTALS, {"filter": filter or None}))["contacts"]
    return contacts["totalCount"], contacts["totalCountIsExact"]


async def test_total_is_exact_up_to_the_bound_and_flagged_beyond(
    admin_api: GraphQLClient, runtime: Runtime
) -> None:
    await log_in_staff(admin_api, runtime)
    await add_contacts(runtime, COUNT_BOUND - 3, "Viele GmbH")
    await add_contacts(runtime, 3, "Wenige AG")
    assert await totals(admin_api) == (COUNT_BOUND, True)
    assert await totals(admin_api, search="wenige") == (3, True)
    await add_contacts(runtime, 1, "Wenige AG")
    assert await totals(admin_api) == (COUNT_BOUND, False)
    assert await totals(admin_api, search="wenige") == (4, True)
    assert await totals(admin_api, search="nirgends") == (0, True)
