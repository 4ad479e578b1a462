"""Staff queries while one anonymous client sends bursts of 200 concurrent registrations
(argon2id at the production default cost, the default hashing queue and limits).

Product phase: a staff ``contacts(first: 20)`` page over 10,000 contacts, back to back, while a
burst of 200 ``registerCustomer`` requests from one client address runs (a new address each
burst, so every burst reaches its per-IP limit afresh); reference phase: the same staff
queries without registrations. Phases alternate (order flipped every round) after a warm-up.
Reported: the staff query's p50/p95/p99 in both phases and the p99 ratio (goal <= 2x), how the
registrations were answered (accepted, TOO_MANY_REQUESTS, anything else: must be none) and how
long a burst took.

    python -m benchmarks.registration_burst [sqlite] [postgresql]
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from collections.abc import Sequence

import httpx

from benchmarks.apps import Product, bench_settings, product_app
from benchmarks.harness import Timings, command_line, scratch_database
from benchmarks.seed import seed_contacts

BURST = 200
CONTACTS = 10_000
STAFF_QUERIES_PER_PHASE = 60
ROUNDS = 3
P99_GOAL = 2.0
# The production defaults (README): 3 iterations, 64 MiB.
ARGON2 = {"argon2_time_cost": 3, "argon2_memory_kib": 65536, "argon2_parallelism": 1}
STAFF_QUERY = "{ contacts(first: 20) { edges { node { id lastName email } } } }"
REGISTER = """mutation R($input: RegisterCustomerInput!) {
  registerCustomer(input: $input) { accepted errors { code } } }"""


def registration(burst: int, index: int) -> dict[str, object]:
    return {
        "input": {
            "email": f"burst{burst}-{index}@example.de",
            "password": "Kirschbaum-im-Mai",
            "firstName": "Nina",
            "lastName": "Neu",
            "existingCustomer": False,
            "acceptTerms": True,
            "language": "de",
        }
    }


async def burst_of_registrations(product: Product, burst: int, outcomes: Counter[str]) -> float:
    """200 registrations at once from one client address; how long until all were answered."""
    transport = httpx.ASGITransport(
        app=product.app,
        client=(f"10.{burst // 250}.{burst % 250}.1", 40000),
    )
    start = time.perf_counter()
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        answers = await asyncio.gather(
            *(
                http.post("/graphql", json={"query": REGISTER, "variables": registration(burst, i)})
                for i in range(BURST)
            )
        )
    for answer in answers:
        if answer.status_code == 200 and answer.json()["data"]["registerCustomer"]["accepted"]:
            outcomes["accepted"] += 1
        elif answer.status_code == 429:
            outcomes[answer.json()["errors"][0]["extensions"]["code"]] += 1
        else:
            outcomes[f"HTTP {answer.status_code}: {answer.text[:120]}"] += 1
    return time.perf_counter() - start


async def phase(
    product: Product, token: str, burst: int | None, outcomes: Counter[str], bursts: list[float]
) -> list[float]:
    """Staff query latencies, with a registration burst running when ``burst`` is given."""
    latencies: list[float] = []
    running = None
    if burst is not None:
        running = asyncio.create_task(burst_of_registrations(product, burst, outcomes))
        await asyncio.sleep(0)  # let the burst start
    for _ in range(STAFF_QUERIES_PER_PHASE):
        start = time.perf_counter()
        await product.graphql("/admin/graphql", STAFF_QUERY, token)
        latencies.append(time.perf_counter() - start)
    if running is not None:
        bursts.append(await running)
    return latencies


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def measure(dialect: str, url: str) -> None:
    settings = bench_settings(url, throttle_limits=(), lockout_threshold=5, **ARGON2)
    async with product_app(settings) as product:
        await seed_contacts(product.runtime.database.engine, 1, CONTACTS + 1)
        token = await product.log_in_staff()
        outcomes: Counter[str] = Counter()
        bursts: list[float] = []
        await phase(product, token, 0, Counter(), [])  # warm-up
        loaded: list[float] = []
        quiet: list[float] = []
        for round_ in range(ROUNDS):
            order = [True, False] if round_ % 2 == 0 else [False, True]
            for with_burst in order:
                if with_burst:
                    loaded += await phase(product, token, round_ + 1, outcomes, bursts)
                else:
                    quiet += await phase(product, token, None, outcomes, bursts)
    with_b, without_b = Timings("with", loaded), Timings("without", quiet)
    ratio = with_b.percentile(0.99) / without_b.percentile(0.99)
    failures = {k: v for k, v in outcomes.items() if k not in ("accepted", "TOO_MANY_REQUESTS")}
    print(
        f"registration_burst {dialect}: staff query with bursts p50 {ms(with_b.p50)} "
        f"p95 {ms(with_b.p95)} p99 {ms(with_b.percentile(0.99))} | without p50 "
        f"{ms(without_b.p50)} p95 {ms(without_b.p95)} p99 {ms(without_b.percentile(0.99))} | "
        f"p99 ratio {ratio:.2f}x [goal <= {P99_GOAL}x: {'met' if ratio <= P99_GOAL else 'MISSED'}]"
        f"\n  {ROUNDS} bursts of {BURST}: accepted {outcomes['accepted']}, TOO_MANY_REQUESTS "
        f"{outcomes['TOO_MANY_REQUESTS']}, other {sum(failures.values())} "
        f"[goal 0: {'met' if not failures else 'MISSED ' + str(failures)}]; a burst took "
        f"{', '.join(f'{b:.1f} s' for b in bursts)}; load average {os.getloadavg()[0]:.2f}"
    )


async def main(databases: Sequence[str]) -> None:
    for dialect in databases:
        async with scratch_database(dialect) as url:
            await measure(dialect, url)


if __name__ == "__main__":
    command_line(main)
