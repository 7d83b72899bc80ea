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
