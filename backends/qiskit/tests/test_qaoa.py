"""The qaoa backend: bad input, limits before allocation, bit order, seeds, noise, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import dimod
import numpy as np
import pytest

import qseg
from qseg.cli import main
from qseg.errors import BackendUnavailableError, BadInputError, ModelTooLargeError
from qseg_qiskit import devices, ising, qaoa

FAST = {"shots": 128, "maxiter": 10}


@pytest.fixture(scope="module")
def backend() -> qaoa.QaoaBackend:
    return qseg.backend("qaoa")


def small_bqm(n: int = 5, vartype: str = "BINARY", seed: int = 3) -> dimod.BinaryQuadraticModel:
    return dimod.generators.gnp_random_bqm(n, 1.0, vartype, random_state=seed)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"reps": 0}, "param reps"),
        ({"shots": 0}, "param shots"),
        ({"optimizer": "ADAM"}, "param optimizer"),
        ({"method": "density"}, "param method"),
        ({"reps": 2, "initial_point": "0.1,0.2,0.3"}, "param initial_point"),
        ({"initial_point": "0.1,nan"}, "param initial_point"),
        ({"initial_point": "a,b"}, "param initial_point"),
        ({"noise": "FakeNowhereV2"}, "param noise"),
        ({"threads": 0}, "param threads"),
    ],
)
def test_bad_input_is_refused_naming_the_field(backend, params, field):
    with pytest.raises(BadInputError) as caught:
        backend.solve(small_bqm(), **params)
    assert str(caught.value).startswith(f"{field}=")


def test_unknown_device_lists_some_devices(backend):
    with pytest.raises(BadInputError, match="FakeAlmadenV2.*in qiskit_ibm_runtime.fake_provider"):
        backend.resolve_params({"noise": "FakeNowhereV2"})


def test_noise_without_qiskit_ibm_runtime_says_so(backend, monkeypatch):
    def missing() -> tuple[str, ...]:
        raise ImportError("No module named 'qiskit_ibm_runtime'")

    monkeypatch.setattr(devices, "fake_device_names", missing)
    with pytest.raises(BadInputError, match="fake devices need qiskit-ibm-runtime"):
        backend.solve(small_bqm(), noise="FakeManilaV2")


def test_missing_qiskit_makes_the_backend_unavailable_with_the_package(backend, monkeypatch):
    monkeypatch.setattr(devices, "missing_packages", lambda: ("qiskit-aer",))
    assert backend.unavailable_reason() == "qiskit-aer not installed (pip install qiskit-aer)"
    with pytest.raises(BackendUnavailableError, match="qiskit-aer"):
        backend.solve(small_bqm())


@pytest.fixture
def no_circuits(monkeypatch):
    """Make building the Ising operator or running QAOA fail loudly: a refusal must come first."""

    def fail(*args, **kwargs):
        raise AssertionError("a circuit was built for a model that should have been refused")

    monkeypatch.setattr(qaoa, "to_ising", fail)
    monkeypatch.setattr(qaoa, "run_qaoa", fail)


def test_over_the_qubit_cap_is_refused_before_anything_is_built(backend, no_circuits):
    bqm = dimod.BinaryQuadraticModel({i: 1.0 for i in range(25)}, {}, 0.0, "BINARY")
    with pytest.raises(ModelTooLargeError) as caught:
        backend.solve(bqm)
    assert caught.value.reason == "25 qubits exceed max_qubits=24 (statevector memory 16 B × 2^25 = 512 MiB)"


def test_statevector_larger_than_half_the_memory_is_refused(backend, no_circuits, monkeypatch):
    monkeypatch.setattr(devices, "available_memory", lambda: 1 << 20)  # 1 MiB: 15 qubits need 512 KiB
    bqm = dimod.BinaryQuadraticModel({i: 1.0 for i in range(16)}, {}, 0.0, "BINARY")
    with pytest.raises(ModelTooLargeError, match=r"16 qubits need a 1 MiB statevector .* the 1 MiB available"):
        backend.solve(bqm)
    # Matrix-product states do not hold 2^n amplitudes: only the qubit cap applies.
    assert backend.limit_reason(bqm, backend.resolve_params({"method": "matrix_product_state"})) == ""


def test_model_larger_than_the_fake_device_is_refused(backend, no_circuits):
    with pytest.raises(ModelTooLargeError, match="6 qubits exceed the 5 qubits of FakeManilaV2"):
        backend.solve(small_bqm(6), noise="FakeManilaV2")


def test_too_many_qubits_is_a_skipped_cell_with_the_reason():
    record = qseg.solve(qseg.problem("knapsack", size=25, seed=0), "qaoa")
    assert record.status == "skipped"
    assert record.message.startswith("25 qubits exceed max_qubits=24")


def test_counts_decode_little_endian():
    # Qiskit's outcome 0b011 (printed "011") has qubits 0 and 1 set: the first two variables.
    states, occurrences = ising.counts_to_samples({0b011: 5.0, 0b100: 3.0}, 3)
    assert states.tolist() == [[1, 1, 0], [0, 0, 1]] and occurrences.tolist() == [5, 3]


def test_bit_order_on_an_asymmetric_model(backend):
    # Unique optimum z=1, a=0, m=0 (labels deliberately not sorted); reversing the bits would
    # put the most frequent sample at m=1 (energy +1) instead.
    bqm = dimod.BinaryQuadraticModel({"z": -3.0, "a": 2.0, "m": 1.0}, {("z", "a"): 0.5}, 0.0, "BINARY")
    sampleset = backend.solve(bqm, reps=2, shots=512, seed=11)
    frequent = sampleset.record.sample[np.argmax(sampleset.record.num_occurrences)]
    assert dict(zip(sampleset.variables, frequent.tolist())) == {"z": 1, "a": 0, "m": 0}
    assert sampleset.first.sample == {"z": 1, "a": 0, "m": 0} and sampleset.first.energy == -3.0
    assert np.allclose(sampleset.record.energy, bqm.energies(sampleset))
    assert int(sampleset.record.num_occurrences.sum()) == 512
    # The optimiser's own estimate (qiskit's bit order) matches the mean of our decoded samples.
    mean = np.average(sampleset.record.energy, weights=sampleset.record.num_occurrences)
    assert abs(mean - sampleset.info["qaoa"]["optimal_value"]) < 0.25


def test_spin_models_come_back_in_spin(backend):
    bqm = small_bqm(5, "SPIN", seed=2)
    sampleset = backend.solve(bqm, reps=2, shots=256, seed=1)
    assert sampleset.vartype is dimod.SPIN and set(np.unique(sampleset.record.sample)) <= {-1, 1}
    assert np.allclose(sampleset.record.energy, bqm.energies(sampleset))
    assert sampleset.first.energy == pytest.approx(dimod.ExactSolver().sample(bqm).first.energy)


def test_info_records_parameters_circuit_and_timing(backend):
    sampleset = backend.solve(small_bqm(6), reps=2, seed=4, **FAST)
    info = sampleset.info
    assert info["reps"] == 2 and info["shots"] == 128
    facts = info["qaoa"]
    assert len(facts["optimal_parameters"]) == 4 and facts["num_qubits"] == 6
    assert facts["initial_point"] == pytest.approx(ising.linear_ramp(2).tolist())
    assert 1 <= facts["optimizer_evals"] <= 10 and facts["optimizer"] == "COBYLA"
    # Two layers of 15 couplings each, transpiled to Aer's native rzz.
    assert facts["two_qubit_gates"] == 30 and facts["circuit_depth"] > 2
    assert facts["noise"] is None and facts["transpiled_depth"] is None and facts["method"] == "statevector"
    assert {"ansatz_ns", "optimize_ns", "sampling_ns", "run_ns", "wall_ns"} <= set(info["timing"])
    assert info["timing"]["run_ns"] == sum(info["timing"][k] for k in ("ansatz_ns", "optimize_ns", "sampling_ns"))
    assert info["timing"]["optimize_ns"] > 0 and info["timing"]["sampling_ns"] > 0
    assert int(sampleset.record.num_occurrences.sum()) == 128


@pytest.mark.parametrize("optimizer", ["COBYLA", "SPSA"])
def test_same_seed_same_samples(backend, optimizer):
    bqm = small_bqm(6)
    first, again, other = (
        backend.solve(bqm, optimizer=optimizer, seed=seed, **FAST) for seed in (7, 7, 8)
    )
    assert np.array_equal(first.record.sample, again.record.sample)
    assert np.array_equal(first.record.num_occurrences, again.record.num_occurrences)
    assert first.info["qaoa"]["optimal_parameters"] == again.info["qaoa"]["optimal_parameters"]
    assert not np.array_equal(first.record.num_occurrences, other.record.num_occurrences)


@pytest.mark.parametrize("optimizer", ["NELDER_MEAD", "POWELL"])
def test_other_optimizers_run_and_are_recorded(backend, optimizer):
    sampleset = backend.solve(small_bqm(4), optimizer=optimizer, seed=1, shots=64, maxiter=3)
    facts = sampleset.info["qaoa"]
    assert facts["optimizer"] == optimizer and facts["optimizer_evals"] >= 1
    assert facts["optimizer_options"]["tol"] == 0.01 and facts["optimizer_options"]["maxiter"] == 3


def test_explicit_initial_point_and_mps(backend):
    sampleset = backend.solve(
        small_bqm(4), reps=1, initial_point="-0.3,0.4", method="matrix_product_state", seed=2, **FAST
    )
    assert sampleset.info["qaoa"]["initial_point"] == [-0.3, 0.4]
    assert sampleset.info["qaoa"]["method"] == "matrix_product_state"


def test_constant_model_runs_no_circuit(backend):
    bqm = dimod.BinaryQuadraticModel({"a": 0.0, "b": 0.0}, {}, 1.5, "BINARY")
    sampleset = backend.solve(bqm, shots=10)
    assert sampleset.record.num_occurrences.tolist() == [10] and sampleset.first.energy == 1.5
    assert "no circuit" in sampleset.info["qaoa"]["note"]


def test_noise_from_a_fake_device_records_the_transpiled_circuit(backend):
    bqm = small_bqm(4)
    runs = [backend.solve(bqm, noise="FakeManilaV2", seed=3, shots=64, maxiter=6) for _ in range(2)]
    facts = runs[0].info["qaoa"]
    assert facts["noise"] == "FakeManilaV2"
    # Routing on Manila's line of 5 qubits and its cx/rz/sx basis deepen the circuit.
    assert facts["transpiled_depth"] > facts["circuit_depth"] and facts["two_qubit_gates"] >= 6
    assert np.array_equal(runs[0].record.sample, runs[1].record.sample)
    assert np.array_equal(runs[0].record.num_occurrences, runs[1].record.num_occurrences)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--param", "reps=0"], "param reps=0"),
        (["--param", "optimizer=ADAM"], "param optimizer=ADAM"),
        (["--param", "noise=FakeNowhereV2"], "param noise=FakeNowhereV2"),
    ],
)
def test_cli_bad_input_is_exit_2(capsys, argv, named):
    code = main(["solve", "knapsack", "--size", "6", "--backend", "qaoa", *argv, "--json"])
    _, err = capsys.readouterr()
    errors = [line for line in err.strip().splitlines() if not line.startswith("qseg solve: ")]  # progress aside
    assert code == 2 and named in err and len(errors) == 1


def test_cli_prints_one_full_record():
    result = subprocess.run(
        [sys.executable, "-m", "qseg", "solve", "knapsack", "--size", "12", "--seed", "0", "--backend", "qaoa",
         "--param", "reps=2", "--reference", "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    record, end = json.JSONDecoder().raw_decode(result.stdout)
    assert result.stdout[end:].strip() == ""
    assert record["status"] == "ok" and record["backend"] == "qaoa" and record["num_variables"] == 12
    assert record["params"]["reps"] == 2 and record["num_reads"] == 1024
    assert record["reference_source"] == "cbc" and record["gap"] is not None and record["gap"] >= 0
    assert {"ansatz_ns", "optimize_ns", "sampling_ns"} <= set(record["timing"])
