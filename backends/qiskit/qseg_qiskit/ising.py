"""BQM → Ising operator for QAOA, the default initial point, and measured counts → samples.

Qubit map (fixed, stated once): qubit ``i`` is the BQM's ``i``-th variable in ``bqm.variables``
order, and a measured bit 1 means the BINARY value 1 (SPIN +1). Qiskit prints bitstrings
little-endian (qubit 0 is the rightmost character), so integer outcomes are decoded as
``(outcome >> i) & 1``, never by reading a string left to right.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dimod
import numpy as np

# Linear-ramp start (annealing-like: gamma grows, beta shrinks) on the operator scaled to a
# largest coefficient of 1; 0.75 rad is the ramp height that measured well on knapsack QUBOs.
RAMP_HEIGHT = 0.75


@dataclass(frozen=True)
class IsingProblem:
    """The cost operator QAOA minimises, scaled so that its largest |coefficient| is 1.

    A BQM energy ``E`` of a state relates to the operator's value ``v`` as
    ``E = v * scale + offset``. ``labels`` are the BQM variables in qubit order.
    """

    operator: Any  # qiskit.quantum_info.SparsePauliOp
    scale: float
    offset: float
    labels: list[Hashable]

    @property
    def num_qubits(self) -> int:
        """Return the number of qubits (= BQM variables)."""
        return len(self.labels)

    @property
    def is_constant(self) -> bool:
        """Return True when every state has the same energy (no Z term survives)."""
        return not np.any(self.operator.paulis.z) or not np.any(np.abs(self.operator.coeffs) > 0)


def to_ising(bqm: dimod.BinaryQuadraticModel) -> IsingProblem:
    """Return the BQM as a scaled Ising operator through qiskit-optimization's QuadraticProgram.

    A SPIN BQM is converted to BINARY first (same energies), so ``x = 1`` ↔ ``s = +1``.
    """
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_optimization import QuadraticProgram
    from qiskit_optimization.translators import to_ising as program_to_ising

    labels = list(bqm.variables)
    if not labels:  # QuadraticProgram refuses zero variables; the energy is the offset
        return IsingProblem(SparsePauliOp([""], coeffs=[0.0]), scale=1.0, offset=float(bqm.offset), labels=[])
    binary = bqm if bqm.vartype is dimod.BINARY else bqm.change_vartype(dimod.BINARY, inplace=False)
    vectors = binary.to_numpy_vectors(variable_order=labels)
    linear, (rows, cols, biases), offset = vectors.linear_biases, vectors.quadratic, vectors.offset
    n = len(labels)
    quadratic = np.zeros((n, n))
    np.add.at(quadratic, (np.minimum(rows, cols), np.maximum(rows, cols)), biases)
    program = QuadraticProgram("bqm")
    program.binary_var_list(n)
    program.minimize(constant=float(offset), linear=np.asarray(linear, float), quadratic=quadratic)
    operator, ising_offset = program_to_ising(program)
    largest = float(np.max(np.abs(operator.coeffs))) if len(operator.coeffs) else 0.0
    scale = largest if largest > 0 else 1.0
    return IsingProblem(operator=operator / scale, scale=scale, offset=float(ising_offset), labels=labels)


def linear_ramp(reps: int, height: float = RAMP_HEIGHT) -> np.ndarray:
    """Return the default initial point, ``[beta_1..beta_p, gamma_1..gamma_p]`` (the order of
    qiskit's QAOA ansatz parameters, which sorts β before γ).

    gamma_k = height·(k − ½)/p rises and beta_k = −height·(1 − (k − ½)/p) falls in magnitude,
    a discretised anneal. beta is negative because qiskit's mixer is exp(−iβΣX) and |+⟩ is the
    *top* eigenstate of ΣX: with β > 0 the expected energy at the start point is above the
    uniform average on knapsack QUBOs, with β < 0 it is close to the minimum.
    """
    fraction = (np.arange(reps) + 0.5) / reps
    return np.concatenate([-height * (1.0 - fraction), height * fraction])


def parse_initial_point(text: str) -> np.ndarray:
    """Return the floats of a comma-separated string; raise ValueError for a non-number."""
    values = np.array([float(part) for part in text.split(",")], dtype=float)
    if not np.all(np.isfinite(values)):
        raise ValueError(text)
    return values


def counts_to_samples(counts: Mapping[int, float], num_qubits: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(states, occurrences)`` from integer outcomes and their counts.

    ``states[r, i]`` is qubit ``i`` of outcome ``r`` (0/1, int8).
    """
    outcomes = np.fromiter((int(key) for key in counts), dtype=np.int64, count=len(counts))
    occurrences = np.fromiter((counts[key] for key in counts), dtype=float, count=len(counts))
    states = ((outcomes[:, None] >> np.arange(num_qubits, dtype=np.int64)) & 1).astype(np.int8)
    return states, np.rint(occurrences).astype(np.int64)


def to_sampleset(
    bqm: dimod.BinaryQuadraticModel, labels: Sequence[Hashable], states: np.ndarray, occurrences: np.ndarray
) -> dimod.SampleSet:
    """Return a SampleSet of BINARY ``states`` (columns in ``labels`` order) in the BQM's own
    vartype, with energies from the BQM and ``occurrences`` as ``num_occurrences``."""
    if bqm.vartype is dimod.SPIN:
        states = (2 * states - 1).astype(np.int8)
    sampleset: dimod.SampleSet = dimod.SampleSet.from_samples_bqm(
        (states, labels), bqm, num_occurrences=occurrences
    )
    return sampleset
