"""A small, realistic German/English data set for trying the portal out (``portal demo``).

Only this module creates the demo admin, and it refuses to run in production.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from identity.staff import create_staff_user, get_staff_by_email
from portal.app.runtime import Runtime
from portal.config import ConfigurationError
from portal.models import Contact
from portal.services.actors import SYSTEM
from portal.services.contacts import ContactDraft, consent, create_contact
from portal.services.contacts.consent import Evidence
from portal.services.contacts.groups_tags import change_tags, save_group, set_contact_groups
from portal.services.contacts.history import add_history_entry
from portal.services.resources import assign_resource, save_resource, set_group_permissions

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "portal-demo-admin"
DEMO_CONTACT_COUNT = 50
# The first demo contact (German, Du, with a group, a shared resource and purchases): register
# with this address in the customer portal to reach a full account page (README).
DEMO_CUSTOMER_EMAIL = "felix.schneider0@example.de"

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
_GERMAN_CITIES = [
    ("10115", "Berlin"),
    ("50667", "Köln"),
    ("80331", "München"),
    ("20095", "Hamburg"),
]
_ENGLISH_CITIES = [("SW1A 1AA", "London"), ("M1 1AE", "Manchester")]
_GROUPS = [("Stammkunden", "Kaufen regelmäßig"), ("Gewerbe", "Geschäftskunden")]
_TAGS = ["Newsletter Frühling", "Gutschein", "Franchise-Aktion"]
_SOURCES = ["MANUAL", "POS", "ONLINE_ORDER", "VOUCHER_PURCHASE", "CSV_IMPORT"]
_FEMALE = {"Anna", "Sophie", "Marie", "Lea", "Hannah", "Emily", "Charlotte", "Amelia", "Isla"}


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
        postal_code, city = rng.choice(_GERMAN_CITIES if german else _ENGLISH_CITIES)
        female = first in {
            "Anna",
            "Sophie",
            "Marie",
            "Lea",
            "Hannah",
            "Emily",
            "Charlotte",
            "Amelia",
            "Isla",
        }
        drafts.append(
            ContactDraft(
                first_name=first,
                last_name=last,
                company_name=rng.choice(_COMPANIES),
                email=f"{local}{index}@{domain}",
                language="de" if german else "en",
                extra={
                    "salutation": ("Frau" if female else "Herr")
                    if german
                    else ("Ms" if female else "Mr"),
                    "formality": "informal" if german and index % 4 == 0 else "formal",
                    "street": f"{'Hauptstraße' if german else 'High Street'} {index + 1}",
                    "postal_code": postal_code,
                    "city": city,
                    "country": "DE" if german else "GB",
                    "phone1": f"030 {5550000 + index}" if german else f"+44 20 7946 {index:04}",
                    "source": _SOURCES[index % len(_SOURCES)],
                    "directory_visible": index % 5 == 0,
                    "reachability": [
                        {"weekday": day, "from": "08:00", "to": "18:00"} for day in range(5)
                    ],
                },
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
                runtime.identity.password_hasher,
                email=DEMO_ADMIN_EMAIL,
                password=DEMO_ADMIN_PASSWORD,
                role="admin",
                display_name="Demo Admin",
            )
            admin_created = True
        created = 0
        if not await session.scalar(select(func.count()).select_from(Contact)):
            groups = [await save_group(session, SYSTEM, n, d) for n, d in _GROUPS]
            for group in groups:
                await set_group_permissions(
                    session, runtime.settings, SYSTEM, group, ["DIRECTORY", "NEWSLETTER"]
                )
            shop = await save_resource(
                session,
                SYSTEM,
                {"kind": "website", "name": "Online-Shop", "url": "shop.example.de"},
            )
            rng = random.Random(11)
            for index, draft in enumerate(demo_drafts()):
                contact = await create_contact(session, draft)
                created += 1
                if index % 3 == 0:
                    await set_contact_groups(session, SYSTEM, contact, [rng.choice(groups).id])
                if index % 7 == 0:
                    await assign_resource(
                        session, runtime.settings, SYSTEM, contact, shop, ["VIEW", "STATS"]
                    )
                if index % 4 == 0:
                    await change_tags(session, SYSTEM, contact, [rng.choice(_TAGS)], add=True)
                if index % 2 == 0:
                    amount = Decimal(rng.randint(500, 25000)) / 100
                    await add_history_entry(
                        session, contact.id, SYSTEM, source="POS",
                        description="Einkauf" if draft.language == "de" else "Purchase",
                        revenue=(amount, "EUR"), visible_to_customer=True,
                    )  # fmt: skip
                if index % 6 == 0:
                    evidence = Evidence("demo data")
                    await consent.confirm(session, contact, SYSTEM, evidence)
    return DemoResult(admin_created=admin_created, contacts_created=created)
