"""How long building each knapsack model takes (vectorised construction)."""

from __future__ import annotations

import pytest

import qseg


@pytest.mark.parametrize("size", [250, 2000])
@pytest.mark.parametrize("formulation", ["unbalanced", "slack", "equality"])
def test_build_qubo(benchmark, size, formulation):
    problem = qseg.problem("knapsack", size=size, seed=1)
    bqm = benchmark(problem.bqm, formulation)
    assert bqm.num_interactions >= size * (size - 1) // 2


@pytest.mark.parametrize("size", [250, 10000])
def test_build_cqm(benchmark, size):
    problem = qseg.problem("knapsack", size=size, seed=1)
    cqm = benchmark(problem.build_cqm)
    assert len(cqm.variables) == size
