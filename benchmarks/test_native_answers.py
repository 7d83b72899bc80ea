"""Native answers (issue 20 item 2), measured side by side in one run with `make benchmarks`
(figures printed and kept in extra_info; nothing asserts a time):

Binning, 1,000,000 customers, every distinct value a candidate, 10 bins. Three timings of the
same data in one process:
- ``kernel``: the DP alone (``search.optimal_starts`` on the built grid);
- ``problem``: building the BinningProblem from the arrays (sort, grid, and the same DP);
- ``solve_baseline``: ``qseg.solve_baseline(problem, "dp")`` on the built problem (scoring the
  DP's answer natively, the record's details included).
Target: problem + solve_baseline within 1.5x the kernel and <= 3 s, peak RSS <= 1 GB (no CSV read).
"""

from __future__ import annotations

import resource
import time

import numpy as np

import qseg
from qseg.data.propensity import propensity_customers
from qseg.problems.binning import BinningProblem, search

N = 1_000_000


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_binning_dp_through_solve_baseline_at_one_million(benchmark):
    data = propensity_customers(N, 1)
    p, y = data["propensity"].to_numpy(), data["outcome"].to_numpy()
    settings = {"n_bins": 10, "candidates": "all", "revenue": "30+10*b", "cost": "b**2"}

    def path() -> tuple[float, float, float]:
        start = time.perf_counter()
        problem = BinningProblem(p, y, **settings)  # type: ignore[arg-type]
        built = time.perf_counter()
        record = qseg.solve_baseline(problem, "dp", reference=True)
        done = time.perf_counter()
        assert record.status == "ok" and record.gap == 0.0
        kernel_start = time.perf_counter()
        value, _ = search.optimal_starts(problem.grid, problem.revenue, problem.cost, problem.rules)
        kernel = time.perf_counter() - kernel_start
        assert value == problem.optimum_value
        return kernel, built - start, done - built

    runs = [path() for _ in range(3)]
    kernel, build, solve = (float(np.median(column)) for column in zip(*runs, strict=True))
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    total = build + solve
    figures = {"kernel_s": kernel, "problem_s": build, "solve_baseline_s": solve, "total_s": total,
               "ratio_to_kernel": total / kernel, "peak_rss_mb": _peak_mb()}
    benchmark.extra_info.update(figures)
    print(f"\nbinning 1M every value, 10 bins (median of 3): DP kernel {kernel:.3f} s; BinningProblem {build:.3f} s; "
          f"solve_baseline {solve:.3f} s; problem + solve_baseline {total:.3f} s = {total / kernel:.2f}x the kernel; "
          f"peak RSS {figures['peak_rss_mb']:.0f} MB")
