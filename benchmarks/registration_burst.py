"""Staff queries while one anonymous client sends bursts of 200 concurrent registrations
(argon2id at the production default cost, the default hashing queue and limits).

Product phase: a staff ``contacts(first: 20)`` page over 10,000 contacts, back to back (at least
60 times, and for as long as the burst runs), while a
burst of 200 ``registerCustomer`` requests from one client address runs (a new address each
burst, so every burst reaches its per-IP limit afresh); reference phase: the same staff
queries without registrations. Phases alternate (order flipped every round) after a warm-up.
Reported: the staff query's p50/p95/p99 in both phases and the p99 ratio (goal <= 2x), how the
registrations were answered (accepted, TOO_MANY_REQUESTS, anything else: must be none) and how
long a burst took.

Two set-ups, both reported: **served** (the figure of record): the product runs under uvicorn
in a process of its own (:mod:`benchmarks.served`), the bursts come from another process over
loopback HTTP (each burst names a new client address through ``X-Forwarded-For``, from the
loopback proxy the server trusts), and the staff queries from this one; **in-process**: the
product behind ``httpx.ASGITransport``, where the burst's 200 clients build their requests and
read their answers on the event loop that also serves the timed staff query (an upper bound:
no deployment serves its clients' own work).

    python -m benchmarks.registration_burst [sqlite] [postgresql]
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence

import httpx

from benchmarks.apps import Product, bench_settings, product_app
from benchmarks.harness import Timings, command_line, scratch_database
from benchmarks.seed import seed_contacts
from benchmarks.served import served_product

BURST = 200
CONTACTS = 10_000
STAFF_QUERIES_PER_PHASE = 60
ROUNDS = 3
P99_GOAL = 2.0
# The production defaults (README): 3 iterations, 64 MiB.
ARGON2 = {"argon2_time_cost": 3, "argon2_memory_kib": 65536, "argon2_parallelism": 1}
# The per-IP limits at their defaults; bursts name their client through the loopback proxy.
OVERRIDES = {
    "throttle_limits": (),
    "lockout_threshold": 5,
    "trusted_proxies": ("127.0.0.1",),
    **ARGON2,
}
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


def client_address(burst: int) -> str:
    """A new client address per burst, so every burst reaches its per-IP limit afresh."""
    return f"10.{burst // 250}.{burst % 250}.1"


def count(answers: Sequence[tuple[int, dict[str, object]]], outcomes: Counter[str]) -> None:
    for status, body in answers:
        data = body.get("data")
        if status == 200 and isinstance(data, dict) and data["registerCustomer"]["accepted"]:
            outcomes["accepted"] += 1
        elif status == 429:
            outcomes[body["errors"][0]["extensions"]["code"]] += 1  # type: ignore[index]
        else:
            outcomes[f"HTTP {status}: {json.dumps(body)[:120]}"] += 1


async def send_burst(http: httpx.AsyncClient, burst: int) -> list[tuple[int, dict[str, object]]]:
    answers = await asyncio.gather(
        *(
            http.post("/graphql", json={"query": REGISTER, "variables": registration(burst, i)})
            for i in range(BURST)
        )
    )
    return [(answer.status_code, answer.json()) for answer in answers]


async def in_process_burst(
    product: Product, burst: int, outcomes: Counter[str], started: asyncio.Event
) -> float:
    """200 registrations at once from one client address, on the product's own event loop;
    how long until all were answered."""
    transport = httpx.ASGITransport(app=product.app, client=(client_address(burst), 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        started.set()
        start = time.perf_counter()
        count(await send_burst(http, burst), outcomes)
    return time.perf_counter() - start


async def served_burst(
    base_url: str, burst: int, outcomes: Counter[str], started: asyncio.Event
) -> float:
    """200 registrations at once from another process, over loopback HTTP to the served
    product; how long until all were answered. ``started`` is set when the process, started
    and ready, is told to go: its start-up is not part of the burst."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.registration_burst",
        "--burst-client",
        base_url,
        str(burst),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    if (await child.stdout.readline()).strip() != b"ready":
        raise RuntimeError("the burst client did not start")
    child.stdin.write(b"go\n")
    await child.stdin.drain()
    started.set()
    output, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the burst client exited with {child.returncode}")
    report = json.loads(output)
    count([(status, body) for status, body in report["answers"]], outcomes)
    return float(report["seconds"])


async def burst_client(base_url: str, burst: int) -> None:
    """The other process's side of :func:`served_burst`: prints the answers and the time."""
    limits = httpx.Limits(max_connections=BURST, max_keepalive_connections=BURST)
    headers = {"x-forwarded-for": client_address(burst)}
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, headers=headers, timeout=120
    ) as http:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)  # "go"
        start = time.perf_counter()
        answers = await send_burst(http, burst)
        seconds = time.perf_counter() - start
    print(json.dumps({"answers": answers, "seconds": seconds}))


Burst = Callable[[int, Counter[str], asyncio.Event], Awaitable[float]]


async def phase(
    staff_query: Callable[[], Awaitable[object]],
    burst: Callable[[asyncio.Event], Awaitable[float]] | None,
    bursts: list[float],
) -> list[float]:
    """Staff query latencies: STAFF_QUERIES_PER_PHASE of them, and with a registration burst
    (``burst`` given) from the moment it starts for as long as it runs."""
    latencies: list[float] = []
    running = None
    if burst is not None:
        started = asyncio.Event()
        running = asyncio.ensure_future(burst(started))
        waiting = asyncio.ensure_future(started.wait())
        await asyncio.wait({running, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if running.done():
            running.result()  # the burst failed before it started: raise its error
    while len(latencies) < STAFF_QUERIES_PER_PHASE or (running is not None and not running.done()):
        start = time.perf_counter()
        await staff_query()
        latencies.append(time.perf_counter() - start)
    if running is not None:
        bursts.append(await running)
    return latencies


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def rounds(
    staff_query: Callable[[], Awaitable[object]],
    start_burst: Burst,
) -> tuple[list[float], list[float], Counter[str], list[float]]:
    """A warm-up, then ROUNDS of a phase with a burst and one without (order flipped each
    round)."""
    outcomes: Counter[str] = Counter()
    bursts: list[float] = []
    await phase(staff_query, lambda started: start_burst(0, Counter(), started), [])  # warm-up
    loaded: list[float] = []
    quiet: list[float] = []
    for round_ in range(ROUNDS):
        order = [True, False] if round_ % 2 == 0 else [False, True]
        for with_burst in order:
            if with_burst:
                number = round_ + 1
                loaded += await phase(
                    staff_query,
                    lambda started, n=number: start_burst(n, outcomes, started),
                    bursts,
                )
            else:
                quiet += await phase(staff_query, None, bursts)
    return loaded, quiet, outcomes, bursts


def report(
    title: str,
    loaded: list[float],
    quiet: list[float],
    outcomes: Counter[str],
    bursts: list[float],
) -> None:
    with_b, without_b = Timings("with", loaded), Timings("without", quiet)
    ratio = with_b.percentile(0.99) / without_b.percentile(0.99)
    failures = {k: v for k, v in outcomes.items() if k not in ("accepted", "TOO_MANY_REQUESTS")}
    print(
        f"registration_burst {title}: staff query with bursts p50 {ms(with_b.p50)} "
        f"p95 {ms(with_b.p95)} p99 {ms(with_b.percentile(0.99))} | without p50 "
        f"{ms(without_b.p50)} p95 {ms(without_b.p95)} p99 {ms(without_b.percentile(0.99))} | "
        f"p99 ratio {ratio:.2f}x [goal <= {P99_GOAL}x: {'met' if ratio <= P99_GOAL else 'MISSED'}]"
        f"\n  {ROUNDS} bursts of {BURST}: accepted {outcomes['accepted']}, TOO_MANY_REQUESTS "
        f"{outcomes['TOO_MANY_REQUESTS']}, other {sum(failures.values())} "
        f"[goal 0: {'met' if not failures else 'MISSED ' + str(failures)}]; a burst took "
        f"{', '.join(f'{b:.1f} s' for b in bursts)}; load average {os.getloadavg()[0]:.2f}"
    )


async def measure(dialect: str, url: str) -> None:
    settings = bench_settings(url, **OVERRIDES)
    async with product_app(settings) as product:
        await seed_contacts(product.runtime.database.engine, 1, CONTACTS + 1)
        token = await product.log_in_staff()

        async def in_process_staff_query() -> object:
            return await product.graphql("/admin/graphql", STAFF_QUERY, token)

        async def in_process(burst: int, outcomes: Counter[str], started: asyncio.Event) -> float:
            return await in_process_burst(product, burst, outcomes, started)

        in_process_figures = await rounds(in_process_staff_query, in_process)
    async with (
        served_product(url, **OVERRIDES) as base_url,
        httpx.AsyncClient(base_url=base_url, headers={"authorization": f"Bearer {token}"}) as staff,
    ):

        async def served_staff_query() -> object:
            response = await staff.post("/admin/graphql", json={"query": STAFF_QUERY})
            response.raise_for_status()
            if response.json().get("errors"):
                raise RuntimeError(response.text)
            return response

        async def served(burst: int, outcomes: Counter[str], started: asyncio.Event) -> float:
            # Burst numbers after the in-process ones: new client addresses.
            return await served_burst(base_url, 100 + burst, outcomes, started)

        served_figures = await rounds(served_staff_query, served)
    report(f"{dialect} served", *served_figures)
    report(f"{dialect} in-process", *in_process_figures)


async def main(databases: Sequence[str]) -> None:
    for dialect in databases:
        async with scratch_database(dialect) as url:
            await measure(dialect, url)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--burst-client"]:
        asyncio.run(burst_client(sys.argv[2], int(sys.argv[3])))
    else:
        command_line(main)
