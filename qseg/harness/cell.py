"""One cell: build the model, solve it, evaluate every read on the CQM, compute the metrics."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import dimod
import numpy as np

from qseg.backends import Backend, load_backend, num_variables
from qseg.errors import BadInputError, InfeasibleModelError, ModelTooLargeError, SolverError, UnknownNameError
from qseg.harness import metrics
from qseg.harness.record import Record
from qseg.harness.reference import DEFAULT_REFERENCE_BACKEND, reference_for
from qseg.problems import Problem, Qubo

CQM_FORMULATION = "cqm"
NL_FORMULATION = "nl"
_MODEL_FORMULATIONS = {CQM_FORMULATION: "cqm", NL_FORMULATION: "nl"}


def resolve_formulation(problem: Problem, backend: Backend, formulation: str | None) -> str:
    """Return the formulation a cell uses: "cqm" or "nl" for a backend taking that model kind
    when none is named, else the named (or default) QUBO formulation. A QUBO given to a backend
    that takes no BQM, or a model kind the backend does not take, is a BadInputError."""
    if formulation is None:
        for name, kind in _MODEL_FORMULATIONS.items():
            if kind in backend.accepts and "bqm" not in backend.accepts:
                return resolve_formulation(problem, backend, name)
        return problem.default_formulation
    if formulation == NL_FORMULATION and not problem.has_nl:
        raise BadInputError("formulation", formulation, f"{problem.name} has no nonlinear (NL) model")
    if formulation in _MODEL_FORMULATIONS:
        if _MODEL_FORMULATIONS[formulation] not in backend.accepts:
            raise BadInputError("formulation", formulation, f"backend {backend.name!r} does not take a {formulation.upper()}")
        return formulation
    if formulation not in problem.formulations:
        raise UnknownNameError("formulation", formulation, (*problem.formulations, *_MODEL_FORMULATIONS))
    if "bqm" not in backend.accepts:
        raise BadInputError(
            "formulation", formulation, f"backend {backend.name!r} takes the {'/'.join(sorted(backend.accepts))} only"
        )
    return formulation


def derive_seed(instance_seed: int | None, repeat: int = 0) -> int:
    """Return the solver seed derived from the instance seed and the repeat index (recorded
    with the cell), in [0, 2**31) because that is what every seeded sampler here accepts."""
    entropy = (instance_seed or 0) if repeat == 0 else [instance_seed or 0, repeat]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0] >> 1)


def seeded_params(backend: Backend, problem: Problem, params: Mapping[str, Any], repeat: int = 0) -> dict[str, Any]:
    """Return ``params`` with the solver seed derived from the instance seed and ``repeat`` when
    the backend is seeded and none was given."""
    params = dict(params)
    if backend.seeded and params.get("seed") is None:
        params["seed"] = derive_seed(problem.seed, repeat)
    return params


def build_model(problem: Problem, formulation: str, penalties: Mapping[str, Any] | None = None) -> tuple[Any, Qubo | None]:
    """Return the model a resolved formulation names (the CQM, the NL model or a QUBO's BQM)
    and the Qubo with its penalty weights (None for the CQM and NL models)."""
    if formulation == CQM_FORMULATION:
        return problem.cqm(), None
    if formulation == NL_FORMULATION:
        return problem.nl(), None
    qubo = problem.build_qubo(formulation, **dict(penalties or {}))
    return qubo.bqm, qubo


def solve(
    problem: Problem,
    backend: Backend | str,
    *,
    formulation: str | None = None,
    reference: bool | str = False,
    polish: bool = False,
    penalties: Mapping[str, Any] | None = None,
    eps: float = metrics.DEFAULT_EPS,
    repeat: int = 0,
    **params: Any,
) -> Record:
    """Solve ``problem`` with ``backend`` and return the Record of ``qseg solve --json``.

    ``reference`` is True (exact optimum from cbc, cached) or the name of an exact backend; a
    published optimum is always used. ``repeat`` > 0 derives a different solver seed.

    Bad input (unknown formulation or parameter, a QUBO for a CQM-only backend) raises
    BadInputError before anything is built. An unavailable backend or a model over its limits
    gives a ``skipped`` record; a solver failure an ``error`` record with the message.
    """
    started = time.perf_counter_ns()
    backend = load_backend(backend) if isinstance(backend, str) else backend
    chosen = resolve_formulation(problem, backend, formulation)
    if penalties and chosen in _MODEL_FORMULATIONS:
        raise BadInputError("penalties", dict(penalties), f"a {chosen.upper()} model has no penalty weights")
    if polish and not problem.can_polish:
        raise BadInputError("polish", True, f"{problem.name} has no polish step")
    params = seeded_params(backend, problem, params, repeat)
    resolved = backend.resolve_params(params)
    record = Record(
        problem=problem.name, instance=problem.instance, formulation=chosen, backend=backend.name,
        size=problem.size, seed=problem.seed, status="ok", sense=problem.sense, params=resolved,
        tts_basis=backend.tts_basis, eps=eps,
    )
    reason = backend.unavailable_reason()
    if reason:
        return _finish(record, started, status="skipped", message=reason)

    build_start = time.perf_counter_ns()
    model, qubo = build_model(problem, chosen, penalties)
    if qubo is not None:
        record.penalties = qubo.penalties
        record.details.update(qubo.details)
    record.timing["build_ns"] = time.perf_counter_ns() - build_start
    _describe_model(record, model)

    if reference or problem.best_known is not None:
        reference_start = time.perf_counter_ns()
        _fill_reference(record, problem, reference)
        record.timing["reference_ns"] = time.perf_counter_ns() - reference_start

    try:
        sampleset = backend.solve(model, **params)
    except ModelTooLargeError as exc:
        return _finish(record, started, status="skipped", message=exc.reason)
    except SolverError as exc:
        return _finish(record, started, status="error", message=str(exc))
    record.timing.update(sampleset.info["timing"])
    record.wall_s = sampleset.info["timing"]["wall_ns"] / 1e9
    _solver_facts(record, problem, sampleset)
    if chosen == NL_FORMULATION:
        sampleset = problem.lift_nl(sampleset)

    evaluate_start = time.perf_counter_ns()
    status, raw_reads, polished_reads = _score(record, problem, sampleset, eps, polish=polish)
    if record.shots is not None and record.reference is not None and isinstance(model, dimod.BinaryQuadraticModel):
        record.details["random_control"] = random_control(problem, list(model.variables), record.shots, record.reference, eps)
    if isinstance(model, dimod.BinaryQuadraticModel) and record.reference is not None and len(sampleset):
        best_known = problem.qubo_best_known(model, raw_reads, polished_reads)
        if best_known is not None:
            record.formulation_gap = float(metrics.gap(best_known, float(problem.natural(record.reference))))
    record.timing["evaluate_ns"] = time.perf_counter_ns() - evaluate_start - record.timing.get("polish_ns", 0)
    return _finish(record, started, status=status)


BASELINE_FORMULATION = "native"


def _fill_reference(record: Record, problem: Problem, reference: bool | str) -> None:
    backend = reference if isinstance(reference, str) else DEFAULT_REFERENCE_BACKEND
    ref = reference_for(problem, backend)
    record.reference, record.reference_source, record.reference_proven = ref.value, ref.source, ref.proven


def solve_baseline(
    problem: Problem, name: str, *, reference: bool | str = False, eps: float = metrics.DEFAULT_EPS
) -> Record:
    """Run one of the problem's own classical baselines (greedy, dp, ...) and return its Record,
    scored exactly like a backend's answer; ``backend`` is ``baseline:NAME``."""
    started = time.perf_counter_ns()
    baselines = problem.baselines()
    if name not in baselines:
        raise UnknownNameError("baseline", name, baselines)
    record = Record(
        problem=problem.name, instance=problem.instance, formulation=BASELINE_FORMULATION,
        backend=f"baseline:{name}", size=problem.size, seed=problem.seed, status="ok",
        sense=problem.sense, tts_basis="wall_ns", eps=eps,
    )
    record.num_variables, record.num_interactions, record.num_constraints = problem.model_size()
    if reference or problem.best_known is not None:
        _fill_reference(record, problem, reference)
    solve_start = time.perf_counter_ns()
    sample = baselines[name]()
    record.timing["wall_ns"] = time.perf_counter_ns() - solve_start
    record.wall_s = record.timing["wall_ns"] / 1e9
    # Energy 0: a baseline has no model energy; every read is re-evaluated on the problem.
    sampleset = dimod.SampleSet.from_samples(sample, dimod.BINARY, energy=0.0)
    return _finish(record, started, status=_score(record, problem, sampleset, eps)[0])


def _describe_model(record: Record, model: Any) -> None:
    if isinstance(model, dimod.BinaryQuadraticModel):
        record.num_variables, record.num_interactions = len(model.variables), model.num_interactions
        return
    if not isinstance(model, dimod.ConstrainedQuadraticModel):  # a NL model: nodes, not terms
        record.num_variables = num_variables(model)
        record.num_constraints = sum(1 for _ in model.iter_constraints())
        return
    record.num_variables = len(model.variables)
    record.num_constraints = len(model.constraints)
    record.num_interactions = model.objective.num_interactions + sum(
        c.lhs.num_interactions for c in model.constraints.values()
    )


def _solver_facts(record: Record, problem: Problem, sampleset: dimod.SampleSet) -> None:
    info = sampleset.info
    if info.get("mip_status") == "infeasible":
        raise InfeasibleModelError(
            f"{problem.name} {problem.instance}: {record.backend} proved the model infeasible"
        )
    if info.get("bound") is not None:
        record.bound = float(problem.natural(info["bound"]))
    if "mip_gap" in info:
        record.mip_gap = info["mip_gap"]
        record.details["mip_status"] = info.get("mip_status")
    embedding = info.get("embedding")
    if embedding:
        record.physical_qubits = embedding["physical_qubits"]
        record.max_chain_length = embedding["max_chain_length"]
        record.mean_chain_length = embedding["mean_chain_length"]
        record.chain_break_fraction = embedding["chain_break_fraction"]
        record.details["embedding"] = {
            k: embedding[k] for k in ("chain_strength", "chain_strength_rule", "cached", "target") if k in embedding
        }
        record.timing_simulated = bool(info.get("timing_simulated", False))
    for key in ("method", "route", "substitute", "estimated_qpu_access_us", "timing_model", "time_limit_s", "problem_id"):
        if info.get(key) is not None:
            record.details[key] = info[key]
    if "shots" in info:
        record.reps, record.shots = info.get("reps"), info["shots"]
        record.details["qaoa"] = info.get("qaoa")


def _score(
    record: Record, problem: Problem, sampleset: dimod.SampleSet, eps: float, *, polish: bool = False
) -> tuple[str, Any, Any]:
    """Fill the quality metrics from every read; return the cell status, the evaluated reads and
    the polished reads (None without polish). With ``polish`` the metrics describe the polished
    reads, while ``gap_raw`` and ``details["raw"]`` keep what the sampler itself achieved."""
    reads = problem.evaluate_reads(sampleset)
    raw = reads
    reference_min = None if record.reference is None else float(problem.natural(record.reference))
    if polish:
        raw_best = _best_feasible(problem, reads)
        polish_start = time.perf_counter_ns()
        raw, reads = reads, problem.polish_reads(reads)
        record.timing["polish_ns"] = time.perf_counter_ns() - polish_start
        record.polished = True
        record.details["raw"] = {
            "objective": None if raw_best is None else float(raw.objective[raw_best]),
            "feasible_fraction": metrics.weighted_fraction(raw.feasible, raw.num_occurrences),
        }
        if raw_best is not None and reference_min is not None:
            record.gap_raw = float(metrics.gap(problem.natural(raw.objective[raw_best]), reference_min))
    occurrences = reads.num_occurrences
    record.num_reads = int(occurrences.sum())
    record.feasible_fraction = metrics.weighted_fraction(reads.feasible, occurrences)
    minimised = problem.natural(reads.objective)  # natural() is its own inverse
    best = _best_feasible(problem, reads)
    if best is None:
        record.feasible = False
        record.violation_max = float(reads.violation_max.min()) if len(reads.violation_max) else None
        record.success_probability = 0.0 if record.reference is not None else None
        return "infeasible", raw, reads if polish else None
    record.feasible, record.violation_max = True, float(reads.violation_max[best])
    record.objective = float(reads.objective[best])
    record.details.update(problem.details(dict(zip(reads.labels, reads.states[best]))))
    if reference_min is None:
        return "ok", raw, reads if polish else None
    if record.shots is not None:
        _approximation_ratios(record, problem, reads)
    record.gap = float(metrics.gap(minimised[best], reference_min))
    if not polish:
        record.gap_raw = record.gap
    lowest = int(np.argmin(reads.energy))
    if reads.feasible[lowest]:
        record.gap_lowest_energy = float(metrics.gap(minimised[lowest], reference_min))
    probability = metrics.success_probability(minimised, reads.feasible, occurrences, reference_min, eps)
    record.success_probability = probability
    # Polish time counts towards the time per read: a polished read costs both.
    basis_ns = record.timing.get(record.tts_basis or "wall_ns", record.timing["wall_ns"]) + record.timing.get("polish_ns", 0)
    record.tts99_s = metrics.tts99(basis_ns / 1e9 / max(record.num_reads, 1), probability)
    return "ok", raw, reads if polish else None


RANDOM_CONTROL_EXACT_MAX = 20
_CHUNK = 1 << 16


def random_control(problem: Problem, variables: list, shots: int, reference: float, eps: float) -> dict[str, Any]:
    """Return what uniformly random bitstrings achieve at the same shot count: the per-shot
    probability of a feasible state within ``eps`` of the reference (exact by enumeration up to
    20 variables, else estimated from 2^16 seeded draws) and the probability that ``shots`` such
    draws contain one. QAOA "finding the optimum" means little when this is already high."""
    n = len(variables)
    reference_min = float(problem.natural(reference))
    exact = n <= RANDOM_CONTROL_EXACT_MAX
    total, hits = 0, 0
    rng = np.random.default_rng(0)
    starts = range(0, 1 << n, _CHUNK) if exact else range(1)
    for start in starts:
        if exact:
            codes = np.arange(start, min(start + _CHUNK, 1 << n), dtype=np.int64)
            states = ((codes[:, None] >> np.arange(n)) & 1).astype(np.int8)
        else:
            states = rng.integers(0, 2, size=(_CHUNK, n), dtype=np.int8)
        reads = problem.evaluate_reads(dimod.SampleSet.from_samples((states, variables), dimod.BINARY, energy=0.0))
        good = reads.feasible & (metrics.gap(problem.natural(reads.objective), reference_min) <= eps)
        total, hits = total + len(states), hits + int(good.sum())
    per_shot = hits / total
    return {
        "method": "exact" if exact else f"sampled ({total} states)",
        "success_probability_per_shot": per_shot,
        "probability_in_shots": 1.0 - (1.0 - per_shot) ** shots,
        "shots": shots,
    }


def _approximation_ratios(record: Record, problem: Problem, reads: Any) -> None:
    """Set ``approximation_ratio_best``/``_mean``: feasible objectives (never energies) over the
    reference, natural sense, counts-weighted (DESIGN §3)."""
    if record.reference is None or record.reference == 0 or not reads.feasible.any():
        return
    feasible = reads.feasible
    record.approximation_ratio_best = float(record.objective / record.reference)
    mean = np.average(reads.objective[feasible], weights=reads.num_occurrences[feasible])
    record.approximation_ratio_mean = float(mean / record.reference)


def _best_feasible(problem: Problem, reads: Any) -> int | None:
    """Return the row of the feasible read with the best true objective, or None."""
    if not reads.feasible.any():
        return None
    rows = np.flatnonzero(reads.feasible)
    return int(rows[np.argmin(problem.natural(reads.objective)[rows])])


def _finish(record: Record, started: int, *, status: str, message: str | None = None) -> Record:
    record.status = status
    record.message = message
    record.timing["total_ns"] = time.perf_counter_ns() - started
    return record
