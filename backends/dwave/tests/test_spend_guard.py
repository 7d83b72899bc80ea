"""The spend guard: hardware cells are estimated before anything is submitted, and a suite over
``--max-qpu-s`` is refused; ``--dry-run`` lists the estimates (recorded fake Leap clients)."""

from __future__ import annotations

import os

import pytest
from dwave_recorded import FAKE_TOKEN, recorded_qpu, recorded_sampler

from qseg.cli import main
from qseg.errors import BadInputError
from qseg.harness.bench import run_bench
from qseg.harness.spend import DEFAULT_MAX_QPU_S, check_spend, estimate_charges
from qseg.harness.suite import load_suite
from qseg_dwave.leap import LeapHybridBackend
from qseg_dwave.qpu import QpuBackend

SUITE = """
name = "paid"
reference = "none"
[[instances]]
problem = "knapsack"
sizes = [8, 10]
seeds = [0]
[[backends]]
name = "leap-hybrid"
params = { time_limit = 4.0 }
[[backends]]
name = "qpu"
params = { num_reads = 100 }
[[backends]]
name = "sa"
params = { num_reads = 5, num_sweeps = 10 }
"""


@pytest.fixture
def suite(tmp_path, monkeypatch):
    for key in [k for k in os.environ if k.startswith("DWAVE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("QSEG_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "paid.toml"
    path.write_text(SUITE)
    return path


@pytest.fixture
def token(monkeypatch):
    monkeypatch.setenv("DWAVE_API_TOKEN", FAKE_TOKEN)
    monkeypatch.setattr(LeapHybridBackend, "sampler_factory", recorded_sampler("bqm"))
    monkeypatch.setattr(QpuBackend, "sampler_factory", recorded_qpu)


def test_charges_are_estimated_per_cell(suite, token):
    charges = estimate_charges(load_suite(suite))
    by_backend = {}
    for charge in charges:
        by_backend.setdefault(charge.cell.backend, []).append(charge.seconds)
    assert by_backend["leap-hybrid"] == [4.0, 4.0]  # the time limit is what a hybrid cell is charged
    assert all(0.015 < s < 0.1 for s in by_backend["qpu"])  # 100 reads on the recorded timing model
    assert by_backend["sa"] == [0.0, 0.0]
    assert check_spend(charges, 10.0) == pytest.approx(sum(sum(v) for v in by_backend.values()))
    with pytest.raises(BadInputError, match="--max-qpu-s"):
        check_spend(charges, 8.0)


def test_a_suite_over_the_cap_is_refused_before_anything_runs(suite, token, tmp_path):
    store = tmp_path / "store"
    with pytest.raises(BadInputError, match=r"8\.\d s of QPU"):
        run_bench(suite, store, workers=1, max_qpu_s=5.0)
    assert not store.exists()


def test_dry_run_lists_estimates_and_submits_nothing(suite, token, capsys, tmp_path):
    assert main(["bench", str(suite), "--dry-run", "--max-qpu-s", "5"]) == 0
    out = capsys.readouterr().out
    assert out.count("4.00 s") == 2 and "(local)" in out
    assert "6 cells; estimated QPU/hybrid charge 8.0" in out and "OVER --max-qpu-s 5" in out
    assert main(["bench", str(suite), "--out", str(tmp_path / "s"), "--max-qpu-s", "5"]) == 2
    assert "--max-qpu-s" in capsys.readouterr().err


def test_without_a_token_hardware_cells_cost_nothing_and_say_why(suite, capsys):
    charges = estimate_charges(load_suite(suite))
    paid = [c for c in charges if c.cell.backend in ("leap-hybrid", "qpu")]
    assert all(c.seconds == 0 and c.note.startswith("skipped: no D-Wave API token") for c in paid)
    assert DEFAULT_MAX_QPU_S == 60.0


def test_cells_over_a_backend_limit_cost_nothing(suite, token, tmp_path):
    big = tmp_path / "big.toml"
    big.write_text(SUITE.replace("sizes = [8, 10]", "sizes = [200]"))
    charges = {c.cell.backend: c for c in estimate_charges(load_suite(big))}
    assert charges["qpu"].seconds == 0 and "max_variables=177" in charges["qpu"].note
    assert charges["leap-hybrid"].seconds == 4.0


# ---- every path that can reach paid hardware (issue 23, item 4) ---------------------------------


@pytest.fixture
def submissions(token, monkeypatch):
    """Count the submissions to Leap hybrid and the QPU (each is a paid solve)."""
    from qseg_dwave.qpu import EmbeddedBackend

    seen: list[str] = []
    submit, embedded_solve = LeapHybridBackend._submit, EmbeddedBackend._solve

    def counting_submit(self, *args, **kwargs):
        seen.append(self.name)
        return submit(self, *args, **kwargs)

    def counting_solve(self, *args, **kwargs):
        seen.append(self.name)
        return embedded_solve(self, *args, **kwargs)

    monkeypatch.setattr(LeapHybridBackend, "_submit", counting_submit)
    monkeypatch.setattr(EmbeddedBackend, "_solve", counting_solve)
    return seen


def _one_error_line(capsys):
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("qseg:")]
    assert len(lines) == 1, err
    return lines[0]


def test_penalty_tuning_counts_every_attempt_it_can_submit(suite, token, tmp_path):
    from qseg.solving.tuning import MAX_ATTEMPTS

    tuned = tmp_path / "tuned.toml"
    tuned.write_text(SUITE.replace('params = { time_limit = 4.0 }', 'params = { time_limit = 4.0 }\npenalty_tuning = true'))
    charges = [c for c in estimate_charges(load_suite(tuned)) if c.cell.backend == "leap-hybrid"]
    assert MAX_ATTEMPTS == 8  # the first solve, five raises, two bisections
    assert [c.seconds for c in charges] == [32.0, 32.0]
    with pytest.raises(BadInputError, match=r"64\.\d s .*over the cap of 60"):
        check_spend(charges, 60.0)


def test_qseg_solve_refuses_a_solve_over_the_cap_before_submitting(suite, submissions, capsys):
    argv = ["solve", "knapsack", "--size", "8", "--backend", "leap-hybrid", "--param", "time_limit=100"]
    assert main(argv) == 2
    line = _one_error_line(capsys)
    assert "--max-qpu-s=60" in line and "100.0 s" in line and "cap of 60" in line
    assert submissions == []
    assert main([*argv, "--max-qpu-s", "150", "--json"]) == 0  # under a cap raised by the user, it runs
    assert submissions == ["leap-hybrid"]


def test_qseg_solve_with_penalty_tuning_counts_its_re_solves(suite, submissions, capsys):
    argv = ["solve", "knapsack", "--size", "8", "--backend", "leap-hybrid", "--param", "time_limit=10",
            "--param", "penalty_tuning=true"]
    assert main(argv) == 2  # 8 attempts x 10 s = 80 s > 60 s, though one solve is 10 s
    assert "80.0 s" in _one_error_line(capsys)
    assert submissions == []


def test_the_python_api_is_guarded_by_default(suite, submissions):
    import qseg

    problem = qseg.problem("knapsack", size=8, seed=0)
    with pytest.raises(BadInputError, match="--max-qpu-s"):
        qseg.solve(problem, "leap-hybrid", time_limit=100)
    with pytest.raises(BadInputError, match=r"80\.0 s"):
        qseg.solve(problem, "leap-hybrid", time_limit=10, penalty_tuning=True)
    with pytest.raises(BadInputError, match="--max-qpu-s"):
        qseg.solve(problem, "leap-hybrid", time_limit=1, max_qpu_s=float("nan"))
    assert submissions == []
    record = qseg.solve(problem, "leap-hybrid", time_limit=100, max_qpu_s=100)
    assert record.status.value == "ok" and submissions == ["leap-hybrid"]


def test_qseg_segment_multiplies_the_estimate_by_its_refits_and_refuses_first(suite, submissions, capsys, tmp_path):
    out = tmp_path / "seg"
    argv = ["segment", "generated", "--customers", "60", "--k", "3", "--backend", "leap-hybrid",
            "--param", "time_limit=5", "--out", str(out)]
    assert main(argv) == 2  # the fit and 30 bootstrap refits: 31 x 5 s = 155 s
    line = _one_error_line(capsys)
    assert "155.0 s" in line and "31 leap-hybrid solves" in line and "--max-qpu-s=60" in line
    assert submissions == [] and not out.exists()
    assert main([*argv, "--resamples", "3", "--max-qpu-s", "19"]) == 2  # 4 x 5 s = 20 s
    assert "20.0 s" in _one_error_line(capsys) and submissions == []


def test_segment_refits_on_a_paid_backend_are_the_counted_solves(suite, submissions, tmp_path, capsys):
    out = tmp_path / "seg"
    argv = ["segment", "generated", "--customers", "60", "--k", "3", "--backend", "leap-hybrid",
            "--param", "time_limit=5", "--resamples", "3", "--max-qpu-s", "20", "--out", str(out)]
    assert main(argv) == 0, capsys.readouterr().err
    assert submissions == ["leap-hybrid"] * 4  # exactly what the guard counted


def test_dry_run_offline_lists_every_cell(suite, token, monkeypatch, capsys):
    def offline(**_):
        raise ConnectionError("Failed to establish a new connection: [Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(QpuBackend, "sampler_factory", offline)
    monkeypatch.setattr(LeapHybridBackend, "sampler_factory", offline)
    offline_suite = suite.parent / "offline.toml"
    # without a time limit the hybrid estimate asks the solver for its minimum: the network
    offline_suite.write_text(SUITE.replace("params = { time_limit = 4.0 }", "params = {}"))
    assert main(["bench", str(offline_suite), "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    cells = [line for line in out if "  " in line and "cells;" not in line]
    assert len(cells) == 6
    assert sum("no estimate" in line and "cannot reach D-Wave Leap" in line for line in cells) == 4
    assert sum("(local)" in line for line in cells) == 2
    assert "plus 4 cells without an estimate" in out[-1]
    # and a run of the same suite is refused: an unknown charge is not a small one
    assert main(["bench", str(offline_suite), "--out", str(suite.parent / "s")]) == 2
    assert "4 without an estimate" in _one_error_line(capsys)
