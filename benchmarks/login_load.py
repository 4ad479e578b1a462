"""Logins under load: bursts of 16 concurrent customer logins (argon2id at the production
default cost) while a heartbeat task ticks every 5 ms and ``viewer`` queries run back to back.

Product phase: viewer queries with login bursts running; reference phase: the same viewer
queries without logins. Phases alternate (order flipped every round) after a warm-up. Reported:
the heartbeat's worst lateness (goal < 25 ms: argon2 must not block the event loop), viewer
p50/p95/p99 with and without logins (goal: p99 within 1.5x), login latency, for password hash
pools of 1, 2 and 4 threads (``PORTAL_PASSWORD_HASH_THREADS``).

    python -m benchmarks.login_load [sqlite] [postgresql]
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence

from benchmarks.apps import Product, bench_settings, product_app
from benchmarks.harness import Timings, command_line, scratch_database

LOGINS = 16
VIEWERS_PER_PHASE = 120
ROUNDS = 3
THREADS = (1, 2, 4)
TICK = 0.005
HEARTBEAT_GOAL = 0.025
P99_GOAL = 1.5
# The production defaults (README): 3 iterations, 64 MiB.
ARGON2 = {"argon2_time_cost": 3, "argon2_memory_kib": 65536, "argon2_parallelism": 1}
PASSWORD = "Sonnenblume-2026"
VIEWER = "{ viewer { email } }"


async def heartbeat(stop: asyncio.Event, lateness: list[float], busy: list[float]) -> None:
    """Lateness of each 5 ms tick, and the event-loop thread's own CPU time during it: a late
    tick with little CPU waited for a core (another process), one with much CPU was blocked by
    work on the loop."""
    while not stop.is_set():
        start, cpu = time.perf_counter(), time.thread_time()
        await asyncio.sleep(TICK)
        lateness.append(time.perf_counter() - start - TICK)
        busy.append(time.thread_time() - cpu)


async def phase(product: Product, token: str, with_logins: bool) -> tuple[list[float], ...]:
    """(heartbeat lateness, loop CPU per tick, viewer latencies, login latencies)."""
    stop = asyncio.Event()
    lateness: list[float] = []
    busy: list[float] = []
    viewers: list[float] = []
    logins: list[float] = []

    async def log_in(index: int) -> None:
        start = time.perf_counter()
        await product.log_in_customer(f"kunde{index}@example.de", PASSWORD)
        logins.append(time.perf_counter() - start)

    async def login_bursts() -> None:
        while not stop.is_set():
            await asyncio.gather(*(log_in(i) for i in range(LOGINS)))

    ticking = asyncio.create_task(heartbeat(stop, lateness, busy))
    bursts = asyncio.create_task(login_bursts()) if with_logins else None
    await asyncio.sleep(0.05)  # let the first burst reach the hash pool
    for _ in range(VIEWERS_PER_PHASE):
        start = time.perf_counter()
        await product.graphql("/graphql", VIEWER, token)
        viewers.append(time.perf_counter() - start)
    stop.set()
    await ticking
    if bursts is not None:
        await bursts
    return lateness, busy, viewers, logins


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def measure(dialect: str, url: str, threads: int) -> None:
    settings = bench_settings(url, password_hash_threads=threads, **ARGON2)
    async with product_app(settings) as product:
        for index in range(LOGINS + 1):
            await product.make_customer(f"kunde{index}@example.de", PASSWORD)
        token = await product.log_in_customer(f"kunde{LOGINS}@example.de", PASSWORD)
        await phase(product, token, with_logins=True)  # warm-up
        loaded: list[list[float]] = [[], [], [], []]
        quiet: list[list[float]] = [[], [], [], []]
        for round_ in range(ROUNDS):
            order = [True, False] if round_ % 2 == 0 else [False, True]
            for with_logins in order:
                sink = loaded if with_logins else quiet
                for collected, new in zip(
                    sink, await phase(product, token, with_logins), strict=True
                ):
                    collected.extend(new)
    worst_loaded, worst_quiet = max(loaded[0]), max(quiet[0])
    worst_busy = max(loaded[1])
    with_t, without_t = Timings("with", loaded[2]), Timings("without", quiet[2])
    logins = Timings("logins", loaded[3])
    ratio = with_t.percentile(0.99) / without_t.percentile(0.99)
    print(
        f"login_load {dialect} threads={threads}: heartbeat worst {ms(worst_loaded)} with logins "
        f"({ms(worst_quiet)} without) [goal < {ms(HEARTBEAT_GOAL)}: "
        f"{'met' if worst_loaded < HEARTBEAT_GOAL else 'MISSED'}]; loop CPU in the worst tick "
        f"{ms(loaded[1][loaded[0].index(worst_loaded)])}, most loop CPU in one tick "
        f"{ms(worst_busy)}; load average {os.getloadavg()[0]:.2f}\n"
        f"  viewer with logins p50 {ms(with_t.p50)} p95 {ms(with_t.p95)} "
        f"p99 {ms(with_t.percentile(0.99))} | without p50 {ms(without_t.p50)} "
        f"p95 {ms(without_t.p95)} p99 {ms(without_t.percentile(0.99))} | "
        f"p99 ratio {ratio:.2f}x "
        f"[goal <= {P99_GOAL}x: {'met' if ratio <= P99_GOAL else 'MISSED'}]\n"
        f"  {len(loaded[3])} logins: p50 {ms(logins.p50)} p95 {ms(logins.p95)}"
    )


async def main(databases: Sequence[str]) -> None:
    for dialect in databases:
        for threads in THREADS:
            async with scratch_database(dialect) as url:
                await measure(dialect, url, threads)


if __name__ == "__main__":
    command_line(main)
