"""A small, realistic German/English data set for trying the portal out (``portal demo``).

Only this module creates the demo admin, and it refuses to run in production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import func, select

from identity.staff import create_staff_user, get_staff_by_email
from portal.config import ConfigurationError
from portal.models import Contact
from portal.runtime import Runtime
from portal.services.contacts import ContactDraft, create_contact

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "portal-demo-admin"
DEMO_CONTACT_COUNT = 50

_GERMAN_FIRST = [
    "Anna",
    "Lukas",
    "Sophie",
    "Jürgen",
    "Marie",
    "Felix",
    "Lea",
    "Günther",
    "Hannah",
    "Jonas",
]
_GERMAN_LAST = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weiß",
    "Becker",
    "Schäfer",
    "Koch",
    "Bauer",
    "Groß",
]
_ENGLISH_FIRST = ["Oliver", "Emily", "Harry", "Charlotte", "George", "Amelia", "Jack", "Isla"]
_ENGLISH_LAST = ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "O'Connor"]
_COMPANIES = [
    "",
    "",
    "",
    "Bäckerei Sonnenschein GmbH",
    "Stadtwerke Musterstadt",
    "Acme Ltd",
    "Café Zeitlos",
]


@dataclass(frozen=True)
class DemoResult:
    admin_created: bool
    contacts_created: int


def demo_drafts(count: int = DEMO_CONTACT_COUNT, seed: int = 7) -> list[ContactDraft]:
    """Deterministic contacts: two thirds German, one third English."""
    rng = random.Random(seed)
    drafts = []
    for index in range(count):
        german = index % 3 != 2
        first = rng.choice(_GERMAN_FIRST if german else _ENGLISH_FIRST)
        last = rng.choice(_GERMAN_LAST if german else _ENGLISH_LAST)
        local = f"{first}.{last}".lower().replace("'", "")
        for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
            local = local.replace(umlaut, plain)
        domain = "example.de" if german else "example.co.uk"
        drafts.append(
            ContactDraft(
                first_name=first,
                last_name=last,
                company_name=rng.choice(_COMPANIES),
                email=f"{local}{index}@{domain}",
                language="de" if german else "en",
            )
        )
    return drafts


async def load_demo(runtime: Runtime) -> DemoResult:
    """Create the demo admin and contacts unless they exist; safe to run twice."""
    if runtime.settings.is_production:
        raise ConfigurationError("demo data is never loaded in production")
    async with runtime.database.transaction() as session:
        admin_created = False
        if await get_staff_by_email(session, DEMO_ADMIN_EMAIL) is None:
            await create_staff_user(
                session,
                runtime.password_hasher,
                email=DEMO_ADMIN_EMAIL,
                password=DEMO_ADMIN_PASSWORD,
                role="admin",
                display_name="Demo Admin",
            )
            admin_created = True
        created = 0
        if not await session.scalar(select(func.count()).select_from(Contact)):
            for draft in demo_drafts():
                await create_contact(session, draft)
                created += 1
    return DemoResult(admin_created=admin_created, contacts_created=created)
