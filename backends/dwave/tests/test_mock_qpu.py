"""mock-qpu: a real Pegasus/Zephyr graph offline, cached embeddings, recorded statistics."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

import qseg
from qseg.errors import BadInputError, SolverError
from qseg.testing import parametrize_with_checks
from qseg_dwave.embedding import cache_dir

FAST = {"num_reads": 10, "topology_shape": "6"}


@pytest.fixture(autouse=True)
def private_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("QSEG_CACHE_DIR", str(tmp_path))


@parametrize_with_checks(["mock-qpu"], params=FAST)
def test_mock_qpu_conformance(backend, check):
    check(backend)


def test_records_embedding_statistics_and_simulated_timing():
    problem = qseg.problem("kmedoids", size=20, seed=0)
    record = qseg.solve(problem, "mock-qpu", formulation="selection", reference=True, num_reads=50)
    assert record.status in ("ok", "infeasible") and record.num_reads == 50
    assert record.timing_simulated is True and record.tts_basis == "sampling_ns"
    assert "qpu_access_ns" not in record.timing  # the mock's access time is fake: never reported
    assert record.num_variables == 20 and record.physical_qubits > 20  # dense: chains needed
    assert record.max_chain_length >= record.mean_chain_length > 1
    assert 0.0 <= record.chain_break_fraction <= 1.0
    assert record.details["substitute"] == "steepest" and record.params["substitute"] == "steepest"
    assert record.details["embedding"]["target"] == "mock-pegasus-16"
    assert record.details["embedding"]["chain_strength_rule"].startswith("uniform_torque_compensation")
    assert record.details["estimated_qpu_access_us"] > 10_000  # programming time alone is ~14 ms


def test_embedding_is_cached_per_model_and_reused():
    bqm = qseg.problem("knapsack", size=20, seed=0).bqm()
    first = qseg.backend("mock-qpu").solve(bqm, num_reads=5, seed=1)
    second = qseg.backend("mock-qpu").solve(bqm, num_reads=5, seed=2)
    assert first.info["embedding"]["cached"] is False and second.info["embedding"]["cached"] is True
    assert first.info["embedding"]["physical_qubits"] == second.info["embedding"]["physical_qubits"]
    assert len(list(cache_dir().glob("*.json"))) == 1
    other_seed = qseg.backend("mock-qpu").solve(bqm, num_reads=5, seed=1, embedding_seed=7)
    assert other_seed.info["embedding"]["cached"] is False  # the seed is part of the key


def test_substitute_is_a_parameter_and_seeded():
    bqm = dimod.generators.gnp_random_bqm(12, 0.6, "BINARY", random_state=5)
    runs = [qseg.backend("mock-qpu").solve(bqm, substitute="sa", num_sweeps=50, num_reads=8, seed=3, **{"topology_shape": "6"})
            for _ in range(2)]
    assert np.array_equal(runs[0].record.sample, runs[1].record.sample)
    assert runs[0].info["substitute"] == "sa"


def test_zephyr_topology_and_bad_shapes():
    bqm = dimod.generators.gnp_random_bqm(10, 0.5, "BINARY", random_state=2)
    sampleset = qseg.backend("mock-qpu").solve(bqm, topology="zephyr", topology_shape="4,4", num_reads=4)
    assert sampleset.info["embedding"]["target"] == "mock-zephyr-4,4"
    for shape in ("16,4", "x", "1"):
        with pytest.raises(BadInputError, match="topology_shape"):
            qseg.backend("mock-qpu").solve(bqm, topology_shape=shape)


def test_unembeddable_model_is_a_clear_error():
    bqm = dimod.generators.gnp_random_bqm(40, 1.0, "BINARY", random_state=0)
    with pytest.raises(SolverError, match="no embedding"):
        qseg.backend("mock-qpu").solve(bqm, topology_shape="2", embedding_timeout=2.0, num_reads=2)
