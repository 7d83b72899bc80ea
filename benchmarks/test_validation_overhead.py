"""Targets (issue 15): validation and resource estimates add <= 50 ms to `qseg solve`, and a
10,000-cell suite validates in <= 1 s. Run with `make benchmarks`; the figures are printed and
kept in extra_info (no assert on time: the machine decides those)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

import qseg
from qseg.backends import load_backend
from qseg.cli import _key_values, _split_settings
from qseg.files import check_output_dir
from qseg.harness.spend import estimate_charges
from qseg.harness.suite import load_suite
from qseg.problems import build_problem
from qseg.problems.base import refuse_if_too_large
from qseg.solving.solve import _check_call, resolve_backend_params, resolve_formulation

ROUNDS = 30


def _validation_steps(problem: qseg.problems.Problem, folder: Path) -> None:
    """Every check `qseg solve knapsack --size 250 --set budget_fraction=0.4 --param num_reads=100
    --analysis DIR` runs before and around the solver, and nothing else: parsing the settings,
    the size estimate (reads /proc/meminfo), resolving backend, formulation and parameters, the
    size check against the backend and the output folder."""
    settings = _key_values(["budget_fraction=0.4", "kappa=16"], "set")
    _split_settings("knapsack", None, settings)
    refuse_if_too_large("size", 250, problem.instance_bytes(250), "a knapsack instance of 250 customers")
    backend = load_backend("sa")
    chosen = resolve_formulation(problem, backend, None)
    _check_call(reference=False, penalties={"kappa": 16}, eps=1e-6, repeat=0, params={"num_reads": 100})
    resolved = resolve_backend_params(backend, problem.seed, {"num_reads": "100"})
    known = problem.qubo_variables(chosen)
    assert known is not None
    backend.variables_reason(known, resolved)
    check_output_dir("analysis", folder / "analysis")


def test_validation_and_estimates_of_one_solve(benchmark, tmp_path):
    problem = qseg.problem("knapsack", size=250, seed=1)
    benchmark.pedantic(lambda: _validation_steps(problem, tmp_path), rounds=ROUNDS, iterations=10, warmup_rounds=2)
    median_ms = benchmark.stats.stats.median * 1000
    benchmark.extra_info.update({"median_ms": median_ms, "target_ms": 50})
    print(f"\nqseg solve validation + estimates: median {median_ms:.3f} ms (target <= 50 ms)")


def test_building_a_problem_with_its_checks(benchmark):
    """For scale: qseg.problem itself (its checks plus generating 250 customers)."""
    benchmark.pedantic(lambda: build_problem("knapsack", size=250, seed=1, params={"budget_fraction": 0.4}),
                       rounds=ROUNDS, iterations=1, warmup_rounds=2)
    print(f"\nqseg.problem('knapsack', size=250): median {benchmark.stats.stats.median * 1000:.2f} ms")


@pytest.fixture(scope="module")
def big_suite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A suite of 10,000 cells: 100 generated instances x a 100-point num_reads grid."""
    path = tmp_path_factory.mktemp("suite") / "big.toml"
    seeds = ", ".join(str(seed) for seed in range(100))
    reads = ", ".join(str(reads) for reads in range(1, 101))
    path.write_text(f'name = "big"\nreference = "none"\n\n[[instances]]\nproblem = "knapsack"\nsizes = [8]\n'
                    f'seeds = [{seeds}]\n\n[[backends]]\nname = "random"\nparams = {{ num_reads = [{reads}] }}\n')
    return path


def test_validating_a_10000_cell_suite(benchmark, big_suite):
    """What `qseg bench SUITE --dry-run` does before printing: load and validate every cell, then
    estimate the charges."""
    counts: list[int] = []
    loads: list[float] = []

    def validate() -> None:
        start = time.perf_counter()
        suite = load_suite(big_suite)
        loads.append(time.perf_counter() - start)
        counts.append(len(estimate_charges(suite)))

    benchmark.pedantic(validate, rounds=5, iterations=1, warmup_rounds=1)
    assert counts[-1] == 10_000
    median_s = benchmark.stats.stats.median
    benchmark.extra_info.update({"median_s": median_s, "load_suite_median_s": statistics.median(loads), "target_s": 1.0})
    print(f"\n10,000-cell suite: load_suite median {statistics.median(loads):.3f} s, with the charge estimate "
          f"{median_s:.3f} s (target <= 1 s)")
