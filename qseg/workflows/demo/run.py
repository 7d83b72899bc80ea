"""``qseg demo``'s computation: the seed notebook end to end on ``seed-000`` (segments, targeting
at the notebook's budget and at a binding one, k-medoids), then the binning and RFM sections,
and the checks against docs/architecture.md §8's exact values. Every solve is seeded: two runs give the same
answers (only the measured times differ)."""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd

from qseg.data.synthetic import SEED_000, seed_000
from qseg.errors import BadInputError
from qseg.problems import build_problem
from qseg.problems.knapsack.problem import KnapsackProblem
from qseg.workflows.demo.extras import run_binning, run_rfm
from qseg.workflows.demo.medoids import notebook_kmeans, run_kmedoids
from qseg.workflows.demo.results import PMEDIAN_OPTIMUM, TARGETING_OPTIMUM, Check, DemoResult, DemoSettings
from qseg.workflows.demo.targeting import run_targeting

FEATURES = ("x1", "x2", "x3")
Progress = Callable[[str], None]


def check_settings(settings: DemoSettings) -> None:
    """Raise BadInputError naming the first setting outside its range, before any solve."""
    counts = {"num_reads": settings.num_reads, "num_sweeps": settings.num_sweeps,
              "assignment_reads": settings.assignment_reads, "rfm_reads": settings.rfm_reads}
    for name, value in counts.items():
        if value < 1:
            raise BadInputError(name, value, "must be a whole number >= 1")
    if not 0 < settings.binding_fraction < 1:
        raise BadInputError("binding_fraction", settings.binding_fraction, "must lie strictly between 0 and 1")
    if not SEED_000["k"] + 1 <= settings.assignment_prefix <= SEED_000["n"]:
        raise BadInputError("assignment_prefix", settings.assignment_prefix, f"must be in {SEED_000['k'] + 1}..{SEED_000['n']}")


def run_demo(settings: DemoSettings | None = None, on_progress: Progress | None = None) -> DemoResult:
    """Return the DemoResult of every section under ``settings`` (default: the full demo),
    calling ``on_progress`` with one line per finished section. Raises BadInputError for bad
    settings before any solve, SolverError when an exact backend finds no optimum."""
    chosen = settings or DemoSettings()
    check_settings(chosen)
    tell = on_progress or (lambda line: None)
    started = time.perf_counter()
    customers = _customers()
    segments = notebook_kmeans(customers[list(FEATURES)].to_numpy(), SEED_000["k"])
    targeting = []
    budgets: tuple[tuple[str, dict[str, float]], ...] = (
        (f"The notebook's budget, {SEED_000['budget']:g}", {}),
        (f"A binding budget: budget_fraction = {chosen.binding_fraction:g}", {"budget_fraction": chosen.binding_fraction}),
    )
    for label, params in budgets:
        problem = build_problem("knapsack", size=None, seed=0, data="seed-000", params=params)
        assert isinstance(problem, KnapsackProblem)
        short = f"budget {problem.budget:,.0f}" + ("" if not params else " (binding)")
        targeting.append(run_targeting(label, short, problem, chosen))
        tell(f"targeting, {label}: {time.perf_counter() - started:.1f} s")
    kmedoids = run_kmedoids(chosen)
    tell(f"k-medoids: {time.perf_counter() - started:.1f} s")
    binning = run_binning(chosen)
    tell(f"binning: {time.perf_counter() - started:.1f} s")
    rfm = run_rfm(chosen)
    tell(f"rfm: {time.perf_counter() - started:.1f} s")
    checks = (
        Check(f"exact targeting optimum at budget {SEED_000['budget']:g} (profit)", TARGETING_OPTIMUM, targeting[0].optimum),
        Check(f"exact p-median cost, K = {kmedoids.k}", PMEDIAN_OPTIMUM, kmedoids.optimum),
    )
    return DemoResult(settings=chosen, customers=customers, segments=segments, targeting=tuple(targeting),
                      kmedoids=kmedoids, binning=binning, rfm=rfm, checks=checks,
                      seconds=time.perf_counter() - started)


def _customers() -> pd.DataFrame:
    """Return seed-000 with the notebook's column names (x1..x3, cost, value, uplift, profit)."""
    frame = seed_000().rename(columns={"f1": "x1", "f2": "x2", "f3": "x3"})
    return frame[[*FEATURES, "cost", "value", "uplift", "profit", "segment"]]
