"""Benchmarks: each script measures the product against a reference doing the same work in the
same process and run, interleaved, and prints the ratio. ``python -m benchmarks`` runs all."""
