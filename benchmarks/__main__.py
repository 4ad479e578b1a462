"""Run every benchmark: ``python -m benchmarks [sqlite] [postgresql]``."""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = [
    "benchmarks.matching",
    "benchmarks.contacts_page",
    "benchmarks.nested_page",
    "benchmarks.overhead",
    "benchmarks.login_load",
    "benchmarks.csv_bulk",
]


def main() -> None:
    for name in BENCHMARKS:
        module = importlib.import_module(name)
        started = time.perf_counter()
        print(f"== {name}")
        from benchmarks.harness import run

        run(module.main)
        print(f"   ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    sys.exit(main())
