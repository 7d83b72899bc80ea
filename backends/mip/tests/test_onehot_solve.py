"""The one-hot structured route of ``highs``: found only where it applies, and it proves the same
optimum an independent MIP finds, on instances where the LP is fractional and the coupling
rows bind."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

import qseg
from qseg_mip import onehot_lp, onehot_solve
from qseg_mip.cqm_convert import from_cqm
from qseg_mip.onehot_shape import detect_one_hot_structure
from qseg_mip.testing import assignment_shaped_cqm

BINDING = {  # settings under which coverage, channel or saturation rows bind, LP fractional
    "floors": dict(alpha=0.9, beta=0.9, delta=0.4),
    "tight-budget": dict(alpha=0.9, budget_per_250=60),
    "saturation": dict(gamma=0.12, budget_per_250=300),
}


@pytest.fixture
def small_route_sizes(monkeypatch):
    """Shrink the route's working sizes so that small instances go through every step: the
    sampled multipliers, sifting rounds with groups joining and leaving, groups fixed by their
    reduced costs and the separate proof round."""
    monkeypatch.setattr(onehot_lp, "SAMPLE_GROUPS", 40)
    monkeypatch.setattr(onehot_lp, "MIN_WORKING_GROUPS", 15)
    monkeypatch.setattr(onehot_solve, "FIRST_FREE_GROUPS", 10)


def uneven_groups_cqm(seed: int) -> dimod.ConstrainedQuadraticModel:
    """Groups of 1 to 5 options, 3 coupling rows (<=, >=, ==) and real costs."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 6, 40)
    cqm = dimod.ConstrainedQuadraticModel()
    columns = [[f"x_{g}_{k}" for k in range(size)] for g, size in enumerate(sizes)]
    names = [name for group in columns for name in group]
    cqm.add_variables("BINARY", names)
    cqm.set_objective([(name, float(c)) for name, c in zip(names, rng.normal(0, 10, len(names)))])
    for g, group in enumerate(columns):
        cqm.add_constraint_from_iterable([(name, 1.0) for name in group], "==", 1.0, label=f"one_{g}")
    weight, cover = rng.uniform(0, 5, len(names)), rng.integers(0, 2, len(names))
    cqm.add_constraint_from_iterable(list(zip(names, weight)), "<=", float(weight.sum() / 3), label="cap")
    cqm.add_constraint_from_iterable(list(zip(names, cover.astype(float))), ">=", float(cover.sum() / 4), label="floor")
    picks = [group[-1] for group in columns[:10] if len(group) > 1]
    cqm.add_constraint_from_iterable([(name, 1.0) for name in picks], "==", 2.0, label="exactly")
    return cqm


@pytest.mark.parametrize("labels", ["int", "str"])
def test_the_structure_is_found_on_assignment_shaped_models(labels):
    structure = detect_one_hot_structure(from_cqm(assignment_shaped_cqm(30, labels=labels)))
    assert structure is not None
    assert structure.options.shape == (30, 8) and structure.valid.all()
    assert len(structure.coupling_rows) == 16


def test_the_structure_is_found_on_the_assignment_problem():
    problem = qseg.problem("assignment", size=40, seed=1)
    structure = detect_one_hot_structure(from_cqm(problem.cqm()))
    assert structure is not None and structure.num_groups == 40


def test_uneven_groups_are_padded():
    structure = detect_one_hot_structure(from_cqm(uneven_groups_cqm(0)))
    assert structure is not None
    sizes = structure.valid.sum(axis=1)
    assert sizes.min() == 1 and sizes.max() == 5 and structure.options.shape[1] == 5


@pytest.mark.parametrize("name", ["knapsack", "kmedoids"])
def test_the_structure_is_not_found_where_it_does_not_apply(name):
    program = from_cqm(qseg.problem(name, size=20).cqm())
    assert detect_one_hot_structure(program) is None
    info = qseg.backend("highs").solve(qseg.problem(name, size=12).cqm()).info
    assert info["method"] == "mip"


def test_overlapping_one_hot_rows_are_not_a_structure():
    x = [dimod.Binary(i) for i in range(4)]
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(sum(x))
    cqm.add_constraint(x[0] + x[1] == 1, label="a")
    cqm.add_constraint(x[1] + x[2] == 1, label="b")
    cqm.add_constraint(x[3] + x[2] == 1, label="c")
    assert detect_one_hot_structure(from_cqm(cqm)) is None


def assert_same_optimum(structured_info, reference_info):
    assert structured_info["method"] == "structured-lp"
    assert structured_info["mip_status"] == reference_info["mip_status"] == "optimal"
    assert structured_info["proven_optimal"] and structured_info["mip_gap"] == 0.0
    assert structured_info["objective"] == pytest.approx(reference_info["objective"], rel=1e-9, abs=1e-7)
    assert structured_info["bound"] <= structured_info["objective"] + 1e-7


@pytest.mark.parametrize("setting", sorted(BINDING))
@pytest.mark.parametrize("size, seed", [(60, 0), (120, 3)])
def test_the_structured_route_proves_cbcs_optimum(size, seed, setting, small_route_sizes):
    cqm = assignment_shaped_cqm(size, seed=seed, **BINDING[setting])
    ours = qseg.backend("highs").solve(cqm)
    assert_same_optimum(ours.info, qseg.backend("cbc").solve(cqm).info)
    assert ours.first.is_feasible
    route = ours.info["route"]
    assert route["lagrangian_bound"] <= ours.info["objective"] + 1e-7
    assert route["mip_rounds"][0]["free_groups"] < size  # groups were fixed by reduced cost


def test_a_fractional_lp_needs_the_proof_round(small_route_sizes):
    cqm = assignment_shaped_cqm(120, seed=3, **BINDING["floors"])
    info = qseg.backend("highs").solve(cqm).info
    relaxed = qseg.backend("highs").solve(cqm, relax=True).info
    assert relaxed["objective"] < info["objective"] - 1e-3  # the LP bound alone proves nothing
    assert len(info["route"]["mip_rounds"]) == 2
    assert info["route"]["lp_rounds"] > 1  # sifting priced groups into the working set


@pytest.mark.parametrize("seed", [0, 1, 3])
def test_uneven_groups_and_equality_rows_match_cbc(seed, small_route_sizes):
    cqm = uneven_groups_cqm(seed)
    assert_same_optimum(qseg.backend("highs").solve(cqm).info, qseg.backend("cbc").solve(cqm).info)


def test_the_default_sizes_at_two_thousand_customers_match_the_plain_mip():
    cqm = assignment_shaped_cqm(2000, seed=5, **BINDING["tight-budget"])
    highs = qseg.backend("highs")
    ours = highs.solve(cqm)
    assert_same_optimum(ours.info, highs.solve(cqm, method="mip").info)
    assert ours.info["route"]["mip_rounds"][0]["free_groups"] < 2000


def test_redundant_rows_and_dominated_options_go_without_changing_the_optimum(small_route_sizes):
    # gamma = 1 makes every saturation cap (<= N) redundant; then e.g. a $1 email dominates
    # the $8 one for customers whose extra uplift is worth less than $7 (same rows otherwise).
    cqm = assignment_shaped_cqm(100, seed=4, gamma=1.0, **BINDING["floors"])
    ours = qseg.backend("highs").solve(cqm)
    route = ours.info["route"]
    assert route["redundant_rows"] == 7 and route["coupling_rows"] == 9
    assert route["dominated_options"] > 0
    assert_same_optimum(ours.info, qseg.backend("cbc").solve(cqm).info)


def test_infeasible_coupling_rows_are_proven_infeasible():
    # Saturation allows 7 treated customers, the fairness floors ask for more.
    cqm = assignment_shaped_cqm(60, seed=0, gamma=0.02, delta=0.5)
    for name in ("highs", "cbc"):
        sampleset = qseg.backend(name).solve(cqm)
        assert len(sampleset) == 0 and sampleset.info["mip_status"] == "infeasible", name
    assert qseg.backend("highs").solve(cqm).info["method"] == "structured-lp"  # Farkas multipliers


def test_method_mip_skips_the_structured_route():
    info = qseg.backend("highs").solve(assignment_shaped_cqm(30), method="mip").info
    assert info["method"] == "mip" and info["route"] == {}


def test_changing_the_thread_count_between_solves_works():
    cqm = assignment_shaped_cqm(30)
    objectives = {threads: qseg.backend("highs").solve(cqm, threads=threads).info["objective"] for threads in (2, 1)}
    assert objectives[1] == pytest.approx(objectives[2], rel=1e-12)
