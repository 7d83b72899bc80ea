"""Size knobs and exact references that cannot fit are refused with an estimate before anything
is allocated (issue 20 items 3 and 4); a refused reference leaves the solve's own result."""

from __future__ import annotations

import pytest
from cli_support import run, without_progress

import qseg
import qseg.environment
from qseg.backends import load_backend
from qseg.errors import BadInputError
from qseg.harness.suite import SuiteError, load_suite

EIGHT_GIB = 8 * 2**30


@pytest.fixture
def eight_gib(monkeypatch):
    """Pretend 8 GiB are available, so that refusals do not depend on this machine."""
    monkeypatch.setattr(qseg.environment, "available_memory", lambda: EIGHT_GIB)
    monkeypatch.setattr("qseg.problems.base.available_memory", lambda: EIGHT_GIB)


@pytest.fixture(scope="module")
def knapsack():
    return qseg.problem("knapsack", size=10, seed=1)


@pytest.mark.parametrize(("backend", "params", "field"), [
    ("sa", {"num_reads": 10**12}, "param num_reads"),
    ("sa", {"num_sweeps": 10**12}, "param num_sweeps"),
    ("sa", {"num_reads": 10**6, "num_sweeps": 10**9}, "param num_sweeps"),
    ("tabu", {"num_reads": 10**12}, "param num_reads"),
    ("random", {"num_reads": 10**12}, "param num_reads"),
])
def test_oversize_knobs_are_refused_before_solving(eight_gib, knapsack, backend, params, field):
    with pytest.raises(BadInputError) as caught:
        qseg.solve(knapsack, backend, **params)
    assert caught.value.field == field
    message = str(caught.value)
    assert "\n" not in message and ("GiB" in message or " s of work" in message) and ("limit" in message)


def test_a_backend_solve_refuses_the_knob_too(eight_gib, knapsack):
    with pytest.raises(BadInputError, match="num_reads"):
        load_backend("sa").solve(knapsack.bqm(), num_reads=10**12)


def test_knobs_that_fit_are_not_refused(eight_gib, knapsack):
    record = qseg.solve(knapsack, "sa", num_reads=3, num_sweeps=20)
    assert record.status == "ok" and record.num_reads == 3


def test_cli_exits_2_with_one_line_and_writes_nothing(eight_gib, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "solve", "knapsack", "--size", "10", "--param", "num_reads=1000000000000")
    assert code == 2 and out == ""
    lines = [line for line in without_progress(err).splitlines() if line.strip()]
    assert len(lines) == 1 and "num_reads" in lines[0] and "GiB" in lines[0] and "limit" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_square_kmedoids_at_100000_customers_is_refused_with_the_estimate(eight_gib):
    with pytest.raises(BadInputError) as caught:
        qseg.problem("kmedoids", size=100_000, seed=1, candidates="all")
    assert caught.value.field == "candidates" and "100,000 candidates × 100,000 customers" in str(caught.value)


def test_candidates_that_fit_are_kept(eight_gib):
    problem = qseg.problem("kmedoids", size=300, seed=1, candidates=40)
    assert problem.num_candidates == 40


SUITE = """
name = "big"
[[instances]]
problem = "knapsack"
sizes = [10]
seeds = [1]
[[backends]]
name = "sa"
params = {{ {params} }}
"""


def test_a_suite_grid_past_max_cells_is_refused_before_expanding(tmp_path):
    grid = ", ".join(str(i + 1) for i in range(2000))
    path = tmp_path / "suite.toml"
    path.write_text(SUITE.format(params=f"num_reads = [{grid}], num_sweeps = [{grid}]"))
    with pytest.raises(SuiteError, match="4,000,000 points"):
        load_suite(path)


def test_a_suite_cell_with_an_oversize_knob_is_refused(eight_gib, tmp_path):
    path = tmp_path / "suite.toml"
    path.write_text(SUITE.format(params="num_reads = 1000000000000"))
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    assert caught.value.field.endswith("backends[0].params.num_reads") and "GiB" in str(caught.value)


@pytest.fixture(scope="module")
def large_kmedoids():
    # 150 candidates x 2,000 customers: a 300,150-binary facility-location CQM, past CBC's MPS route.
    return qseg.problem("kmedoids", size=2000, seed=1, candidates=150)


def test_a_refused_reference_keeps_the_solve_and_records_why(large_kmedoids):
    record = qseg.solve_baseline(large_kmedoids, "pam", reference=True)
    assert record.status == "ok" and record.feasible and record.objective is not None
    assert record.reference is None and record.gap is None
    reason = record.details["reference_refused"]
    assert "300,150 variables" in reason and "max_variables=200000" in reason
    assert "highs" in reason and "candidates=" in reason


def test_cbc_refuses_the_cqm_before_building_it(large_kmedoids, monkeypatch):
    def no_build():
        raise AssertionError("the CQM was built")

    monkeypatch.setattr(large_kmedoids, "build_cqm", no_build)
    record = qseg.solve(large_kmedoids, "cbc")
    assert record.status == "skipped" and "300,150" in record.message and "time class" in record.message


def test_highs_refuses_a_model_past_the_memory_share(monkeypatch, large_kmedoids):
    monkeypatch.setattr(qseg.environment, "available_memory", lambda: 2**27)  # 128 MiB
    reason = load_backend("highs").variables_reason(300_150, {})
    assert "GiB" in reason and "at most ~" in reason
