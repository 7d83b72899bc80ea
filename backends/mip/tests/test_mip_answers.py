"""What the MIP backends claim: proven only when proven, bounds, infeasibility, integer vars."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

import qseg
from qseg_mip.gurobi_backend import GurobiBackend
from qseg_mip.scip_backend import ScipBackend

OPTIONAL = {"gurobi": GurobiBackend, "scip": ScipBackend}
ALL = ["cbc", "highs", *(
    pytest.param(name, marks=pytest.mark.skipif(bool(backend().unavailable_reason()), reason=backend().unavailable_reason()))
    for name, backend in OPTIONAL.items()
)]


def _multidimensional_knapsack(n: int = 120, m: int = 15) -> dimod.ConstrainedQuadraticModel:
    # Hard enough that neither solver proves optimality in 0.3 s on one thread.
    rng = np.random.default_rng(0)
    x = [dimod.Binary(f"x{i}") for i in range(n)]
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(dimod.quicksum(-int(p) * xi for p, xi in zip(rng.integers(50, 100, n), x)))
    for k in range(m):
        w = rng.integers(20, 100, n)
        cqm.add_constraint(dimod.quicksum(int(wi) * xi for wi, xi in zip(w, x)) <= int(w.sum() // 2), label=f"c{k}")
    return cqm


@pytest.mark.parametrize("name", ALL)
def test_a_time_limited_solve_is_never_called_proven(name):
    # PuLP says "Optimal" for CBC stopped on its time limit; qseg must read sol_status.
    sampleset = qseg.backend(name).solve(_multidimensional_knapsack(), time_limit=0.3)
    info = sampleset.info
    assert info["mip_status"] == "feasible" and info["proven_optimal"] is False
    assert info["bound"] is not None and info["bound"] < info["objective"]
    assert info["mip_gap"] > 0
    assert sampleset.first.is_feasible


@pytest.mark.parametrize("name", ALL)
def test_a_proven_optimum_has_zero_gap_and_equal_bound(name):
    cqm = _multidimensional_knapsack(n=20, m=3)
    info = qseg.backend(name).solve(cqm).info
    assert info["proven_optimal"] and info["mip_gap"] == 0.0
    assert info["bound"] == pytest.approx(info["objective"])


@pytest.mark.parametrize("name", ALL)
def test_a_positive_gap_tolerance_is_not_proof(name):
    info = qseg.backend(name).solve(_multidimensional_knapsack(n=20, m=3), mip_gap=0.05).info
    assert info["proven_optimal"] is False


@pytest.mark.parametrize("name", ALL)
def test_an_infeasible_model_returns_no_sample_and_says_so(name):
    x, y = dimod.Binary("x"), dimod.Binary("y")
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(x + y)
    cqm.add_constraint(x + y >= 3, label="impossible")
    sampleset = qseg.backend(name).solve(cqm)
    assert len(sampleset) == 0 and sampleset.info["mip_status"] == "infeasible"


@pytest.mark.parametrize("name", ALL)
def test_integer_and_real_variables_with_bounds(name):
    i, r = dimod.Integer("i", lower_bound=-3, upper_bound=7), dimod.Real("r", lower_bound=0, upper_bound=2.5)
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(-2 * i - r)
    cqm.add_constraint(i + r <= 8.2, label="cap")
    best = qseg.backend(name).solve(cqm).first
    assert best.sample["i"] == 7 and best.sample["r"] == pytest.approx(1.2)


@pytest.mark.parametrize("name", ALL)
def test_solver_output_does_not_reach_stdout(name, capfd):
    qseg.backend(name).solve(_multidimensional_knapsack(n=10, m=2))
    out, _ = capfd.readouterr()
    assert out == ""
