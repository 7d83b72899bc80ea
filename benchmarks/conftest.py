"""Benchmarks run with `make benchmarks` (pytest-benchmark); they are not part of `make test`."""
