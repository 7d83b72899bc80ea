"""``relax=True``: the LP relaxation, its fractional read, and ``info["duals"]`` per constraint
label as d(LP optimum)/d(rhs) in the CQM's minimisation sense; and the issue's CLI target."""

from __future__ import annotations

import json

import dimod
import pytest

import qseg
from qseg.cli import main
from qseg.testing.models import random_cqm
from qseg_mip.testing import assignment_shaped_cqm

ROUTES = [("highs", {}), ("highs", {"method": "mip"}), ("cbc", {})]


def hand_checkable_cqm() -> dimod.ConstrainedQuadraticModel:
    """min -2a - b + c + d  s.t.  a + b <= 1.5 ("cap"), c + 2d >= 1 ("need"), a + c <= 5 ("loose").

    LP optimum: a = 1, b = 0.5, c = 0, d = 0.5, value -2.0. Raising cap's rhs by e lets b grow
    by e: the value falls by e, dual -1. Raising need's rhs by e needs d to grow by e/2: the
    value rises by e/2, dual +0.5. loose is slack: dual 0. The basis is nondegenerate, so
    these duals are unique.
    """
    a, b, c, d = (dimod.Binary(name) for name in "abcd")
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(-2 * a - b + c + d)
    cqm.add_constraint(a + b <= 1.5, label="cap")
    cqm.add_constraint(c + 2 * d >= 1, label="need")
    cqm.add_constraint(a + c <= 5, label="loose")
    return cqm


@pytest.mark.parametrize("name, params", ROUTES)
def test_duals_of_a_hand_checkable_lp(name, params):
    sampleset = qseg.backend(name).solve(hand_checkable_cqm(), relax=True, **params)
    info = sampleset.info
    assert info["duals"] == pytest.approx({"cap": -1.0, "need": 0.5, "loose": 0.0}, abs=1e-9)
    assert info["bound"] == pytest.approx(-2.0) and info["objective"] == pytest.approx(-2.0)
    assert info["relaxed"] is True and info["proven_optimal"] is False and info["mip_gap"] is None
    read = sampleset.first
    assert read.sample == pytest.approx({"a": 1.0, "b": 0.5, "c": 0.0, "d": 0.5})
    assert read.energy == pytest.approx(-2.0)
    assert not read.is_feasible  # fractional: not a solution of the CQM


def lp_value(cqm, label, shift, name, params):
    """Return the LP optimum with constraint ``label``'s right-hand side raised by ``shift``."""
    lhs = cqm.constraints[label].lhs
    original = lhs.offset
    lhs.offset = original - shift  # lhs - shift <= rhs  is  lhs <= rhs + shift
    try:
        return qseg.backend(name).solve(cqm, relax=True, **params).info["objective"]
    finally:
        lhs.offset = original


@pytest.mark.parametrize("name, params", ROUTES)
def test_each_dual_is_a_subgradient_of_the_lp_value(name, params):
    # The LP value z(rhs) is convex, and the dual y a subgradient: z(rhs + e) >= z(rhs) + y e
    # for every e. With e = +-0.01 this pins the sign and the size of y on binding rows of
    # both senses (budget and email: <=, dual < 0; premium coverage: >=, dual > 0).
    cqm = assignment_shaped_cqm(120, seed=3, alpha=0.9, beta=0.9, delta=0.4)
    info = qseg.backend(name).solve(cqm, relax=True, **params).info
    duals, value = info["duals"], info["objective"]
    assert duals["budget"] < 0 and duals["email"] < 0 and duals["coverage_premium"] > 0
    assert set(duals) == set(cqm.constraints)
    for label in ("budget", "email", "coverage_premium", "push", "saturation_3"):
        for shift in (0.01, -0.01):
            assert lp_value(cqm, label, shift, name, params) >= value + duals[label] * shift - 1e-7, (label, shift)


def test_the_sifted_and_plain_lps_agree():
    cqm = assignment_shaped_cqm(3000, seed=1, alpha=0.9, beta=0.9, delta=0.4)
    structured = qseg.backend("highs").solve(cqm, relax=True).info
    plain = qseg.backend("highs").solve(cqm, relax=True, method="mip").info
    assert structured["method"] == "structured-lp" and plain["method"] == "lp"
    assert structured["objective"] == pytest.approx(plain["objective"], rel=1e-9)
    assert structured["route"]["lagrangian_bound"] == pytest.approx(plain["objective"], rel=1e-9)


@pytest.mark.parametrize("name", ["highs", "cbc"])
def test_relaxing_a_quadratic_cqm_bounds_its_optimum(name):
    cqm = random_cqm(6, 7)
    exact = qseg.backend(name).solve(cqm).info
    relaxed = qseg.backend(name).solve(cqm, relax=True).info
    assert set(relaxed["duals"]) == set(cqm.constraints)
    assert relaxed["bound"] <= exact["objective"] + 1e-9


@pytest.mark.parametrize("name", ["highs", "cbc"])
def test_an_infeasible_relaxation_says_so(name):
    x, y = dimod.Binary("x"), dimod.Binary("y")
    cqm = dimod.ConstrainedQuadraticModel()
    cqm.set_objective(x + y)
    cqm.add_constraint(x + y >= 3, label="impossible")
    sampleset = qseg.backend(name).solve(cqm, relax=True)
    assert len(sampleset) == 0 and sampleset.info["mip_status"] == "infeasible"
    assert sampleset.info["duals"] is None


def solve_json(capsys, backend):
    code = main(["solve", "assignment", "--size", "250", "--seed", "0", "--backend", backend, "--json"])
    out, err = capsys.readouterr()
    record, end = json.JSONDecoder().raw_decode(out)
    assert code == 0 and out[end:].strip() == "", err
    return record


def test_the_issue_target_highs_proves_cbcs_optimum_on_250_customers(capsys):
    highs, cbc = solve_json(capsys, "highs"), solve_json(capsys, "cbc")
    assert highs["status"] == "ok" and highs["feasible"] is True and highs["mip_gap"] == 0
    assert cbc["status"] == "ok" and cbc["feasible"] is True and cbc["mip_gap"] == 0
    assert highs["objective"] == pytest.approx(cbc["objective"], rel=1e-6)
