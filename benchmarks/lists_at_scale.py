"""Staff lists at scale: the contacts list's filters and orders at 100,000 and 1,000,000 contacts.

Seeds a realistic population (German names with umlauts, households sharing one email, phones,
companies, 20 tags, 10 groups, 50 resources, portal users in every state and pending ones)
into a database migrated to 0021, then migrates it to head (timed: the migrations that add the
stored status and the search index run on a populated database). Then every case (filter x
order x first page / a page after 10,000 rows by cursor, and the first page with
``totalCount``) runs through the staff API over HTTP, interleaved (each round runs every case
once, in rotated order), and prints p50 / p95 per case, the plan of the slowest case, and the
growth from the smaller to the larger population per case (goal: p50 < 30 ms, p95 < 100 ms at
1,000,000 on PostgreSQL; < 50 ms p50 at 100,000 on SQLite; growth < 1.5x).

Sizes: ``PORTAL_BENCH_SIZES`` (default ``100000,1000000`` on PostgreSQL, ``100000`` on SQLite);
rounds: ``PORTAL_BENCH_ROUNDS`` (default 15); only some cases: ``PORTAL_BENCH_CASES``, words
separated by commas, runs the cases whose name holds one of them (``phone,tag``) and the floor.

Seeding 1,000,000 contacts takes a quarter of an hour, so a seeded database can be kept and
measured again later (after a change, on a quieter machine): ``PORTAL_BENCH_KEEP=1`` keeps the
databases it seeds and prints their URLs; ``PORTAL_BENCH_SEED_ONLY=1`` seeds, migrates and keeps
them without measuring; ``PORTAL_BENCH_SEEDED=100000=URL,1000000=URL`` measures those databases
instead of seeding (each is migrated to head first, and the time that takes is printed: on a
kept database that is the migrations added since it was seeded), and leaves them in place.

    python -m benchmarks.lists_at_scale [sqlite] [postgresql]
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import MetaData, Table, insert, select, text
from sqlalchemy.engine import make_url

from benchmarks.apps import Product, StatementLog, bench_settings, product_app, replayable
from benchmarks.harness import DEFAULT_POSTGRES, Timings, _admin, command_line
from portal.db import Database
from portal.migrate import upgrade_database_async
from portal.models import (
    Contact,
    ContactGroup,
    ContactGroupMember,
    ContactTag,
    PortalUser,
    Resource,
    ResourceAssignment,
    Tag,
)
from portal.models.base import full_row, table_of
from portal.normalization import fold_for_search
from portal.pagination import encode_cursor
from portal.services.contacts.search import (
    ContactFilter,
    ContactOrderField,
    OptInState,
    _encode,
    _sort_keys,
    filter_conditions,
)
from portal.services.contacts.writes import search_text_of
from portal.services.customer_numbers import CUSTOMER_NUMBER_SEQUENCE, FIRST_CUSTOMER_NUMBER

ROUNDS = int(os.environ.get("PORTAL_BENCH_ROUNDS", "15"))
CASES = [w for w in os.environ.get("PORTAL_BENCH_CASES", "").split(",") if w]
KEEP = os.environ.get("PORTAL_BENCH_KEEP", "") == "1"
SEED_ONLY = os.environ.get("PORTAL_BENCH_SEED_ONLY", "") == "1"


def seeded_databases() -> dict[int, str]:
    """``PORTAL_BENCH_SEEDED``: size -> URL of a database an earlier run seeded and kept."""
    seeded: dict[int, str] = {}
    for item in os.environ.get("PORTAL_BENCH_SEEDED", "").split(","):
        if item.strip():
            size, _, url = item.strip().partition("=")
            seeded[int(size)] = url
    return seeded


DEEP = 10_000
PAGE = 50
BEFORE_STATUS = "0021"  # the revision before the stored status and the search index

FIRST_NAMES = (
    "Jörg", "Jürgen", "Günter", "Uwe", "Björn", "Sören", "Thomas", "Michael", "Andreas", "Stefan",
    "Peter", "Klaus", "Wolfgang", "Frank", "Markus", "Lukas", "Jonas", "Felix", "Maximilian",
    "Paul", "Anna", "Jana", "Lena", "Hannah", "Sophie", "Marie", "Lea", "Käthe", "Jördis",
    "Bärbel", "Gisela", "Ursula", "Monika", "Petra", "Sabine", "Claudia", "Susanne", "Nicole",
    "Zoë", "Chloé", "José", "Ömer", "Çağla", "Łukasz", "Dragoș", "Agnieszka", "Mehmet", "Ayşe",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
    "Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler",
    "Herrmann", "König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang",
    "Scholz", "Möller", "Weiß", "Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller",
    "Günther", "Frank", "Berger", "Winkler", "Roth", "Beck", "Lorenz", "Baumann", "Franke",
    "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm", "Winter", "Kraus", "Martin", "Schumacher",
    "Krämer", "Vogt", "Stein", "Jäger", "Otto", "Sommer", "Groß", "Seidel", "Heinrich", "Brandt",
    "Haas", "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler", "Kuhn", "Kühn", "Pohl",
    "Engel", "Horn", "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold", "Wolff",
    "Pfeiffer", "Yılmaz",  # noqa: RUF001 (a Turkish name)
    "Kowalski", "Nowak", "Popescu", "Öztürk", "Dvořák", "García", "Nguyen",
)  # fmt: skip
COMPANY_FORMS = ("{} GmbH", "Bäckerei {}", "{} & Söhne KG", "Autohaus {}", "Praxis Dr. {}")
DOMAINS = ("example.de", "mail.example", "web.example", "posteo.example", "t-online.example")
AREAS = ("030", "040", "089", "0221", "069", "0711", "0351", "0341")
SOURCES = ("MANUAL",) * 5 + ("CSV_IMPORT",) * 3 + ("POS", "ONLINE_ORDER", "SELF_REGISTRATION")
TAG_NAMES = tuple(f"Segment {chr(65 + i)}" for i in range(20))
GROUP_NAMES = ("Privatkunden", "Geschäftskunden", "Premium", "Newsletter", "Mitarbeiter",
               "Presse", "Partner", "Lieferanten", "Vereine", "Behörden")  # fmt: skip


def _ascii(value: str) -> str:
    return fold_for_search(value).replace(" ", "").replace(".", "")


@dataclass
class Population:
    contacts: list[dict[str, Any]]
    users: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    tags: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    resources: list[dict[str, Any]]
    contact_tags: list[dict[str, Any]]
    memberships: list[dict[str, Any]]


NOW = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass
class Shared:
    tags: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    resources: list[dict[str, Any]]


def shared_rows() -> Shared:
    return Shared(
        [full_row(Tag, NOW, {"name": n, "name_normalized": n.lower()}) for n in TAG_NAMES],
        [full_row(ContactGroup, NOW, {"name": n}) for n in GROUP_NAMES],
        [full_row(Resource, NOW, {"kind": "contract", "name": f"Vertrag {i}"}) for i in range(50)],
    )


def generate(shared: Shared, begin: int, end: int, size: int, seed: int = 24) -> Population:
    """Contacts ``begin..end-1`` of ``size`` and what hangs off them, deterministic for a
    seed (generated in chunks: a million contacts as dicts would need gigabytes)."""
    rng = random.Random(seed * 1_000_003 + begin)
    now = NOW
    start = now - timedelta(days=5 * 365)
    step = (now - start) / size
    tags, groups, resources = shared.tags, shared.groups, shared.resources
    # Tag popularity falls off (Segment A on about a third, Segment T on well under 1 %).
    tag_weights = [1 / (i + 1) for i in range(len(tags))]
    contacts, users, assignments, contact_tags, memberships = [], [], [], [], []
    household_email: str | None = None
    household_left = 0
    for index in range(begin, end):
        number = FIRST_CUSTOMER_NUMBER + index
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        company = rng.choice(COMPANY_FORMS).format(last) if rng.random() < 0.15 else ""
        if household_left == 0 and rng.random() < 0.2:
            household_left = rng.randint(2, 4)  # a family or a shop shares one address
            household_email = f"familie.{_ascii(last)}{rng.randint(1, 999)}@{rng.choice(DOMAINS)}"
        if household_left:
            email: str | None = household_email
            household_left -= 1
        elif rng.random() < 0.1:
            email = None
        else:
            email = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 9999)}@{rng.choice(DOMAINS)}"
        phone1 = phone1_e164 = mobile = mobile_e164 = None
        if rng.random() < 0.7:
            area, local = rng.choice(AREAS), str(rng.randint(1_000_000, 99_999_999))
            phone1, phone1_e164 = f"{area} {local}", f"+49{area[1:]}{local}"
        if rng.random() < 0.4:
            local = str(rng.randint(1_000_000, 9_999_999))
            prefix = rng.choice(("151", "160", "170", "176"))
            mobile, mobile_e164 = f"+49 {prefix} {local}", f"+49{prefix}{local}"
        values = {
            "first_name": first, "last_name": last, "company_name": company, "email": email,
            "phone1": phone1 or "", "phone1_e164": phone1_e164, "mobile": mobile or "",
            "mobile_e164": mobile_e164,
        }  # fmt: skip
        roll = rng.random()
        contact = full_row(
            Contact,
            start + step * index,
            {
                **values,
                "customer_number": number,
                "email_normalized": email.lower() if email else None,
                "city": rng.choice(("Berlin", "Hamburg", "München", "Köln", "Düsseldorf")),
                "source": rng.choice(SOURCES),
                "is_active": rng.random() < 0.95,
                "newsletter_invited_at": now if roll < 0.28 else None,
                "newsletter_confirmed_at": now if roll < 0.2 else None,
                "newsletter_revoked_at": now if 0.2 <= roll < 0.23 else None,
                "search_text": search_text_of(values, number),
            },
        )
        contact["updated_at"] = contact["created_at"]
        contacts.append(contact)
        state = rng.random()
        if state < 0.1:  # a portal user: invited 40 %, active 50 %, suspended 10 %
            kind = rng.random()
            registration = "REGISTERED" if kind >= 0.4 else "ACTIVATION_EMAIL_SENT"
            users.append(
                full_row(
                    PortalUser,
                    now,
                    {
                        "email": email or f"login{number}@example.de",
                        "email_normalized": f"{number}.{email or 'login'}".lower(),
                        "registration_status": registration,
                        "mapping_status": "ASSIGNED",
                        "contact_id": contact["id"],
                        "first_name": first,
                        "last_name": last,
                        "last_login_at": now if kind >= 0.4 else None,
                        "suspended_at": now if kind >= 0.9 else None,
                    },
                )
            )  # fmt: skip
        if state < 0.02 or 0.1 <= state < 0.15:  # resources: some users, 5 % without one
            assignments.append(
                full_row(
                    ResourceAssignment,
                    now,
                    {"contact_id": contact["id"], "resource_id": rng.choice(resources)["id"]},
                )
            )
        for tag in {id(t): t for t in rng.choices(tags, tag_weights, k=rng.randint(0, 3))}.values():
            contact_tags.append({"contact_id": contact["id"], "tag_id": tag["id"]})
        for group in {id(g): g for g in rng.sample(groups, rng.choice((0, 0, 1, 1, 2)))}.values():
            memberships.append({"contact_id": contact["id"], "group_id": group["id"]})
    for index in range(begin // 100, end // 100):  # pending review: registered, no contact
        users.append(
            full_row(
                PortalUser,
                now,
                {
                    "email": f"pending{index}@example.de",
                    "email_normalized": f"pending{index}@example.de",
                    "registration_status": "REGISTERED",
                    "mapping_status": "PENDING",
                    "pending_reason": rng.choice(("NO_MATCH", "AMBIGUOUS")),
                },
            )
        )
    return Population(contacts, users, assignments, [], [], [], contact_tags, memberships)


def postgres_url(url: str) -> bool:
    return url.startswith("postgresql")


def _table_before(model: Any, dropped: Sequence[str]) -> Table:
    return Table(
        table_of(model).name,
        MetaData(),
        *(c._copy() for c in table_of(model).c if c.key not in dropped),
    )


CHUNK = 100_000


def _chunks(shared: Shared, size: int) -> Iterator[Population]:
    yield Population([], [], [], shared.tags, shared.groups, shared.resources, [], [])
    for begin in range(0, size, CHUNK):
        yield generate(shared, begin, min(begin + CHUNK, size), size)


async def seed(url: str, size: int) -> None:
    """Write ``size`` contacts and the rest into a database at revision 0021, a chunk at a
    time (COPY on PostgreSQL, executemany in batches on SQLite)."""
    contacts = _table_before(Contact, ("portal_status",))
    shared = shared_rows()
    last = FIRST_CUSTOMER_NUMBER + size - 1
    postgres = url.startswith("postgresql")
    if postgres:
        import asyncpg

        connection: Any = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    else:
        database = Database.from_url(url)
        connection = await database.engine.connect()
    try:
        for population in _chunks(shared, size):
            for row in population.contacts:
                row.pop("portal_status", None)
            plan: list[tuple[Table, list[dict[str, Any]]]] = [
                (contacts, population.contacts),
                (table_of(Tag), population.tags),
                (table_of(ContactGroup), population.groups),
                (table_of(Resource), population.resources),
                (table_of(PortalUser), population.users),
                (table_of(ResourceAssignment), population.assignments),
                (table_of(ContactTag), population.contact_tags),
                (table_of(ContactGroupMember), population.memberships),
            ]
            for table, rows in plan:
                if not rows:
                    continue
                if postgres:
                    names = [c.name for c in table.c]
                    json_columns = {c.name for c in table.c if c.type.__class__.__name__ == "JSON"}
                    records = [
                        tuple(json.dumps(row[n]) if n in json_columns else row[n] for n in names)
                        for row in rows
                    ]
                    await connection.copy_records_to_table(
                        table.name, records=records, columns=names
                    )
                else:
                    for batch in range(0, len(rows), 20_000):
                        await connection.execute(insert(table), rows[batch : batch + 20_000])
        if postgres:
            await connection.execute(f"SELECT setval('{CUSTOMER_NUMBER_SEQUENCE}', {last})")
        else:
            await connection.execute(
                text("INSERT OR REPLACE INTO id_counters (name, value) VALUES (:n, :v)"),
                {"n": CUSTOMER_NUMBER_SEQUENCE, "v": last},
            )
            await connection.commit()
    finally:
        await connection.close()
        if not postgres:
            await database.dispose()


@asynccontextmanager
async def populated_database(dialect: str, size: int) -> Any:
    """A database with ``size`` contacts, migrated to head after seeding (or one kept by an
    earlier run, see ``PORTAL_BENCH_SEEDED``); yields its URL."""
    kept = seeded_databases().get(size)
    if kept is not None and kept.startswith("postgresql") == (dialect == "postgresql"):
        print(f"  measuring the kept database {kept}")
        await _migrate_and_analyze(kept, size)
        yield kept
        return
    if dialect == "postgresql":
        server = os.environ.get("PORTAL_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
        name = f"portal_bench_{uuid.uuid4().hex[:8]}"
        await _admin(server, f'CREATE DATABASE "{name}"')
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        cleanup = (
            None
            if KEEP or SEED_ONLY
            else _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        )
    else:
        import tempfile

        folder = tempfile.mkdtemp(prefix="portal_bench_")
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        cleanup = None
    try:
        await upgrade_database_async(url, BEFORE_STATUS)
        started = time.perf_counter()
        await seed(url, size)
        print(f"  generated and seeded {size:,} contacts in {time.perf_counter() - started:.1f} s")
        await _migrate_and_analyze(url, size)
        if KEEP or SEED_ONLY:
            print(f"  kept: PORTAL_BENCH_SEEDED={size}={url}")
        yield url
    finally:
        if cleanup is not None:
            await cleanup
        elif not (KEEP or SEED_ONLY) and dialect != "postgresql":
            import shutil

            shutil.rmtree(folder, ignore_errors=True)


async def _migrate_and_analyze(url: str, size: int) -> None:
    started = time.perf_counter()
    await upgrade_database_async(url, "head")
    print(f"  migrations to head on {size:,} contacts: {time.perf_counter() - started:.1f} s")
    database = Database.from_url(url)
    try:
        # VACUUM too (outside a transaction): a table autovacuum has visited answers counts
        # and index orders with index-only scans; a freshly copied one reads its heap.
        async with database.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE" if postgres_url(url) else "ANALYZE"))
    finally:
        await database.dispose()


FILTERS: dict[str, dict[str, Any]] = {
    "all active": {},
    "search common name 'müller'": {"search": "müller"},
    "search email part 'familie.schr'": {"search": "familie.schr"},
    "search phone '030 12'": {"search": "030 12"},
    "search customer number": {"search": str(FIRST_CUSTOMER_NUMBER + 4711)},
    "search two words 'jörg schmidt'": {"search": "jörg schmidt"},
    "status ACTIVE": {"status": "ACTIVE"},
    "status INVITED": {"status": "INVITED"},
    "status SUSPENDED": {"status": "SUSPENDED"},
    "status RESOURCE_ASSIGNED": {"status": "RESOURCE_ASSIGNED"},
    "status PROSPECT": {"status": "PROSPECT"},
    "inactive": {"active": False},
    "tag common (Segment A)": {"tags": ["Segment A"]},
    "tag rare (Segment T)": {"tags": ["Segment T"]},
    "group": {"groupIds": "GROUP"},
    "source CSV_IMPORT": {"source": "CSV_IMPORT"},
    "opt-in CONFIRMED": {"optIn": "CONFIRMED"},
    "status ACTIVE + tag Segment B": {"status": "ACTIVE", "tags": ["Segment B"]},
    "search 'müller' + status ACTIVE": {"search": "müller", "status": "ACTIVE"},
}
ORDERS = ("NAME", "CUSTOMER_NUMBER", "CREATED_AT")
# The portal users list and the pending review queue (issue 24: "the same treatment where they
# can grow large"): 100,000 portal users at 1,000,000 contacts, newest first.
PORTAL_USER_FILTERS: dict[str, dict[str, Any]] = {
    "portal users: all": {},
    "portal users: pending review queue": {"mappingStatus": "PENDING"},
    "portal users: registered": {"registrationStatus": "REGISTERED"},
    "portal users: suspended": {"suspended": True},
    "portal users: by email": {"email": "familie.schr"},
}
PORTAL_USERS_QUERY = """query U($filter: PortalUserFilterInput) {
  portalUsers(filter: $filter, first: %d) {
    %s edges { node { id email registrationStatus mappingStatus contact { customerNumber } } }
    pageInfo { hasNextPage endCursor } } }"""
PAGE_QUERY = """query P($filter: ContactFilterInput, $orderBy: ContactOrderInput, $after: String) {
  contacts(filter: $filter, orderBy: $orderBy, first: %d, after: $after) {
    %s edges { node { id customerNumber firstName lastName companyName email portalStatus } }
    pageInfo { hasNextPage endCursor } } }"""


@dataclass
class Case:
    name: str
    query: str
    variables: dict[str, Any]
    table: str = "contacts"  # the list's table, whose statement ``explain`` shows


def _service_filter(graphql: dict[str, Any], group_id: uuid.UUID) -> ContactFilter:
    return ContactFilter(
        search=graphql.get("search"),
        status=graphql.get("status"),
        active=graphql.get("active"),
        group_ids=(group_id,) if "groupIds" in graphql else (),
        tags=tuple(graphql.get("tags", ())),
        source=graphql.get("source"),
        opt_in=OptInState(graphql["optIn"]) if "optIn" in graphql else None,
    )


async def build_cases(url: str) -> list[Case]:
    """Every filter x order x (first page, the page after 10,000 rows), and the first page
    by name with ``totalCount``. The deep cursor is the 10,000th row's sort key, which is all
    a cursor holds (read here once by OFFSET, which the product never does)."""
    database = Database.from_url(url)
    # The floor: an authenticated request that reads no list. On a machine shared with other
    # work, the list cases are read against it (and against each other), not as absolutes.
    cases: list[Case] = [Case("floor: { me { email } }", "{ me { email } }", {})]
    try:
        async with database.engine.connect() as connection:
            group_id = (
                await connection.execute(
                    select(ContactGroup.id).where(ContactGroup.name == "Premium")
                )
            ).scalar_one()
            group_gid = _global_id("ContactGroup", group_id)
            for filter_name, graphql in FILTERS.items():
                variables_filter = {
                    **graphql, **({"groupIds": [group_gid]} if "groupIds" in graphql else {})
                }  # fmt: skip
                for order in ORDERS:
                    base = {"filter": variables_filter, "orderBy": {"field": order}}
                    cases.append(
                        Case(f"{filter_name} | {order} | first", PAGE_QUERY % (PAGE, ""), base)
                    )
                    field = ContactOrderField(order)
                    keys = _sort_keys(field)
                    deep = (
                        await connection.execute(
                            select(*keys)
                            .select_from(Contact)
                            .where(
                                *await filter_conditions(
                                    connection, _service_filter(graphql, group_id)
                                )
                            )
                            .order_by(*keys)
                            .offset(DEEP - 1)
                            .limit(1)
                        )
                    ).first()
                    if deep is not None:
                        cursor = encode_cursor(tuple(_encode(v) for v in deep))
                        cases.append(
                            Case(
                                f"{filter_name} | {order} | after {DEEP:,}",
                                PAGE_QUERY % (PAGE, ""),
                                {**base, "after": cursor},
                            )
                        )
                cases.append(
                    Case(
                        f"{filter_name} | NAME | first + totalCount",
                        PAGE_QUERY % (PAGE, "totalCount totalCountIsExact"),
                        {"filter": variables_filter},
                    )
                )
    finally:
        await database.dispose()
    for name, portal_user_filter in PORTAL_USER_FILTERS.items():
        variables = {"filter": portal_user_filter}
        cases.append(
            Case(f"{name} | first", PORTAL_USERS_QUERY % (PAGE, ""), variables, "portal_users")
        )
        cases.append(
            Case(
                f"{name} | first + totalCount",
                PORTAL_USERS_QUERY % (PAGE, "totalCount totalCountIsExact"),
                variables,
                "portal_users",
            )
        )
    return cases


def _global_id(kind: str, value: uuid.UUID) -> str:
    from schema.common.ids import to_global_id

    return to_global_id(kind, value)


def _rotated(cases: list[Case], shift: int) -> Iterator[Case]:
    shift %= len(cases)
    yield from cases[shift:]
    yield from cases[:shift]


async def measure(dialect: str, url: str, size: int) -> dict[str, Timings]:
    cases = await build_cases(url)
    if CASES:
        cases = cases[:1] + [c for c in cases[1:] if any(w in c.name for w in CASES)]
    timings = {case.name: Timings(case.name, []) for case in cases}
    async with product_app(bench_settings(url)) as product:
        token = await product.log_in_staff()
        for case in cases:  # warm-up, and every case answers without errors
            await product.graphql("/admin/graphql", case.query, token, case.variables)
        for round_number in range(ROUNDS):
            for case in _rotated(cases, round_number * 7):
                started = time.perf_counter()
                await product.graphql("/admin/graphql", case.query, token, case.variables)
                timings[case.name].seconds.append(time.perf_counter() - started)
        print(f"\n{dialect}, {size:,} contacts, {ROUNDS} rounds, page of {PAGE}:")
        print(f"  {'case':<70} {'p50 ms':>8} {'p95 ms':>8}")
        for case in cases:
            t = timings[case.name]
            print(f"  {case.name:<70} {t.p50 * 1000:8.1f} {t.p95 * 1000:8.1f}")
        slowest = max(cases[1:], key=lambda c: timings[c.name].p50)
        await explain(product, token, slowest, url)
    return timings


async def explain(product: Product, token: str, case: Case, url: str) -> None:
    log = StatementLog(product.runtime.database.engine)
    async with log.recording() as statements:
        await product.graphql("/admin/graphql", case.query, token, case.variables)
    page = [s for s in replayable(statements) if f"FROM {case.table}" in s.sql][-1]
    print(f"\n  slowest: {case.name}\n  {' '.join(page.sql.split())[:400]}")
    database = Database.from_url(url)
    try:
        async with database.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            if url.startswith("postgresql"):
                rows = await driver.fetch(
                    "EXPLAIN (ANALYZE, BUFFERS) " + page.sql, *page.parameters
                )
                lines = [r[0] for r in rows]
            else:
                cursor = await driver.execute("EXPLAIN QUERY PLAN " + page.sql, page.parameters)
                lines = [str(r[3]) for r in await cursor.fetchall()]
    finally:
        await database.dispose()
    print("  plan:\n    " + "\n    ".join(lines))


def sizes(dialect: str) -> list[int]:
    default = "100000,1000000" if dialect == "postgresql" else "100000"
    return [int(s) for s in os.environ.get("PORTAL_BENCH_SIZES", default).split(",") if s]


async def main(databases: Sequence[str]) -> None:
    for dialect in databases:
        results: dict[int, dict[str, Timings]] = {}
        for size in sizes(dialect):
            print(f"\n== {dialect}: {size:,} contacts")
            async with populated_database(dialect, size) as url:
                if not SEED_ONLY:
                    results[size] = await measure(dialect, url, size)
        if len(results) >= 2:
            small, large = min(results), max(results)
            print(f"\n{dialect} growth {small:,} -> {large:,} (p50 ratio):")
            for name, t in results[large].items():
                before = results[small].get(name)
                if before is not None:
                    print(f"  {name:<70} {t.p50 / before.p50:6.2f}x")


if __name__ == "__main__":
    command_line(main)
