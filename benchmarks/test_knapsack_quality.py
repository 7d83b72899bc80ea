"""Knapsack quality and penalty tuning targets (issue 14, items 4 and 5). Run alone with

    python -m pytest benchmarks/test_knapsack_quality.py -q -s

(``make benchmarks`` runs it with the rest). Figures are printed and kept in extra_info.

- ``sa`` (its defaults: 100 reads x 1000 sweeps) on the default ``unbalanced`` rule, on Pisinger
  instances of types 1-3, n = 100-200, that the rule was NOT tuned on: the six published
  ``knapPI_{1,2,3}_{100,200}_1000_1`` and ``knapPI_1_100_100000_1..5``. Target: mean gap <= 1 %
  raw, none > 2 %; <= 0.2 % after the polish. The rule's constants (kappa, margin) were chosen on
  ``TUNING_SET``: instances drawn here with Pisinger's recipe (types 1-3, n = 100 and 200,
  capacity 1 %, 2 % and 10 % of the total weight), never on the published ones.
- Penalty tuning on settings where the fixed penalty leaves the best read infeasible (tiny
  penalty weights on knapsack ``slack`` and ``unbalanced``, k-medoids ``selection``): the share
  of cells ending feasible without and with ``penalty_tuning``.
"""

from __future__ import annotations

import numpy as np
import pytest

import qseg
from qseg.problems import KnapsackProblem
from qseg.problems.knapsack import search

HELD_BACK = [
    "knapPI_1_100_1000_1", "knapPI_1_200_1000_1", "knapPI_2_100_1000_1", "knapPI_2_200_1000_1",
    "knapPI_3_100_1000_1", "knapPI_3_200_1000_1",
    *(f"knapPI_1_100_100000.csv#knapPI_1_100_100000_{i}" for i in range(1, 6)),
]
RAW_MEAN, RAW_MAX, POLISHED_MAX = 0.01, 0.02, 0.002


def pisinger_like(kind: int, n: int, fraction: float, seed: int, span: int = 1000) -> KnapsackProblem:
    """Return a Pisinger-recipe instance (type 1 uncorrelated, 2 weakly, 3 strongly correlated;
    weights 1..span, capacity ``fraction`` of the total weight) with its DP optimum as best known."""
    problem = pisinger_like_unsolved(kind, n, fraction, seed, span)
    problem.best_known = float(problem.profit @ problem.dynamic_programming())
    return problem


def pisinger_like_unsolved(kind: int, n: int, fraction: float, seed: int, span: int = 1000) -> KnapsackProblem:
    """Return the instance of ``pisinger_like`` without solving it."""
    rng = np.random.default_rng(seed)
    weight = rng.integers(1, span + 1, n).astype(float)
    if kind == 1:
        profit = rng.integers(1, span + 1, n).astype(float)
    elif kind == 2:
        profit = np.maximum(1, weight + rng.integers(-span // 10, span // 10 + 1, n)).astype(float)
    else:
        profit = weight + span / 10
    return KnapsackProblem(profit, weight, float(np.floor(fraction * weight.sum())),
                           instance=f"pisinger-like-{kind}-{n}-{fraction}-{seed}", seed=seed)


# What the rule was tuned on (by hand, with sa at its defaults): not used by the targets below.
TUNING_SET = [(kind, n, fraction, 100 + 10 * kind + n + int(fraction * 1000))
              for kind in (1, 2, 3) for n in (100, 200) for fraction in (0.01, 0.02, 0.1)]


def test_sa_unbalanced_on_held_back_pisinger_instances(benchmark):
    def run() -> list[tuple[str, float, float, float]]:
        rows = []
        for name in HELD_BACK:
            record = qseg.solve(qseg.problem("knapsack", data=name), "sa", polish=True)
            assert record.gap_raw is not None and record.gap is not None, f"{name}: {record.status}"
            rows.append((name, record.gap_raw, record.gap, record.timing["polish_ns"] / 1e6 / record.num_reads))
        return rows

    rows = benchmark.pedantic(run, rounds=1, iterations=1)
    raw = np.array([r[1] for r in rows])
    polished = np.array([r[2] for r in rows])
    # ms/read: the polish's time over the sampler's reads (each distinct read is polished once).
    print("\ninstance                                         raw gap   polished   polish ms/read")
    for name, gap_raw, gap, per_read in rows:
        print(f"{name:<48} {gap_raw:8.3%} {gap:9.3%} {per_read:12.2f}")
    print(f"mean {raw.mean():.3%} raw (target <= {RAW_MEAN:.0%}), max {raw.max():.3%} (<= {RAW_MAX:.0%}); "
          f"polished max {polished.max():.3%} (<= {POLISHED_MAX:.1%})")
    benchmark.extra_info.update({"raw_mean": raw.mean(), "raw_max": raw.max(), "polished_max": polished.max()})
    assert raw.mean() <= RAW_MEAN and raw.max() <= RAW_MAX
    assert polished.max() <= POLISHED_MAX


def _lp_bound(problem: KnapsackProblem) -> float:
    """Return the LP relaxation's optimum (greedy by ratio, the break customer taken fractionally)."""
    _, order = search.ratio_order(problem.profit, problem.cost)
    spend = np.cumsum(problem.cost[order])
    whole = spend <= problem.budget
    bound = float(problem.profit[order][whole].sum())
    if not whole.all():
        part = int(np.argmin(whole))
        left = problem.budget - (spend[part - 1] if part else 0.0)
        bound += float(problem.profit[order[part]] * left / problem.cost[order[part]])
    return bound


@pytest.mark.parametrize("n", [200, 2000])
@pytest.mark.parametrize("start", ["random", "near-greedy"])
def test_polish_time_per_read(benchmark, n, start):
    """Polish time per distinct read on Pisinger-recipe instances of types 1-3 (capacity 10 % of
    the weight): 10 uniformly random reads (the worst start: half the customers, repaired) or 10
    reads of the greedy answer with 5 % of the bits flipped. The gap is to the LP bound, so it
    bounds the gap to the optimum from above."""
    rng = np.random.default_rng(n)
    problems = [pisinger_like_unsolved(kind, n, 0.1, seed=n + kind) for kind in (1, 2, 3)]
    starts = []
    for problem in problems:
        if start == "random":
            starts.append(rng.integers(0, 2, size=(10, n)).astype(np.int8))
        else:
            flips = rng.random((10, n)) < 0.05
            starts.append(np.where(flips, 1 - problem.greedy()[None, :], problem.greedy()[None, :]).astype(np.int8))

    def run() -> list[np.ndarray]:
        return [search.polish_many(p.profit, p.cost, p.budget, s) for p, s in zip(problems, starts)]

    polished = benchmark.pedantic(run, rounds=1, iterations=1)
    per_read = benchmark.stats.stats.mean / sum(len(s) for s in starts)
    gaps = [1 - float((rows @ p.profit).max()) / _lp_bound(p) for p, rows in zip(problems, polished)]
    print(f"\nn={n} {start}: polish {per_read * 1e3:.1f} ms per read; best gap to the LP bound, types 1-3: "
          + ", ".join(f"{g:.3%}" for g in gaps))
    benchmark.extra_info.update({"ms_per_read": per_read * 1e3, "lp_gaps": gaps})
    assert all((rows @ p.cost <= p.budget).all() for p, rows in zip(problems, polished))


# (problem, spec, formulation, penalty options): the fixed weight is far below the rule's.
INFEASIBLE_SETTINGS = [
    *(("knapsack", {"size": 60, "seed": seed}, "slack", {"lam": 1e-7}) for seed in range(10, 15)),
    *(("knapsack", {"size": 60, "seed": seed}, "unbalanced", {"lambda1": 1e-4, "lambda2": 1e-6})
      for seed in range(10, 15)),
    *(("kmedoids", {"size": 30, "seed": seed}, "selection", {"gamma": 1e-3}) for seed in range(10, 15)),
]


@pytest.mark.parametrize("tuning", [False, True])
def test_penalty_tuning_turns_infeasible_settings_feasible(benchmark, tuning):
    def run() -> list[bool]:
        feasible = []
        for problem_name, spec, formulation, penalties in INFEASIBLE_SETTINGS:
            problem = qseg.problem(problem_name, **spec)
            record = qseg.solve(problem, "sa", formulation=formulation, penalties=penalties,
                                penalty_tuning=tuning, num_reads=20, num_sweeps=500)
            feasible.append(bool(record.feasible))
        return feasible

    feasible = benchmark.pedantic(run, rounds=1, iterations=1)
    share = sum(feasible) / len(feasible)
    print(f"\npenalty_tuning={tuning}: {sum(feasible)}/{len(feasible)} cells end feasible ({share:.0%})")
    benchmark.extra_info["feasible_share"] = share
