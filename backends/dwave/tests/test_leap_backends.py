"""Leap hybrid (BQM, CQM, NL) and QPU backends: unavailable without a token, conformant with a
recorded fake client, bounded failure without a network, and never a token in any output."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

import dimod
import pytest
from dwave_recorded import FAKE_TOKEN, recorded_qpu, recorded_sampler

import qseg
from qseg.errors import BadInputError, SolverError
from qseg.testing import check_backend
from qseg_dwave import credentials
from qseg_dwave.leap import LeapCqmBackend, LeapHybridBackend, LeapNlBackend
from qseg_dwave.qpu import QpuBackend

HARDWARE = ("leap-hybrid", "leap-cqm", "leap-nl", "qpu")


@pytest.fixture
def no_token(monkeypatch, tmp_path):
    """No token anywhere: the environment cleared and HOME an empty directory, so that a
    developer's own dwave.conf can neither leak in nor make a test pass."""
    for key in [k for k in os.environ if k.startswith("DWAVE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    return tmp_path


@pytest.fixture
def fake_token(no_token, monkeypatch):
    monkeypatch.setenv("DWAVE_API_TOKEN", FAKE_TOKEN)
    return FAKE_TOKEN


@pytest.fixture
def recorded(fake_token, monkeypatch):
    """A token plus recorded fake clients behind every hardware backend."""
    factories = {"bqm": recorded_sampler("bqm"), "cqm": recorded_sampler("cqm"), "nl": recorded_sampler("nl")}
    monkeypatch.setattr(LeapHybridBackend, "sampler_factory", factories["bqm"])
    monkeypatch.setattr(LeapCqmBackend, "sampler_factory", factories["cqm"])
    monkeypatch.setattr(LeapNlBackend, "sampler_factory", factories["nl"])
    monkeypatch.setattr(QpuBackend, "sampler_factory", recorded_qpu)
    return factories


@pytest.mark.parametrize("name", HARDWARE)
def test_unavailable_without_token_with_the_reason(no_token, name):
    backend = qseg.backend(name)
    assert backend.unavailable_reason() == credentials.NO_TOKEN
    assert check_backend(backend)  # the conformance suite runs and skips what needs a solver


def test_backends_json_lists_the_quantum_backends(no_token):
    out = subprocess.run([sys.executable, "-m", "qseg", "backends", "--json"], capture_output=True, text=True,
                         check=True, env=os.environ.copy()).stdout
    listing = {entry["name"]: entry for entry in json.loads(out)}
    for name in HARDWARE:
        assert listing[name]["available"] is False
        assert listing[name]["reason"] == credentials.NO_TOKEN
    assert listing["mock-qpu"]["available"] is True
    assert listing["leap-nl"]["accepts"] == ["nl"]


def test_malformed_token_is_unavailable_without_echoing_it(no_token, monkeypatch):
    monkeypatch.setenv("DWAVE_API_TOKEN", "not a token 12345")
    reason = qseg.backend("leap-hybrid").unavailable_reason()
    assert reason == credentials.MALFORMED_TOKEN
    assert "12345" not in reason


def test_token_from_the_dwave_config_file_is_found(no_token):
    config = no_token / ".config" / "dwave" / "dwave.conf"
    config.parent.mkdir(parents=True)
    config.write_text(f"[defaults]\ntoken = {FAKE_TOKEN}\n")
    assert credentials.find_token() == FAKE_TOKEN
    assert qseg.backend("leap-cqm").unavailable_reason() == ""


@pytest.mark.parametrize("name", HARDWARE)
def test_conformance_with_recorded_client(recorded, name):
    params = {"num_reads": 5, "embedding_timeout": 10.0} if name == "qpu" else {}
    skipped = check_backend(qseg.backend(name), params)
    assert "check_returns_model_variables" not in skipped
    assert "check_timing_and_params_recorded" not in skipped


def test_hybrid_timing_and_limits(recorded):
    bqm = dimod.generators.gnp_random_bqm(12, 0.5, "BINARY", random_state=3)
    sampleset = qseg.backend("leap-hybrid").solve(bqm, time_limit=4.5)
    timing = sampleset.info["timing"]
    assert timing["charge_ns"] == 4_500_000_000 and timing["run_time_ns"] == 4_500_000_000
    assert timing["qpu_access_ns"] == 41_000_000
    assert sampleset.info["time_limit_s"] == 4.5
    config = recorded["bqm"].configs[-1]
    assert config["request_timeout"][0] <= 10 and config["http_retry_total"] <= 3
    with pytest.raises(BadInputError, match="time_limit"):
        qseg.backend("leap-hybrid").solve(bqm, time_limit=2.0)  # under Leap's 3 s floor
    with pytest.raises(BadInputError, match="time_limit"):
        qseg.backend("leap-cqm").solve(qseg.problem("knapsack", size=10, seed=0).cqm(), time_limit=4.0)


def test_time_limit_checked_against_the_solver_minimum(fake_token, monkeypatch):
    monkeypatch.setattr(LeapHybridBackend, "sampler_factory",
                        recorded_sampler("bqm", minimum_time_limit=[[1, 8.0], [100, 9.0]]))
    bqm = dimod.generators.gnp_random_bqm(10, 0.5, "BINARY", random_state=1)
    with pytest.raises(BadInputError, match="minimum of 8"):
        qseg.backend("leap-hybrid").solve(bqm, time_limit=5.0)
    # the solver interpolates its minimum over the variable count: 8 + (10 - 1) / 99 s
    assert qseg.backend("leap-hybrid").estimate_charge_s(bqm, {"time_limit": None}) == pytest.approx(8 + 9 / 99)


def test_leap_nl_cell_on_knapsack_and_kmedoids(recorded):
    record = qseg.solve(qseg.problem("knapsack", size=10, seed=0), "leap-nl", reference=True)
    assert record.formulation == "nl" and record.status in ("ok", "infeasible")
    assert record.num_variables == 10 and record.num_reads == 3
    assert record.timing["charge_ns"] == 5_000_000_000  # the recorded solver's minimum, floored at 5 s
    with pytest.raises(BadInputError, match="formulation"):
        qseg.solve(qseg.problem("knapsack", size=10, seed=0), "leap-nl", formulation="unbalanced")


def test_qpu_estimate_uses_the_solver_timing_model(recorded):
    problem = qseg.problem("knapsack", size=8, seed=0)
    backend = qseg.backend("qpu")
    params = backend.check(problem.bqm(), {"num_reads": 100})
    estimate = backend.estimate_charge_s(problem.bqm(), params)
    # 100 reads × (20 µs anneal + readout + 20.5 µs delay) + ~15 ms programming: tens of ms.
    assert 0.015 < estimate < 0.1
    record = qseg.solve(problem, backend, num_reads=100)
    assert record.tts_basis == "qpu_access_ns" and record.timing["qpu_access_ns"] > 0
    assert record.physical_qubits >= 8 and record.timing_simulated is False


def test_no_network_fails_fast_clearly_and_logs_no_token(fake_token, caplog):
    caplog.set_level(logging.DEBUG)  # the cloud client logs its whole config at debug level
    start = time.monotonic()
    with pytest.raises(SolverError) as error:
        qseg.backend("leap-cqm").solve(qseg.problem("knapsack", size=6, seed=0).cqm())
    assert time.monotonic() - start < 30
    assert "leap-cqm" in str(error.value) and FAKE_TOKEN not in str(error.value)
    assert FAKE_TOKEN.split("-")[1] not in str(error.value)
    assert caplog.records, "the cloud client logged nothing at debug level"
    assert all(FAKE_TOKEN.split("-")[1] not in record.getMessage() for record in caplog.records)


def test_redact_hides_token_shaped_text():
    text = f"config {{'token': '{FAKE_TOKEN}'}} and ABC-short"
    cleaned = credentials.redact(text, None)
    assert FAKE_TOKEN not in cleaned and "ABC-short" in cleaned


def test_no_output_of_a_run_contains_the_token(fake_token, tmp_path):
    """Every output of CLI runs with a (fake) token, a failing hardware cell included."""
    env = {**os.environ, "QSEG_CACHE_DIR": str(tmp_path / "cache")}
    suite = tmp_path / "hw.toml"
    suite.write_text(
        'name = "hw"\nreference = "none"\n[[instances]]\nproblem = "knapsack"\nsizes = [6]\nseeds = [0]\n'
        '[[backends]]\nname = "leap-hybrid"\nparams = { time_limit = 3.0 }\n'
        '[[backends]]\nname = "mock-qpu"\nparams = { num_reads = 10 }\n'
    )
    runs = [
        ["backends", "--json"],
        ["backends"],
        ["solve", "knapsack", "--size", "6", "--backend", "leap-hybrid", "--json"],
        ["bench", str(suite), "--dry-run"],
        ["bench", str(suite), "--out", str(tmp_path / "store"), "--workers", "1"],
        ["bench", str(suite), "--out", str(tmp_path / "store2"), "--max-qpu-s", "1"],
    ]
    outputs = []
    for args in runs:
        done = subprocess.run([sys.executable, "-m", "qseg", *args], capture_output=True, text=True, env=env, timeout=120)
        outputs.append(done.stdout + done.stderr)
    assert '"status": "error"' in outputs[2]
    assert "3.00 s" in outputs[3]
    assert "--max-qpu-s" in outputs[5] and not (tmp_path / "store2" / "cells.jsonl").exists()
    stored = [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    for text in outputs + stored:
        assert FAKE_TOKEN not in text and FAKE_TOKEN.split("-")[1] not in text
