"""The optional exact backends: Gurobi's licence limits refuse a model before it is sent, a
missing package is a reason (never a crash), and both prove the optimum HiGHS and CBC prove,
by the plain MIP and by the structured route."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

import qseg
from qseg.errors import BackendUnavailableError, BadInputError, ModelTooLargeError
from qseg.record import Status
from qseg_mip import gurobi_solve
from qseg_mip.cqm_convert import from_cqm
from qseg_mip.gurobi_backend import GurobiBackend
from qseg_mip.scip_backend import ScipBackend
from qseg_mip.testing import assignment_shaped_cqm

BACKENDS = {"gurobi": GurobiBackend, "scip": ScipBackend}
PACKAGES = {"gurobi": "gurobipy", "scip": "pyscipopt"}


def installed(name: str) -> pytest.MarkDecorator:
    """Skip unless the backend's extra is installed (with its reason)."""
    reason = BACKENDS[name]().unavailable_reason()
    return pytest.mark.skipif(bool(reason), reason=reason or "available")


@pytest.fixture
def fresh_gurobi_environment(monkeypatch):
    """Forget the process's Gurobi environment so that the next call reads the licence again."""
    monkeypatch.setattr(gurobi_solve, "_env", None)
    monkeypatch.setattr(gurobi_solve, "_licence", None)


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_a_missing_package_is_a_reason_not_a_crash(name, monkeypatch, fresh_gurobi_environment):
    real_import = builtins.__import__

    def refuse(module, *args, **kwargs):
        if module.split(".")[0] == PACKAGES[name]:
            raise ImportError(f"No module named {PACKAGES[name]!r}")
        return real_import(module, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    backend = BACKENDS[name]()
    reason = backend.unavailable_reason()
    assert PACKAGES[name] in reason and f"qseg-mip[{name}]" in reason
    with pytest.raises(BackendUnavailableError) as raised:
        backend.solve(assignment_shaped_cqm(3))
    assert raised.value.reason == reason


def test_the_restricted_licence_is_read_from_gurobis_banner():
    banner = "Set parameter LogFile\nRestricted license - for non-production use only - expires 2027-11-29\n"
    licence = gurobi_solve.licence_of(banner)
    assert (licence.max_variables, licence.max_constraints) == (2000, 2000)
    assert "Restricted license" in licence.text
    assert licence.refusal(2000, 2000) == ""
    assert "2001 variables > 2000" in licence.refusal(2001, 10)
    full = gurobi_solve.licence_of("Academic license 123456 - for non-commercial use only - registered to x\n")
    assert full.max_variables is None and full.refusal(10**6, 10**6) == ""


def test_a_ranged_row_counts_twice_against_the_licence():
    inf = np.inf
    assert gurobi_solve.gurobi_rows(np.array([1.0, -inf, 0.0, 2.0]), np.array([1.0, 3.0, inf, 5.0])) == 5


@installed("gurobi")
def test_a_model_over_the_licence_is_skipped_before_it_is_sent(monkeypatch):
    _, licence = gurobi_solve.environment()
    if licence.max_variables is None:
        pytest.skip(f"the installed Gurobi licence has no size limit ({licence.text})")
    sent = []
    monkeypatch.setattr(gurobi_solve, "solve_arrays", lambda *a, **k: sent.append(a))
    cqm = assignment_shaped_cqm(251)  # 2,008 binaries: 8 over the restricted licence
    with pytest.raises(ModelTooLargeError) as raised:
        qseg.backend("gurobi").solve(cqm)
    assert "2008 variables > 2000" in raised.value.reason and "licen" in raised.value.reason
    assert sent == []
    record = qseg.solve(qseg.problem("assignment", size=251), "gurobi")
    assert record.status == Status.SKIPPED and "2008 variables > 2000" in record.message


@installed("gurobi")
def test_the_memos_250_by_8_fits_the_restricted_licence():
    assert qseg.backend("gurobi").limit_reason(assignment_shaped_cqm(250), {}) == ""


@pytest.mark.parametrize("name", [pytest.param(n, marks=installed(n)) for n in sorted(BACKENDS)])
@pytest.mark.parametrize("setting", [{}, {"alpha": 0.9, "beta": 0.9, "delta": 0.4}, {"gamma": 0.12, "budget_per_250": 300}])
def test_both_routes_prove_the_optimum_highs_and_cbc_prove(name, setting):
    cqm = assignment_shaped_cqm(120, seed=3, **setting)
    structured, plain = (qseg.backend(name).solve(cqm, method=method).info for method in ("structured", "mip"))
    assert structured["method"] == "structured-lp" and plain["method"] == "mip"
    for reference in ("highs", "cbc"):
        expected = qseg.backend(reference).solve(cqm).info["objective"]
        for info in (structured, plain):
            assert info["proven_optimal"] and info["mip_gap"] == 0.0
            assert info["objective"] == pytest.approx(expected, rel=1e-9, abs=1e-7)
            assert info["bound"] <= info["objective"] + 1e-7


@pytest.mark.parametrize("name", [pytest.param(n, marks=installed(n)) for n in sorted(BACKENDS)])
def test_lp_relaxation_duals_prove_the_lp_optimum_highs_finds(name):
    # The plain LP (method="mip" skips group sifting): the solver's own duals, per CQM label.
    cqm = assignment_shaped_cqm(40, seed=1, alpha=0.9, beta=0.9, delta=0.4)
    ours = qseg.backend(name).solve(cqm, relax=True, method="mip").info
    highs = qseg.backend("highs").solve(cqm, relax=True, method="mip").info
    assert ours["objective"] == pytest.approx(highs["objective"], rel=1e-9)
    assert ours["duals"] is not None and set(ours["duals"]) == set(highs["duals"])
    # A degenerate LP has many optimal duals, so each is checked as a certificate: right signs,
    # and the Lagrangian bound it gives, L(y) = offset + y·b + sum_j min(0, (c - A'y)_j) over
    # the [0, 1] columns, equals the LP optimum (weak duality makes every other y give less).
    program = from_cqm(cqm)
    y = np.array([ours["duals"][label] for label in cqm.constraints])
    senses = [cqm.constraints[label].sense.value for label in cqm.constraints]
    assert all(d <= 1e-9 for d, s in zip(y, senses) if s == "<=")
    assert all(d >= -1e-9 for d, s in zip(y, senses) if s == ">=")
    rhs = np.where(y < 0, program.row_upper, np.where(y > 0, program.row_lower, 0.0))  # no 0·inf
    reduced = program.cost - program.matrix.T @ y
    lagrangian = program.offset + y @ rhs + np.minimum(reduced, 0.0).sum()
    assert lagrangian == pytest.approx(ours["objective"], rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("name", [pytest.param(n, marks=installed(n)) for n in sorted(BACKENDS)])
def test_auto_takes_the_structured_route_above_two_thousand_columns_only(name):
    small = qseg.backend(name).solve(assignment_shaped_cqm(60, seed=1), method="auto").info
    assert small["method"] == "mip"
    if name == "gurobi":  # the restricted licence stops at 2,000 columns: the threshold itself
        assert qseg.backend(name).structured_min_columns == 2001
        return
    large = qseg.backend(name).solve(assignment_shaped_cqm(300, seed=1), method="auto").info
    assert large["method"] == "structured-lp" and large["proven_optimal"]


def test_a_backend_without_the_route_refuses_method_structured():
    with pytest.raises(BadInputError, match="no structured route"):
        qseg.backend("cbc").solve(assignment_shaped_cqm(5), method="structured")
