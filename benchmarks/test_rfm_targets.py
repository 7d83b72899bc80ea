"""RFM data targets (issue 13), measured with `make benchmarks` (pytest-benchmark times the real
calls; figures go to extra_info and are printed; nothing asserts a time):

- cleaning + features on 500,000 transaction rows (<= 5 s, <= 2 GB): the generator's rows, parsed
  as a file is, then ``clean_transactions`` and ``customer_features``; the peak is the Python heap
  traced by tracemalloc during the timed calls (numpy and pandas buffers included) and the
  process's peak RSS;
- reading the same rows from a CSV (not part of the target; it is the step before);
- the generator at 25,000 customers ("a few seconds").
"""

from __future__ import annotations

import resource
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest

from qseg.data import rfm

ROWS = 500_000


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """Return 500,000 generated rows (the first ones, in time order) parsed like a file."""
    raw, _ = rfm.synthetic_transactions(16_000, 13)
    assert len(raw) >= ROWS
    return rfm.parse_transactions(raw.iloc[:ROWS])


def _clean_and_features(frame: pd.DataFrame) -> tuple[pd.DataFrame, rfm.CleaningReport]:
    clean, report = rfm.clean_transactions(frame)
    return rfm.customer_features(clean), report


def _traced_peak_mb(frame: pd.DataFrame) -> float:
    """Return the traced heap's peak (MB) above what it held before, over one untimed run
    (tracing slows allocation, so the timed rounds run without it)."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        _clean_and_features(frame)
        return (tracemalloc.get_traced_memory()[1] - before) / 2**20
    finally:
        tracemalloc.stop()


def test_clean_and_features_500k_rows(benchmark, rows):
    features, report = benchmark.pedantic(_clean_and_features, args=(rows,), rounds=3, iterations=1)
    traced_mb = _traced_peak_mb(rows)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert report.rows_in == ROWS and len(features) == report.customers
    benchmark.extra_info.update({"rows": ROWS, "customers": report.customers, "traced_peak_mb": traced_mb,
                                 "peak_rss_mb": rss_mb})
    print(f"\nclean + features, {ROWS} rows -> {report.customers} customers: mean {benchmark.stats['mean']:.2f} s, "
          f"max {benchmark.stats['max']:.2f} s, traced peak {traced_mb:.0f} MB, process peak RSS {rss_mb:.0f} MB")


def test_read_500k_rows_csv(benchmark, rows, tmp_path: Path):
    path = tmp_path / "retail.csv"
    raw, _ = rfm.synthetic_transactions(16_000, 13)
    rfm.write_transactions_csv(raw.iloc[:ROWS], path)
    frame = benchmark.pedantic(rfm.read_transactions, args=(path,), rounds=1, iterations=1)
    assert len(frame) == ROWS
    print(f"\nread_transactions, {ROWS} rows ({path.stat().st_size / 2**20:.0f} MB): {benchmark.stats['mean']:.2f} s")


def test_generator_25k_customers(benchmark):
    raw, truth = benchmark.pedantic(rfm.synthetic_transactions, args=(25_000, 1), rounds=1, iterations=1)
    assert len(truth) == 25_000
    benchmark.extra_info["rows"] = len(raw)
    print(f"\nsynthetic_transactions(25000): {len(raw)} rows in {benchmark.stats['mean']:.2f} s")
