"""Benchmarks: each script measures the product against a reference doing the same work in the
same process and run, interleaved, and prints the ratio. ``python -m benchmarks --help`` says how
to run them."""

from __future__ import annotations

DATABASES = ("sqlite", "postgresql")
