"""Timing helpers shared by the benchmark scripts: interleaved runs, warm-up, percentiles,
and a throwaway database per run."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks import DATABASES
from portal.migrate import upgrade_database_async

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@dataclass
class Timings:
    name: str
    seconds: list[float]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.seconds)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]

    @property
    def p50(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        return self.percentile(0.95)


async def interleaved(
    product: Callable[[int], Awaitable[object]],
    reference: Callable[[int], Awaitable[object]],
    *,
    rounds: int,
    warmup: int = 20,
) -> tuple[Timings, Timings]:
    """Run ``product(i)`` and ``reference(i)`` alternately (order flipped every round, so
    neither always runs on a warmer cache) and time each call."""
    for i in range(warmup):
        await product(i)
        await reference(i)
    mine: list[float] = []
    theirs: list[float] = []
    for i in range(rounds):
        pair = [(product, mine), (reference, theirs)]
        if i % 2:
            pair.reverse()
        for function, sink in pair:
            start = time.perf_counter()
            await function(i)
            sink.append(time.perf_counter() - start)
    return Timings("product", mine), Timings("reference", theirs)


def report(title: str, product: Timings, reference: Timings) -> float:
    """Print one benchmark's line; returns the p50 ratio product / reference."""
    ratio = product.p50 / reference.p50
    print(
        f"{title}: product p50 {product.p50 * 1000:.3f} ms p95 {product.p95 * 1000:.3f} ms | "
        f"reference p50 {reference.p50 * 1000:.3f} ms p95 {reference.p95 * 1000:.3f} ms | "
        f"ratio p50 {ratio:.2f}x p95 {product.p95 / reference.p95:.2f}x"
    )
    return ratio


async def _admin(server_url: str, statement: str) -> None:
    import asyncpg

    url = make_url(server_url).set(drivername="postgresql", database="postgres")
    connection = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@asynccontextmanager
async def scratch_database(dialect: str) -> AsyncIterator[str]:
    """A freshly migrated database (PostgreSQL: created and dropped; SQLite: a temp file)."""
    if dialect == "postgresql":
        server = os.environ.get("PORTAL_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
        name = f"portal_bench_{uuid.uuid4().hex[:8]}"
        await _admin(server, f'CREATE DATABASE "{name}"')
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
        try:
            await upgrade_database_async(url)
            yield url
        finally:
            await _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        folder = (
            Path(os.environ.get("PORTAL_BENCH_DIR", tempfile.gettempdir()))
            / f"portal_bench_{uuid.uuid4().hex[:8]}"
        )
        folder.mkdir(parents=True)
        path = folder / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        try:
            await upgrade_database_async(url)
            yield url
        finally:
            for file in folder.iterdir():
                file.unlink()
            folder.rmdir()


Benchmark = Callable[[Sequence[str]], Awaitable[None]]


def run(main: Benchmark, databases: Sequence[str] = DATABASES) -> None:
    """Run one benchmark's ``main`` on ``databases``."""
    asyncio.run(main(databases))


def command_line(main: Benchmark, argv: Sequence[str] | None = None) -> None:
    """``python -m benchmarks.<name> [-h] [DATABASE ...]``: the script's docstring as help,
    then ``main`` on the databases named (both when none is)."""
    module = sys.modules[main.__module__]
    spec = getattr(module, "__spec__", None)
    parser = argparse.ArgumentParser(
        prog=f"python -m {spec.name if spec else main.__module__}",
        description=module.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "databases",
        nargs="*",
        metavar="DATABASE",
        help=f"{' and/or '.join(DATABASES)} (default: both)",
    )
    arguments = parser.parse_args(argv)
    unknown = sorted(set(arguments.databases) - set(DATABASES))
    if unknown:
        parser.error(f"unknown database {', '.join(unknown)} (choose from {', '.join(DATABASES)})")
    run(main, arguments.databases or DATABASES)
