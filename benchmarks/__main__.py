"""Run benchmarks by name, on the databases named: every benchmark on both databases when no
name is given (about 30 minutes here). ``python -m benchmarks --help`` says how."""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks import DATABASES

BENCHMARKS = (
    "matching",
    "contacts_page",
    "nested_page",
    "overhead",
    "login_load",
    "registration_burst",
    "csv_bulk",
    "events_import",
    "shortcuts",
    "lists_at_scale",
    "webhooks",
)


def summary(name: str) -> str:
    """The first sentence of a benchmark's docstring, read without importing the script."""
    spec = importlib.util.find_spec(f"benchmarks.{name}")
    assert spec is not None and spec.origin is not None, name
    source = Path(spec.origin).read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source)) or ""
    return " ".join(docstring.split("\n\n", 1)[0].split())


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Run benchmarks by name, on the databases named: every benchmark on both "
        "databases when no name is given (about 30 minutes here).",
        epilog="benchmarks: " + ", ".join(BENCHMARKS) + f"; databases: {', '.join(DATABASES)}. "
        "Each script also runs alone: python -m benchmarks.<name> [DATABASE ...]. "
        "PostgreSQL is taken from PORTAL_BENCH_POSTGRES_URL (a database is created and dropped).",
    )
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help="benchmarks and/or databases to run (default: every benchmark on both databases)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the benchmarks and databases, run nothing"
    )
    return parser


def choose(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """The benchmarks and databases named, in their canonical order; all of a kind when none
    of it is named. Raises ValueError for a name that is neither."""
    unknown = [name for name in names if name not in BENCHMARKS and name not in DATABASES]
    if unknown:
        raise ValueError(f"unknown benchmark or database: {', '.join(unknown)}")
    benchmarks = [name for name in BENCHMARKS if name in names] or list(BENCHMARKS)
    databases = [name for name in DATABASES if name in names] or list(DATABASES)
    return benchmarks, databases


def main(argv: Sequence[str] | None = None) -> int:
    arguments_parser = parser()
    arguments = arguments_parser.parse_args(argv)
    if arguments.list:
        width = max(map(len, BENCHMARKS))
        for name in BENCHMARKS:
            print(f"{name:<{width}}  {summary(name)}")
        print(f"\ndatabases: {', '.join(DATABASES)}")
        return 0
    try:
        benchmarks, databases = choose(arguments.names)
    except ValueError as error:
        arguments_parser.error(str(error))
    from benchmarks.harness import run

    for name in benchmarks:
        module = importlib.import_module(f"benchmarks.{name}")
        started = time.perf_counter()
        print(f"== {name} ({', '.join(databases)})", flush=True)
        run(module.main, databases)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
