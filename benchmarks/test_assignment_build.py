"""Building the retention assignment models: the CQM at the memo's full customer base (75,000 x 8
= 600,000 binaries, 75,016 constraints) must be quick and lean enough to leave the 30 s budget to
the solver; the QUBOs at 250 x 8 (1,750 action variables, 1.53 M interactions: the budget row
couples every pair).

Run with ``make benchmarks`` (or ``pytest benchmarks/test_assignment_build.py -s --benchmark-only``).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import qseg

FULL_BASE = 75_000


def test_cqm_build_time_at_75000_customers(benchmark):
    problem = qseg.problem("assignment", size=FULL_BASE, seed=0)
    cqm = benchmark.pedantic(problem.build_cqm, rounds=3, iterations=1)
    assert len(cqm.variables) == FULL_BASE * 8 and len(cqm.constraints) == FULL_BASE + 16


def test_cqm_build_peak_memory_at_75000_customers():
    """Peak RSS of a fresh process building the problem and its CQM (target: well under 2 GB)."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forking parent.
    script = (
        "import time, qseg\n"
        "def peak():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "before = peak()\n"
        "start = time.perf_counter()\n"
        f"p = qseg.problem('assignment', size={FULL_BASE}, seed=0)\n"
        "built = time.perf_counter()\n"
        "p.cqm()\n"
        "print(before, peak(), built - start, time.perf_counter() - built)\n"
    )
    fields = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout.split()
    before_kb, peak_kb = int(fields[0]), int(fields[1])
    data_s, cqm_s = float(fields[2]), float(fields[3])
    print(f"\nassignment {FULL_BASE} x 8: data + rows {data_s:.2f} s, CQM {cqm_s:.2f} s, peak RSS "
          f"{peak_kb / 1024:.0f} MB (process before {before_kb / 1024:.0f} MB)")
    assert peak_kb > before_kb


@pytest.mark.parametrize("formulation", ["unbalanced", "slack"])
def test_qubo_build_time_at_250_customers(benchmark, formulation):
    problem = qseg.problem("assignment", size=250, seed=0)
    qubo = benchmark.pedantic(problem.build_qubo, args=(formulation,), rounds=3, iterations=1)
    assert qubo.bqm.num_interactions >= 1750 * 1749 // 2
