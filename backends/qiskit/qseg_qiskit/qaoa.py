"""The ``qaoa`` backend: BQM → Ising → QAOA (qiskit-optimization) on qiskit-aer's SamplerV2.

Qiskit is imported only inside functions, so ``qseg backends`` lists this backend (and says
what is missing) without paying for, or needing, the qiskit stack.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import dimod
import numpy as np

from qseg.backends import Backend, Parameter, WorkEstimate, silenced
from qseg.errors import BadInputError, SolverError
from qseg_qiskit import devices
from qseg_qiskit.ising import counts_to_samples, linear_ramp, parse_initial_point, to_ising, to_sampleset
from qseg_qiskit.runner import OPTIMIZERS, optimizer_options, run_qaoa

METHODS = ("statevector", "matrix_product_state")
# Generous rates for the work estimate (a lower bound: only what cannot finish is refused):
# amplitude updates per second of a statevector gate layer, and shots drawn per second.
_AMPLITUDES_PER_SECOND = 1e9
_SHOTS_PER_SECOND = 1e8
# Optimiser evaluations assumed when ``maxiter`` is None (qiskit's COBYLA default is 1,000).
_DEFAULT_EVALUATIONS = 1000
# Bytes per distinct measured bitstring: the counts dict's key and value, the states row.
_OUTCOME_BYTES = 120
DEFAULT_MAX_QUBITS = 24
_SHOWN_DEVICES = 8


class QaoaBackend(Backend):
    """QAOA with a named classical optimiser, sampled on Aer; returns the measured bitstrings.

    The SampleSet holds the distinct bitstrings of the final ``shots`` measurements of the
    optimal circuit, counts as ``num_occurrences`` (they sum to ``shots``), energies from the
    BQM. Qubit ``i`` is the BQM's ``i``-th variable. ``info`` carries ``reps``, ``shots``,
    ``qaoa`` (optimal parameters, optimiser evaluations, circuit depth, qubits, method, noise)
    and ``timing``: ``import_ns`` (the qiskit imports, non-zero on a process's first solve),
    ``ansatz_ns`` (BQM → Ising, ansatz, transpilation), ``optimize_ns`` (the optimiser's
    loop), ``sampling_ns`` (the final sampling of the optimal circuit), ``run_ns`` (their sum: the
    time-to-solution basis, so that the first cell of a process is not charged the import); the
    base adds ``wall_ns``.

    Models over ``max_qubits`` (default 24: runtime doubles per qubit) or, for the statevector
    method, whose 16 B × 2^n statevector exceeds half of the available memory are refused
    before any circuit is built.
    """

    name = "qaoa"
    accepts = frozenset({"bqm"})
    seeded = True
    tts_basis = "run_ns"
    max_variables = DEFAULT_MAX_QUBITS
    parameters = {
        "reps": Parameter(int, 1, "QAOA layers p", 1),
        "shots": Parameter(int, 1024, "measurements per energy estimate and in the final sample", 1),
        "optimizer": Parameter(str, "COBYLA", "classical optimiser (qiskit-optimization)", choices=OPTIMIZERS),
        "maxiter": Parameter(
            int, None, "optimiser limit (COBYLA, Nelder-Mead: evaluations; SPSA, Powell: iterations; "
            "None: the optimiser's default)", 1,
        ),
        "method": Parameter(str, "statevector", "Aer simulation method", choices=METHODS),
        "initial_point": Parameter(
            str, None, "comma-separated beta_1..beta_p,gamma_1..gamma_p on the Ising operator scaled "
            "to max |coefficient| 1 (None: a linear ramp, see qseg_qiskit.ising.linear_ramp)",
        ),
        "noise": Parameter(
            str, None, "fake IBM device (qiskit_ibm_runtime.fake_provider class name, e.g. FakeManilaV2) "
            "whose noise model, basis gates and coupling map are simulated (None: ideal)",
        ),
        "threads": Parameter(int, 1, "Aer max_parallel_threads (1 keeps parallel cells honest)", 1),
        "seed": Parameter(int, None, "seeds Aer, the transpiler and SPSA: the same seed gives the same samples",
                          0, 2**31 - 1),
        "max_qubits": Parameter(int, DEFAULT_MAX_QUBITS, "refuse larger models (runtime doubles per qubit)", 1),
    }

    def unavailable_reason(self) -> str:
        """Return "" when qiskit, qiskit-aer and qiskit-optimization are installed, else which
        are missing."""
        missing = devices.missing_packages()
        if missing:
            return f"{', '.join(missing)} not installed (pip install {' '.join(missing)})"
        return ""

    def resolve_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Return the resolved parameters, also checking the ones that depend on each other:
        ``initial_point`` has 2·reps numbers, ``noise`` names an installed fake device."""
        resolved = super().resolve_params(params)
        text = resolved["initial_point"]
        if text is not None:
            try:
                point = parse_initial_point(text)
            except ValueError:
                raise BadInputError("param initial_point", text, "expected comma-separated finite numbers") from None
            if len(point) != 2 * resolved["reps"]:
                raise BadInputError(
                    "param initial_point", text,
                    f"expected 2·reps = {2 * resolved['reps']} numbers (beta_1..beta_p, gamma_1..gamma_p), "
                    f"got {len(point)}",
                )
        if resolved["noise"] is not None:
            _check_device(resolved["noise"])
        return resolved

    def variables_reason(self, count: int, params: Mapping[str, Any]) -> str:
        """Return why a model of ``count`` variables (one qubit each) cannot run (too many
        qubits for the cap, the memory or the fake device), or "" when it fits. Needs no qiskit
        import unless ``noise`` is set."""
        qubits = count
        cap = params.get("max_qubits", DEFAULT_MAX_QUBITS)
        memory = devices.format_bytes(devices.statevector_bytes(qubits))
        if qubits > cap:
            return f"{qubits} qubits exceed max_qubits={cap} (statevector memory 16 B × 2^{qubits} = {memory})"
        if params.get("method", "statevector") == "statevector":
            available = devices.available_memory()
            if available is not None and devices.statevector_bytes(qubits) > available // 2:
                return (
                    f"{qubits} qubits need a {memory} statevector (16 B × 2^{qubits}), more than half of "
                    f"the {devices.format_bytes(available)} available"
                )
        noise = params.get("noise")
        if noise is not None:
            device_qubits = devices.fake_device(noise).num_qubits
            if qubits > device_qubits:
                return f"{qubits} qubits exceed the {device_qubits} qubits of {noise}"
        return ""

    def work_estimate(self, count: int, params: Mapping[str, Any]) -> WorkEstimate | None:
        """Return the memory of the distinct measured bitstrings (at most ``shots``, at most
        2^qubits) and the time of every optimiser evaluation: ``reps`` layers over the 2^qubits
        amplitudes plus ``shots`` draws; the knob named is the one driving the larger share."""
        shots, reps = int(params["shots"]), int(params["reps"])
        evaluations = int(params.get("maxiter") or _DEFAULT_EVALUATIONS)
        distinct = min(shots, 2 ** min(count, 62))
        circuit_s = reps * (2 ** min(count, 62)) * max(count, 1) / _AMPLITUDES_PER_SECOND
        shots_s = shots * max(count, 1) / _SHOTS_PER_SECOND
        knob = "reps" if circuit_s > shots_s else "shots"
        return WorkEstimate(distinct * (_OUTCOME_BYTES + count), evaluations * (circuit_s + shots_s), knob,
                            f"{evaluations:,} evaluations × ({reps:,} reps over {count} qubits + {shots:,} shots)")

    def _solve(self, model: dimod.BinaryQuadraticModel, params: dict[str, Any]) -> dimod.SampleSet:
        # The first solve in a process imports the qiskit stack (0.5-1 s); kept apart from
        # the circuit timings so that they mean the same in every cell.
        start = time.perf_counter_ns()
        devices.import_stack()
        import_ns = time.perf_counter_ns() - start
        start = time.perf_counter_ns()
        ising = to_ising(model)
        ising_ns = time.perf_counter_ns() - start
        text = params["initial_point"]
        initial = linear_ramp(params["reps"]) if text is None else parse_initial_point(text)
        facts: dict[str, Any] = {
            "num_qubits": ising.num_qubits, "method": params["method"], "noise": params["noise"],
            "optimizer": params["optimizer"],
            "optimizer_options": optimizer_options(params["optimizer"], params["maxiter"]),
            "threads": params["threads"], "energy_scale": ising.scale,
            "initial_point": initial.tolist(),
        }
        if ising.num_qubits == 0 or ising.is_constant:
            # Every state has the same energy: nothing to optimise, no circuit is run.
            states = np.zeros((1, ising.num_qubits), dtype=np.int8)
            sampleset = to_sampleset(model, ising.labels, states, np.array([params["shots"]]))
            facts.update(optimal_parameters=None, optimizer_evals=0, optimal_value=float(ising.offset),
                         circuit_depth=0, two_qubit_gates=0, transpiled_depth=None,
                         note="constant model: every state is optimal, no circuit was run")
            timing = {"import_ns": import_ns, "ansatz_ns": ising_ns, "optimize_ns": 0, "sampling_ns": 0}
            return _with_info(sampleset, params, facts, timing)
        from qiskit.exceptions import QiskitError

        try:
            with silenced():
                run = run_qaoa(ising, initial, params)
        except QiskitError as exc:
            raise SolverError(f"qaoa: {type(exc).__name__}: {exc}") from exc
        states, occurrences = counts_to_samples(run.counts, ising.num_qubits)
        if int(occurrences.sum()) != params["shots"]:
            raise SolverError(f"qaoa: {int(occurrences.sum())} measured outcomes for {params['shots']} shots")
        sampleset = to_sampleset(model, ising.labels, states, occurrences)
        facts.update(
            optimal_parameters=run.optimal_parameters, optimizer_evals=run.optimizer_evals,
            optimal_value=run.optimal_value, circuit_depth=run.circuit_depth,
            two_qubit_gates=run.two_qubit_gates, transpiled_depth=run.transpiled_depth,
        )
        timing = {"import_ns": import_ns, **run.timing}
        timing["ansatz_ns"] += ising_ns
        return _with_info(sampleset, params, facts, timing)


def _with_info(
    sampleset: dimod.SampleSet, params: dict[str, Any], facts: dict[str, Any], timing: dict[str, int]
) -> dimod.SampleSet:
    # Time-to-solution counts the QAOA run itself, not a process's one-off qiskit import.
    timing["run_ns"] = timing["ansatz_ns"] + timing["optimize_ns"] + timing["sampling_ns"]
    sampleset.info.update(reps=params["reps"], shots=params["shots"], qaoa=facts, timing=timing)
    return sampleset


def _check_device(name: str) -> None:
    """Raise BadInputError unless ``name`` is an installed fake device."""
    try:
        names = devices.fake_device_names()
    except ImportError:
        raise BadInputError(
            "param noise", name, "fake devices need qiskit-ibm-runtime, which is not installed "
            "(pip install qiskit-ibm-runtime)",
        ) from None
    if name not in names:
        raise BadInputError(
            "param noise", name,
            f"unknown fake device; known: {', '.join(names[:_SHOWN_DEVICES])}, ... ({len(names)} in "
            "qiskit_ibm_runtime.fake_provider)",
        )
