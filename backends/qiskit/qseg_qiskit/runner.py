"""One QAOA run with qiskit-optimization's ``QAOA`` on qiskit-aer's ``SamplerV2``.

QAOA builds and transpiles its ansatz, optimises, and samples the optimal circuit inside one
call (``compute_minimum_eigenvalue``). Two thin wrappers see inside it without re-doing work:
the optimiser is passed as a Minimizer callable that timestamps its start and end (so the
timing splits into ansatz / optimisation / final sampling), and the pass manager keeps the
circuit it produced (so the depth and gate counts are those of the circuit that ran).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from qseg_qiskit import devices
from qseg_qiskit.ising import IsingProblem

OPTIMIZERS = ("COBYLA", "SPSA", "NELDER_MEAD", "POWELL")
# qiskit-optimization batches SPSA's evaluations this way when it owns the optimiser; we pass
# a callable instead, so we set it ourselves to keep the library's behaviour.
_SPSA_EVALS_GROUPED = 50
_SCIPY_TOL = 0.01
_COBYLA_RHOBEG = 0.5


@dataclass
class QaoaRun:
    """What one QAOA run produced: final counts (integer outcome → shots), the optimiser's
    answer, facts about the circuit that ran, and the timing split in ns."""

    counts: dict[int, int]
    optimal_parameters: list[float]
    optimizer_evals: int
    optimal_value: float
    circuit_depth: int
    two_qubit_gates: int
    transpiled_depth: int | None
    timing: dict[str, int] = field(default_factory=dict)


def optimizer_options(name: str, maxiter: int | None) -> dict[str, Any]:
    """Return the keyword arguments ``make_optimizer`` gives optimiser ``name`` (recorded).

    SciPy's optimisers stop at ``tol`` = 0.01 rad instead of their 1e-4 default: each energy is
    a ``shots``-sample estimate, and refining angles below its noise only spends evaluations
    (knapsack, 14-16 qubits: COBYLA needs about half the evaluations for the same mean energy).
    COBYLA starts with 0.5 rad steps (``rhobeg``, default 1) because the linear-ramp start
    already has angles of at most 0.75 rad. SPSA keeps the library's calibrated defaults.
    """
    options: dict[str, Any] = {} if name == "SPSA" else {"tol": _SCIPY_TOL}
    if name == "COBYLA":
        options["rhobeg"] = _COBYLA_RHOBEG
    if name == "NELDER_MEAD":
        options["xatol"] = _SCIPY_TOL  # qiskit passes xatol=1e-4 explicitly, which beats tol
    if maxiter is not None:
        options["maxiter"] = maxiter
    return options


def make_optimizer(name: str, maxiter: int | None) -> Any:
    """Return a fresh qiskit-optimization optimiser by name with ``optimizer_options``;
    ``maxiter`` None keeps its own limit (COBYLA: 1000 evaluations; SPSA: 100 iterations;
    Nelder-Mead: 1000 evaluations; Powell: SciPy's default)."""
    from qiskit_optimization.optimizers import COBYLA, NELDER_MEAD, SPSA, SciPyOptimizer

    options = optimizer_options(name, maxiter)
    if name == "COBYLA":
        return COBYLA(**options)
    if name == "NELDER_MEAD":
        return NELDER_MEAD(**options)
    if name == "SPSA":
        optimizer = SPSA(**options)
        optimizer.set_max_evals_grouped(_SPSA_EVALS_GROUPED)
        return optimizer
    if name == "POWELL":
        tol = options.pop("tol")
        return SciPyOptimizer("Powell", options=options or None, tol=tol)
    raise ValueError(f"unknown optimizer {name!r}")  # Parameter choices refuse it earlier


class _TimedMinimizer:
    """The Minimizer protocol around an Optimizer, recording when optimisation starts and ends."""

    def __init__(self, optimizer: Any) -> None:
        self.optimizer = optimizer
        self.started_ns = self.finished_ns = 0

    def __call__(self, fun: Any, x0: np.ndarray, jac: Any = None, bounds: Any = None) -> Any:
        self.started_ns = time.perf_counter_ns()
        result = self.optimizer.minimize(fun=fun, x0=x0, jac=jac, bounds=bounds)
        self.finished_ns = time.perf_counter_ns()
        return result


class _KeepingPassManager:
    """Runs a pass manager and keeps its output (QAOA returns only the untranspiled ansatz)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.circuit: Any = None

    def run(self, circuits: Any, *args: Any, **kwargs: Any) -> Any:
        self.circuit = self.inner.run(circuits, *args, **kwargs)
        return self.circuit


def run_qaoa(ising: IsingProblem, initial_point: np.ndarray, params: dict[str, Any]) -> QaoaRun:
    """Optimise and sample QAOA for ``ising`` with resolved backend ``params``; return the run.

    Seeds: ``params["seed"]`` goes to Aer's ``seed_simulator`` (every sampler call), the
    transpiler and, for SPSA, qiskit-optimization's global RNG, so a seed reproduces the run.
    """
    from qiskit_aer.primitives import SamplerV2
    from qiskit_optimization.minimum_eigensolvers import QAOA
    from qiskit_optimization.utils import algorithm_globals

    start = time.perf_counter_ns()
    seed, noise = params["seed"], params["noise"]
    backend = devices.simulator(params["method"], params["threads"], noise)
    keeping = _KeepingPassManager(devices.pass_manager(backend, seed))
    sampler = SamplerV2.from_backend(backend, default_shots=params["shots"], seed=seed)
    minimizer = _TimedMinimizer(make_optimizer(params["optimizer"], params["maxiter"]))
    if params["optimizer"] == "SPSA" and seed is not None:
        algorithm_globals.random_seed = seed  # SPSA draws perturbations from this global RNG
    qaoa = QAOA(sampler, minimizer, reps=params["reps"], initial_point=initial_point, pass_manager=keeping)
    result = qaoa.compute_minimum_eigenvalue(ising.operator)
    finished = time.perf_counter_ns()

    ran = keeping.circuit
    extra_start = time.perf_counter_ns()
    if noise is None:
        ideal_depth, transpiled_depth = devices.gate_depth(ran), None
    else:
        ideal = devices.pass_manager(devices.simulator(params["method"], 1, None), seed).run(result.optimal_circuit)
        ideal_depth, transpiled_depth = devices.gate_depth(ideal), devices.gate_depth(ran)
    extra_ns = time.perf_counter_ns() - extra_start

    # The result's fields are typed optional (unset before a run); compute_minimum_eigenvalue
    # has set them all. The eigenstate is a QuasiDistribution: integer outcome -> probability.
    eigenstate = cast(Mapping[int, float], result.eigenstate)
    optimal_point = cast(np.ndarray, result.optimal_point)
    evals = cast(int, result.cost_function_evals)
    optimal_value = cast(float, result.optimal_value)
    shots = params["shots"]
    counts = {int(key): int(round(p * shots)) for key, p in eigenstate.items()}
    return QaoaRun(
        counts=counts,
        optimal_parameters=[float(v) for v in optimal_point],
        optimizer_evals=int(evals),
        optimal_value=float(optimal_value) * ising.scale + ising.offset,
        circuit_depth=ideal_depth,
        two_qubit_gates=int(ran.num_nonlocal_gates()),
        transpiled_depth=transpiled_depth,
        timing={
            "ansatz_ns": minimizer.started_ns - start + extra_ns,
            "optimize_ns": minimizer.finished_ns - minimizer.started_ns,
            "sampling_ns": finished - minimizer.finished_ns,
        },
    )
