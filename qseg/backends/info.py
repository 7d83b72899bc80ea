"""``SolverInfo``: every key a backend may put in ``SampleSet.info``, with its type and unit.

The harness, the exact references and the analyses read ``sampleset.info``; this module is the
one declaration of what they may find there. It is closed: a key not declared here is a
conformance failure (``qseg.testing.check_backend``), and so is a value of the wrong type. A
backend-specific fact that fits no declared key goes under ``extra`` (a free dict, shown in
reports as-is), so the contract stays closed but extensible.

Type rules applied by ``solver_info_problems`` (derived from the annotations below, nothing is
declared twice):

- ``int`` means a Python ``int``: not a ``bool``, not a numpy integer (``int(value)`` it first);
- ``float`` accepts an ``int`` or a ``float`` (numpy's float64 is a ``float``), never a ``bool``;
- ``bool`` means a Python ``bool`` (not ``numpy.bool_``);
- ``None`` is allowed only where the annotation says ``| None``;
- ``Literal[...]`` allows exactly those values; ``Any`` anything;
- nested TypedDicts (``timing``, ``embedding``, ``qaoa``) are closed like the top level.

Units are in the names: ``*_ns`` integer nanoseconds, ``*_us`` microseconds, ``*_s`` seconds.
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypedDict, Union, get_args, get_origin, get_type_hints

MipStatus = Literal["optimal", "feasible", "infeasible", "unbounded", "no-solution"]


class TimingInfo(TypedDict, total=False):
    """``info["timing"]``: integer nanoseconds, every field optional except ``wall_ns``, which
    ``Backend.solve`` always adds. A backend fills what it can measure or the solver reports;
    ``Backend.tts_basis`` names the field time-to-solution is computed from."""

    wall_ns: int  # ns: the whole ``_solve`` call, measured by ``Backend.solve`` (never set it)
    sampling_ns: int  # ns: the solver's sampling alone (SA/tabu/random/exact loop; QPU round trip)
    preprocessing_ns: int  # ns: the sampler's own set-up before sampling (dwave-samplers)
    postprocessing_ns: int  # ns: the sampler's own work after sampling (dwave-samplers)
    embedding_ns: int  # ns: finding (or loading from the cache) the minor embedding
    qpu_access_ns: int  # ns: QPU access time reported by the solver (0 when it reports none)
    qpu_sampling_ns: int  # ns: the QPU's anneal-and-read part of the access time
    charge_ns: int  # ns: the time Leap charges for (hybrid charge time; QPU access time)
    run_time_ns: int  # ns: a Leap hybrid solver's reported run time (queue excluded)
    import_ns: int  # ns: one-off imports of the solver stack (non-zero on a process's first solve)
    ansatz_ns: int  # ns: QAOA: BQM -> Ising, ansatz construction and transpilation
    optimize_ns: int  # ns: QAOA: the classical optimiser's loop
    run_ns: int  # ns: QAOA: ansatz_ns + optimize_ns + sampling_ns (its time-to-solution basis)
    # ns: MIP: translating the CQM into the solver's linear program (the harness's build_ns is the model build)
    translate_ns: int
    solve_ns: int  # ns: MIP: the solver run (every route: structured, LP, plain MIP)


class EmbeddingInfo(TypedDict, total=False):
    """``info["embedding"]``: a minor-embedded solve (``qpu``, ``mock-qpu``). The harness copies
    the first four into the record's columns, the rest into ``details["embedding"]``."""

    physical_qubits: int  # qubits used by all chains together
    max_chain_length: int  # qubits in the longest chain
    mean_chain_length: float  # qubits per chain on average
    chain_break_fraction: float  # fraction of broken chains, averaged over reads (weighted), 0..1
    chain_strength: float  # coupling strength used inside chains, in the BQM's energy units
    chain_strength_rule: str | None  # how chain_strength was chosen; None when it was given
    cached: bool  # the embedding came from the on-disk cache
    target: str  # identity of the target graph (solver name + hash of its working edges)


class QaoaInfo(TypedDict, total=False):
    """``info["qaoa"]``: facts of one QAOA run, stored as ``details["qaoa"]``."""

    num_qubits: int  # qubits (= BQM variables)
    method: str  # the simulator's method ("statevector", "matrix_product_state")
    noise: str | None  # fake device whose noise model was simulated; None = ideal
    optimizer: str  # classical optimiser name (COBYLA, SPSA, ...)
    optimizer_options: dict[str, Any]  # options passed to the optimiser
    threads: int  # simulator threads
    energy_scale: float  # BQM energy units per unit of the scaled operator
    initial_point: list[float]  # rad: beta_1..beta_p, gamma_1..gamma_p the optimiser started from
    optimal_parameters: list[float] | None  # rad: the optimiser's answer; None when none ran
    optimizer_evals: int  # cost-function evaluations
    optimal_value: float  # best expected energy found, in BQM units
    circuit_depth: int  # gate depth of the ideal (noise-free) transpiled circuit
    two_qubit_gates: int  # two-qubit gates in the circuit that ran
    transpiled_depth: int | None  # gate depth on the fake device; None without noise
    note: str  # why no circuit ran (constant model), when none did


class SolverInfo(TypedDict, total=False):
    """Everything a backend may return in ``SampleSet.info``; every key optional except
    ``timing`` and ``params``, which ``Backend.solve`` always sets."""

    # Set by Backend.solve for every backend.
    timing: TimingInfo  # integer nanoseconds, see TimingInfo
    params: dict[str, Any]  # the resolved parameters actually used (set by Backend.solve)

    # Exact solvers (MIP backends; exact-bqm sets proven_optimal only).
    mip_status: MipStatus  # one of MIP_STATUSES; "infeasible" is a proof the model has no solution
    solver_status: str  # the solver's own status text (e.g. HiGHS's "Optimal", CBC's result line)
    proven_optimal: bool  # optimality proven (not within a positive gap, not an LP relaxation)
    objective: float | None  # best solution's objective, minimisation sense; None = no solution
    bound: float | None  # proven lower bound, minimisation sense; None = unknown
    mip_gap: float | None  # relative gap (objective - bound) / |objective|; 0 when proven
    method: str  # which route produced the answer: "mip", "lp" (relaxation), "structured-lp"
    route: dict[str, Any]  # statistics of that route (free-form numbers and lists)
    relaxed: bool  # the answer is the LP relaxation (``relax=True``)
    duals: dict[Any, float] | None  # relax=True: {constraint label: d(LP optimum)/d(rhs)}
    constraint_labels: list[Any]  # dimod's CQM SampleSet field: the labels of is_satisfied's columns

    # Minor-embedded (QPU-like) solvers.
    embedding: EmbeddingInfo  # see EmbeddingInfo
    timing_simulated: bool  # timings are not hardware timings (mock-qpu)
    substitute: str  # mock-qpu: what solved the embedded problem ("steepest", "sa")
    estimated_qpu_access_us: float  # us: what the timing model says hardware would charge
    timing_model: str  # name of the recorded timing model behind estimated_qpu_access_us

    # Cloud (Leap) solvers.
    time_limit_s: float  # s: the time limit submitted (the solver's minimum when none was given)
    problem_id: str | None  # the cloud problem id, for the dashboard and support requests

    # Nonlinear (dwave.optimization) results turned into SampleSets by qseg.backends.nl.
    nl_feasible: list[bool]  # per row: every constraint of the NL model holds

    # QAOA.
    reps: int  # QAOA layers p
    shots: int  # measurements of the final circuit (the SampleSet's occurrences sum to it)
    qaoa: QaoaInfo  # see QaoaInfo

    # The escape hatch.
    extra: dict[str, Any]  # backend-specific facts no key above covers, shown in reports as-is


# Key constants: ``info[MIP_STATUS]`` rather than a string typed again at every reader.
TIMING = "timing"
PARAMS = "params"
MIP_STATUS = "mip_status"
SOLVER_STATUS = "solver_status"
PROVEN_OPTIMAL = "proven_optimal"
OBJECTIVE = "objective"
BOUND = "bound"
MIP_GAP = "mip_gap"
METHOD = "method"
ROUTE = "route"
RELAXED = "relaxed"
DUALS = "duals"
CONSTRAINT_LABELS = "constraint_labels"
EMBEDDING = "embedding"
TIMING_SIMULATED = "timing_simulated"
SUBSTITUTE = "substitute"
ESTIMATED_QPU_ACCESS_US = "estimated_qpu_access_us"
TIMING_MODEL = "timing_model"
TIME_LIMIT_S = "time_limit_s"
PROBLEM_ID = "problem_id"
NL_FEASIBLE = "nl_feasible"
REPS = "reps"
SHOTS = "shots"
QAOA = "qaoa"
EXTRA = "extra"

WALL_NS = "wall_ns"
SAMPLING_NS = "sampling_ns"
PREPROCESSING_NS = "preprocessing_ns"
POSTPROCESSING_NS = "postprocessing_ns"
EMBEDDING_NS = "embedding_ns"
QPU_ACCESS_NS = "qpu_access_ns"
QPU_SAMPLING_NS = "qpu_sampling_ns"
CHARGE_NS = "charge_ns"
RUN_TIME_NS = "run_time_ns"
IMPORT_NS = "import_ns"
ANSATZ_NS = "ansatz_ns"
OPTIMIZE_NS = "optimize_ns"
RUN_NS = "run_ns"
TRANSLATE_NS = "translate_ns"
SOLVE_NS = "solve_ns"

PHYSICAL_QUBITS = "physical_qubits"
MAX_CHAIN_LENGTH = "max_chain_length"
MEAN_CHAIN_LENGTH = "mean_chain_length"
CHAIN_BREAK_FRACTION = "chain_break_fraction"
CHAIN_STRENGTH = "chain_strength"
CHAIN_STRENGTH_RULE = "chain_strength_rule"
CACHED = "cached"
TARGET = "target"

# The values of ``info["mip_status"]``.
MIP_OPTIMAL = "optimal"  # proven optimal (within the requested mip_gap)
MIP_FEASIBLE = "feasible"  # stopped early (time limit) with a solution; see bound and mip_gap
MIP_INFEASIBLE = "infeasible"  # proven to have no feasible solution
MIP_UNBOUNDED = "unbounded"  # unbounded (or infeasible-or-unbounded)
MIP_NO_SOLUTION = "no-solution"  # stopped without any solution and without a proof
MIP_STATUSES: tuple[str, ...] = get_args(MipStatus)

KEYS: frozenset[str] = frozenset(SolverInfo.__annotations__)
TIMING_KEYS: frozenset[str] = frozenset(TimingInfo.__annotations__)
EMBEDDING_KEYS: frozenset[str] = frozenset(EmbeddingInfo.__annotations__)


# Exported by ``qseg.backends`` too: the TypedDicts, the checker and every constant above.
__all__ = [
    "EmbeddingInfo",
    "MipStatus",
    "QaoaInfo",
    "SolverInfo",
    "TimingInfo",
    "solver_info_problems",
    *(name for name in list(globals()) if name.isupper()),
]


@functools.cache
def _hints(typed_dict: type) -> dict[str, Any]:
    return get_type_hints(typed_dict)


def _is_typed_dict(annotation: Any) -> bool:
    return isinstance(annotation, type) and typing.is_typeddict(annotation)


def _describe(annotation: Any) -> str:
    if annotation is type(None):
        return "None"
    if annotation is Any:
        return "any value"
    if isinstance(annotation, type) and get_origin(annotation) is None:
        return "a dict" if _is_typed_dict(annotation) else annotation.__name__
    return str(annotation).replace("typing.", "")


def _shown(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    kind = type(value)
    name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"{name} {text}"


def _check(value: Any, annotation: Any, where: str, problems: list[str]) -> None:
    """Append to ``problems`` why ``value`` does not match ``annotation`` (nothing when it does)."""
    if annotation is Any:
        return
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = get_args(annotation)
        for option in options:
            found: list[str] = []
            _check(value, option, where, found)
            if not found:
                return
        if value is not None and len(options) == 2 and type(None) in options:
            # X | None with a value present: the message about X is the useful one.
            _check(value, next(o for o in options if o is not type(None)), where, problems)
            return
        problems.append(f"{where}: expected {_describe(annotation)}, got {_shown(value)}")
        return
    if annotation is type(None):
        if value is not None:
            problems.append(f"{where}: expected None, got {_shown(value)}")
        return
    if value is None:
        problems.append(f"{where}: is None, which is allowed only where declared Optional "
                        f"(declared {_describe(annotation)})")
        return
    if origin is Literal:
        allowed = get_args(annotation)
        if not any(type(value) is type(option) and value == option for option in allowed):
            problems.append(f"{where}: expected one of {', '.join(map(repr, allowed))}, got {_shown(value)}")
        return
    if _is_typed_dict(annotation):
        if not isinstance(value, Mapping):
            problems.append(f"{where}: expected a dict ({annotation.__name__}), got {_shown(value)}")
            return
        _check_typed_dict(value, annotation, where, problems)
        return
    if origin in (dict, Mapping):
        if not isinstance(value, dict):
            problems.append(f"{where}: expected {_describe(annotation)}, got {_shown(value)}")
            return
        key_type, value_type = get_args(annotation) or (Any, Any)
        for key, item in value.items():
            _check(key, key_type, f"{where} key {key!r}", problems)
            _check(item, value_type, f"{where}[{key!r}]", problems)
        return
    if origin is list:
        if not isinstance(value, list):
            problems.append(f"{where}: expected {_describe(annotation)}, got {_shown(value)}")
            return
        (item_type,) = get_args(annotation) or (Any,)
        for index, item in enumerate(value):
            _check(item, item_type, f"{where}[{index}]", problems)
        return
    if annotation is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif annotation is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif annotation is bool or annotation is str:
        ok = isinstance(value, annotation)
    else:
        ok = isinstance(value, annotation)
    if not ok:
        problems.append(f"{where}: expected {_describe(annotation)}, got {_shown(value)}")


def _check_typed_dict(value: Mapping[str, Any], typed_dict: type, where: str, problems: list[str]) -> None:
    hints = _hints(typed_dict)
    for key, item in value.items():
        path = f"{where}[{key!r}]"
        if key not in hints:
            hint = " (declare it in qseg.backends.SolverInfo, or put it under info['extra'])" \
                if typed_dict is SolverInfo else f" (not a {typed_dict.__name__} key)"
            problems.append(f"{path}: undeclared key{hint}")
            continue
        _check(item, hints[key], path, problems)


def solver_info_problems(info: Mapping[str, Any]) -> list[str]:
    """Return what is wrong with a SampleSet's ``info`` against ``SolverInfo``: one readable
    message per undeclared key (at any depth of the declared dicts) and per value of the wrong
    type. An empty list means the info conforms."""
    problems: list[str] = []
    if not isinstance(info, Mapping):
        return [f"info: expected a dict, got {_shown(info)}"]
    _check_typed_dict(info, SolverInfo, "info", problems)
    return problems
