"""Knapsack targeting: seed reproduction, the CQM, evaluation, baselines, bad input."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

import qseg
from qseg.errors import BadInputError, UnknownNameError
from qseg.problems.knapsack import KnapsackProblem, search

SEED_OPTIMUM = 1140.593
SEED_SPEND = 1182.74
SEED_BINDING_OPTIMUM = 959.538


def test_seed_000_reproduces_the_notebook_data():
    problem = qseg.problem("knapsack", data="seed-000")
    assert problem.size == 250 and problem.budget == 2000.0
    assert int((problem.profit > 0).sum()) == 124
    assert float(problem.cost[problem.profit > 0].sum()) == pytest.approx(SEED_SPEND, abs=0.005)


def test_seed_000_optimum_is_the_greedy_answer_because_the_budget_does_not_bind():
    problem = qseg.problem("knapsack", data="seed-000")
    record = qseg.solve(problem, "cbc")
    assert record.objective == pytest.approx(SEED_OPTIMUM, abs=5e-4)
    assert record.details["spend"] == pytest.approx(SEED_SPEND, abs=0.005)
    assert float(problem.profit @ problem.greedy()) == pytest.approx(SEED_OPTIMUM, abs=5e-4)


def test_budget_fraction_makes_the_seed_budget_bind():
    problem = qseg.problem("knapsack", data="seed-000", budget_fraction=0.5)
    assert problem.budget == pytest.approx(0.5 * SEED_SPEND, abs=0.005)
    record = qseg.solve(problem, "highs")
    assert record.objective == pytest.approx(SEED_BINDING_OPTIMUM, abs=5e-4)
    assert record.details["spend"] <= problem.budget + 1e-9


def test_generator_seed_2026_n250_is_seed_000():
    generated = qseg.problem("knapsack", size=250, seed=2026, budget=2000)
    seed = qseg.problem("knapsack", data="seed-000")
    np.testing.assert_array_equal(generated.profit, seed.profit)
    np.testing.assert_array_equal(generated.cost, seed.cost)


def test_seed_000_size_takes_the_first_customers():
    small = qseg.problem("knapsack", data="seed-000", size=20)
    full = qseg.problem("knapsack", data="seed-000")
    np.testing.assert_array_equal(small.profit, full.profit[:20])


def test_same_seed_same_instance_other_seed_other_instance():
    a, b = qseg.problem("knapsack", size=30, seed=5), qseg.problem("knapsack", size=30, seed=5)
    c = qseg.problem("knapsack", size=30, seed=6)
    np.testing.assert_array_equal(a.profit, b.profit)
    assert not np.array_equal(a.profit, c.profit)


def test_cqm_states_the_knapsack_exactly():
    problem = KnapsackProblem(np.array([3.0, -1.0, 2.0]), np.array([2.0, 1.0, 2.0]), 3.0, instance="t")
    cqm = problem.cqm()
    assert list(cqm.variables) == ["x_0", "x_1", "x_2"]
    assert cqm.objective.energy({"x_0": 1, "x_1": 1, "x_2": 0}) == -2.0
    constraint = cqm.constraints["budget"]
    assert constraint.sense is dimod.sym.Sense.Le and constraint.rhs == 3.0


def test_evaluate_reports_true_profit_and_violation():
    problem = KnapsackProblem(np.array([3.0, 1.0, 2.0]), np.array([2.0, 1.0, 2.0]), 3.0, instance="t")
    over = problem.evaluate({"x_0": 1, "x_1": 1, "x_2": 1})
    assert over.objective == 6.0 and not over.feasible and over.violation_max == pytest.approx(2.0)
    fits = problem.evaluate({"x_0": 1, "x_1": 1, "x_2": 0})
    assert fits.objective == 4.0 and fits.feasible and fits.violation_max == 0.0


def test_evaluate_reads_agrees_with_evaluate_on_every_read():
    problem = qseg.problem("knapsack", size=12, seed=3)
    sampleset = qseg.backend("random").solve(problem.bqm("slack"), num_reads=20, seed=1)
    reads = problem.evaluate_reads(sampleset)
    for row, sample in enumerate(sampleset.samples(sorted_by=None)):
        single = problem.evaluate(dict(sample))
        assert reads.objective[row] == pytest.approx(single.objective)
        assert reads.feasible[row] == single.feasible
        assert reads.violation_max[row] == pytest.approx(single.violation_max)


def test_dynamic_programming_matches_the_mip_optimum_on_integer_data():
    rng = np.random.default_rng(11)
    for _ in range(5):
        profit, cost = rng.integers(-5, 40, 25).astype(float), rng.integers(1, 30, 25).astype(float)
        problem = KnapsackProblem(profit, cost, float(cost.sum() // 3), instance="dp")
        x = problem.dynamic_programming()
        assert problem.cost @ x <= problem.budget
        assert problem.profit @ x == pytest.approx(qseg.solve(problem, "cbc").objective)
        assert problem.profit @ problem.greedy() <= problem.profit @ x + 1e-9


def test_dynamic_programming_on_real_costs_is_the_proven_optimum():
    # It rounded costs to cents before, and was 0.05 % short of the optimum here.
    problem = qseg.problem("knapsack", data="seed-000", budget_fraction=0.5)
    x = problem.dynamic_programming()
    assert problem.cost @ x <= problem.budget
    assert problem.profit @ x == pytest.approx(qseg.solve(problem, "highs").objective, rel=1e-12)


def _real_knapsack(rng: np.random.Generator, size: int, decimals: int | None) -> KnapsackProblem:
    cost = rng.uniform(0.5, 30.0, size)
    if decimals is not None:
        cost = np.round(cost, decimals)
    profit = rng.uniform(-3.0, 40.0, size)
    return KnapsackProblem(profit, cost, float(np.round(cost.sum() / 3, 3)), instance="real")


@pytest.mark.parametrize("decimals, method, table", [
    (2, "dp", None),  # cents: scaled to whole numbers exactly
    (None, "dp-sandwich", None),  # real costs: rounded up and down until the two DPs meet
    (None, "milp", 0),  # the sandwich given no table: the MILP at zero gap decides
])
def test_the_exact_optimum_matches_highs_and_cbc_on_non_integral_costs(decimals, method, table, monkeypatch):
    if table is not None:
        monkeypatch.setattr(search, "DP_SANDWICH_CELLS", table)
        monkeypatch.setattr(search, "DP_FIRST_CELLS", table)
    rng = np.random.default_rng(5)
    methods = set()
    for _ in range(6):
        problem = _real_knapsack(rng, 30, decimals)
        optimum = search.exact_optimum(problem.profit, problem.cost, problem.budget)
        methods.add(optimum.method)
        x = optimum.choice
        assert problem.cost @ x <= problem.budget
        for reference in ("highs", "cbc"):
            assert problem.profit @ x == pytest.approx(qseg.solve(problem, reference).objective, rel=1e-9), reference
        assert optimum.bound == pytest.approx(problem.profit @ x, rel=1e-9)
    assert method in methods


def test_the_decimal_step_is_found_through_float_noise():
    assert search.exact_step(np.array([12.34, 0.1 + 0.2, 7.0])) == pytest.approx(0.01)
    assert search.exact_step(np.array([3.0, 5.0])) == 1.0
    assert search.exact_step(np.array([1 / 3])) is None


def test_baselines_return_samples_over_the_cqm_variables():
    problem = qseg.problem("knapsack", size=40, seed=2)
    for name, run in problem.baselines().items():
        sample = run()
        assert set(sample) == set(problem.cqm().variables), name
        assert problem.evaluate(sample).feasible, name


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"profit": [1.0, np.nan], "cost": [1.0, 1.0], "budget": 1.0}, "profit[1]"),
        ({"profit": [1.0, 2.0], "cost": [1.0, -2.0], "budget": 1.0}, "cost[1]"),
        ({"profit": [1.0, 2.0], "cost": [1.0, np.inf], "budget": 1.0}, "cost[1]"),
        ({"profit": [1.0], "cost": [1.0], "budget": 0.0}, "budget"),
        ({"profit": [1.0], "cost": [1.0], "budget": float("nan")}, "budget"),
        ({"profit": [], "cost": [], "budget": 1.0}, "size"),
        ({"profit": [1.0, 2.0], "cost": [1.0], "budget": 1.0}, "cost"),
    ],
)
def test_bad_data_names_the_field(kwargs, field):
    with pytest.raises(BadInputError) as caught:
        KnapsackProblem(np.asarray(kwargs["profit"]), np.asarray(kwargs["cost"]), kwargs["budget"], instance="bad")
    assert caught.value.field == field


@pytest.mark.parametrize(
    "spec, field",
    [
        ({"size": 0}, "size"),
        ({"budget_fraction": -0.5}, "budget_fraction"),
        ({"budget_fraction": "half"}, "budget_fraction"),
        ({"data": "seed-000", "size": 251}, "size"),
        ({"data": "no-such-dataset"}, "data"),
    ],
)
def test_bad_specs_name_the_field(spec, field):
    with pytest.raises(BadInputError) as caught:
        qseg.problem("knapsack", **spec)
    assert caught.value.field == field


def test_unknown_problem_parameter_lists_the_known_ones():
    with pytest.raises(UnknownNameError) as caught:
        qseg.problem("knapsack", budgett=3)
    assert "budget_fraction" in str(caught.value)


def _improving_moves(profit: np.ndarray, cost: np.ndarray, budget: float, x: np.ndarray) -> int:
    """Return how many moves raise the profit of ``x`` within the budget, by brute force over
    every addition, 1-swap, 1-for-2 and 2-for-1 exchange (out sets and in sets of size <= 2)."""
    remaining = budget - float(cost @ x)
    inside, outside = np.flatnonzero(x), np.flatnonzero(x == 0)

    def sets(members: np.ndarray, sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Return (cost, profit) of every subset of ``members`` with a size in ``sizes``."""
        costs, profits = [], []
        if 0 in sizes:
            costs.append(np.zeros(1)), profits.append(np.zeros(1))
        if 1 in sizes:
            costs.append(cost[members]), profits.append(profit[members])
        if 2 in sizes:
            a, b = np.triu_indices(members.size, k=1)
            costs.append(cost[members[a]] + cost[members[b]]), profits.append(profit[members[a]] + profit[members[b]])
        return np.concatenate(costs), np.concatenate(profits)

    count = 0
    for out_sizes, in_sizes in (((0, 1), (1,)), ((1,), (2,)), ((2,), (1,))):
        out_cost, out_profit = sets(inside, out_sizes)
        in_cost, in_profit = sets(outside, in_sizes)
        fits = in_cost[None, :] - out_cost[:, None] <= remaining + 1e-9
        pays = in_profit[None, :] - out_profit[:, None] > 1e-9
        count += int((fits & pays).sum())
    return count


def _polish_one(profit: list[float], cost: list[float], budget: float, read: list[int]) -> list[int]:
    """Return the polished form of one read on a hand-made instance."""
    problem = KnapsackProblem(np.array(profit, float), np.array(cost, float), budget, instance="hand-made", seed=0)
    reads = problem.reads_of(np.array([read], dtype=np.int8), np.zeros(1), np.ones(1, dtype=np.int64))
    return problem.polish_reads(reads).states[0].tolist()


def test_polish_leaves_a_1_swap_optimum_by_a_2_for_1_exchange():
    # {0} spends the whole budget and no single swap pays (6 < 10), but 1 and 2 together earn 12.
    profit, cost = np.array([10.0, 6, 6]), np.array([10.0, 5, 5])
    assert _improving_moves(profit, cost, 10.0, np.array([1, 0, 0])) == 1
    assert _polish_one(profit.tolist(), cost.tolist(), 10.0, [1, 0, 0]) == [0, 1, 1]


def test_polish_leaves_a_1_swap_optimum_by_a_1_for_2_exchange():
    # {0, 1} fill the budget and 2 fits in place of neither alone, but it earns 13 against 12.
    profit, cost = np.array([6.0, 6, 13]), np.array([5.0, 5, 10])
    assert _improving_moves(profit, cost, 10.0, np.array([1, 1, 0])) == 1
    assert _polish_one(profit.tolist(), cost.tolist(), 10.0, [1, 1, 0]) == [0, 0, 1]


def _strongly_correlated(n: int, seed: int) -> KnapsackProblem:
    """Return a Pisinger type-3 instance (profit = weight + 100, integer weights 1..1000)."""
    weight = np.random.default_rng(seed).integers(1, 1001, n).astype(float)
    return KnapsackProblem(weight + 100, weight, float(np.floor(0.05 * weight.sum())), instance="type-3", seed=seed)


@pytest.mark.parametrize("problem", [qseg.problem("knapsack", size=40, seed=4), _strongly_correlated(40, 7)],
                         ids=["generated", "strongly-correlated"])
def test_polish_repairs_fills_and_leaves_no_improving_move(problem):
    rng = np.random.default_rng(0)
    states = rng.integers(0, 2, size=(30, problem.size)).astype(np.int8)
    states[0] = 1  # everything chosen: far over the budget
    states[1] = 0
    states[2] = states[3]  # a repeated read is polished once, the same way
    reads = problem.reads_of(states, np.zeros(len(states)), np.ones(len(states), dtype=np.int64))
    polished = problem.polish_reads(reads)
    assert polished.feasible.all() and not reads.feasible[0]
    assert (polished.states @ problem.cost <= problem.budget).all()
    assert all(_improving_moves(problem.profit, problem.cost, problem.budget, row) == 0 for row in polished.states)
    np.testing.assert_array_equal(polished.states[2], polished.states[3])
    better = reads.feasible
    assert (polished.objective[better] >= reads.objective[better] - 1e-9).all()
    optimum = float(problem.profit @ problem.dynamic_programming())
    assert polished.objective.max() <= optimum + 1e-6


def test_polish_rows_are_feasible_on_real_costs_and_bounded_moves():
    problem = qseg.problem("knapsack", size=300, seed=5, budget_fraction=0.2)
    states = np.random.default_rng(1).integers(0, 2, size=(8, problem.size)).astype(np.int8)
    for max_moves in (0, 1, 10_000):
        rows = search.polish_many(problem.profit, problem.cost, problem.budget, states, max_moves=max_moves)
        assert rows.dtype == np.int8 and set(np.unique(rows)) <= {0, 1}
        assert (rows @ problem.cost <= problem.budget).all()
    assert _improving_moves(problem.profit, problem.cost, problem.budget, rows[0]) == 0


def test_solve_with_polish_keeps_the_raw_gap():
    problem = qseg.problem("knapsack", size=60, seed=3)
    record = qseg.solve(problem, "sa", reference=True, polish=True, num_reads=10, num_sweeps=50)
    assert record.polished and record.feasible and record.feasible_fraction == 1.0
    assert record.gap_raw is not None and record.gap <= record.gap_raw
    assert record.details["raw"]["feasible_fraction"] <= 1.0 and "polish_ns" in record.timing
