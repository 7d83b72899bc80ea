"""``qseg.solve``: one problem, one backend, one Record.

Build the model, solve it, evaluate every read on the CQM and score it with ``metrics``. Inside,
every objective is in the minimisation sense (the CQM's own); the Record is the one boundary
where values turn into the problem's natural sense (``_natural``). Bad input raises
BadInputError before anything is solved; every other failure becomes a Record with status
``error`` (or ``skipped``, ``infeasible_model``), its message and every field measured up to
then.
"""

from __future__ import annotations

import functools
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast, overload

import dimod
import numpy as np

from qseg import metrics
from qseg.backends import Backend, load_backend, num_variables
from qseg.backends import info as keys
from qseg.errors import BadInputError, InfeasibleModelError, ModelTooLargeError, SolverError, UnknownNameError
from qseg.problems import Problem, Qubo, ReadEvaluations, problem_names
from qseg.problems.base import penalty_values
from qseg.record import EmbeddingDetails, Record, SolverDetails, Status
from qseg.solving.charges import CAP_FIELD, DEFAULT_MAX_QPU_S, check_max_qpu_s, estimate_charge_s, refuse_over_cap
from qseg.solving.reference import DEFAULT_REFERENCE_BACKEND, Reference, reference_for
from qseg.solving.tuning import MAX_ATTEMPTS, check_tunable, tune, tuning_flag
from qseg.store.spec import BASELINE_FORMULATION, BASELINE_PREFIX

CQM_FORMULATION = "cqm"
NL_FORMULATION = "nl"
_MODEL_FORMULATIONS = {CQM_FORMULATION: "cqm", NL_FORMULATION: "nl"}
# Solver facts (SolverInfo keys) the record carries in ``details`` under the same name.
_DETAIL_KEYS = (keys.METHOD, keys.ROUTE, keys.SUBSTITUTE, keys.ESTIMATED_QPU_ACCESS_US, keys.TIMING_MODEL,
                keys.TIME_LIMIT_S, keys.PROBLEM_ID, keys.EXTRA)
_EMBEDDING_DETAIL_KEYS = (keys.CHAIN_STRENGTH, keys.CHAIN_STRENGTH_RULE, keys.CACHED, keys.TARGET)


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


@functools.lru_cache(maxsize=4096)  # a suite derives the same few seeds for every cell of a grid
def derive_seed(instance_seed: int | None, repeat: int = 0) -> int:
    """Return the solver seed derived from the instance seed and the repeat index (recorded
    with the cell), in [0, 2**31) because that is what every seeded sampler here accepts."""
    entropy: int | list[int] = (instance_seed or 0) if repeat == 0 else [instance_seed or 0, repeat]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0] >> 1)


def resolve_backend_params(backend: Backend, instance_seed: int | None, params: Mapping[str, Any],
                           repeat: int = 0) -> dict[str, Any]:
    """Return every declared parameter of ``backend`` with defaults filled in and values coerced,
    the solver seed derived from the instance seed and ``repeat`` when the backend is seeded and
    none was given. Raises UnknownNameError/BadInputError naming a bad key or value."""
    params = dict(params)
    if backend.seeded and params.get("seed") is None:
        params["seed"] = derive_seed(instance_seed, repeat)
    return backend.resolve_params(params)


def build_model(problem: Problem, formulation: str, penalties: Mapping[str, Any] | None = None) -> tuple[Any, Qubo | None]:
    """Return the model a resolved formulation names (the CQM, the NL model or a QUBO's BQM)
    and the Qubo with its penalty weights (None for the CQM and NL models)."""
    if formulation == CQM_FORMULATION:
        return problem.cqm(), None
    if formulation == NL_FORMULATION:
        return problem.nl(), None
    qubo = problem.build_qubo(formulation, **dict(penalties or {}))
    return qubo.bqm, qubo


@overload
def solve(problem: Problem, backend: Backend | str, *, formulation: str | None = ..., reference: bool | str = ...,
          polish: bool = ..., penalties: Mapping[str, Any] | None = ..., eps: float = ..., repeat: int = ...,
          params: Mapping[str, Any] | None = ..., keep_sampleset: Literal[False] = ..., penalty_tuning: bool = ...,
          max_qpu_s: float | None = ..., **backend_params: Any) -> Record: ...
@overload
def solve(problem: Problem, backend: Backend | str, *, formulation: str | None = ..., reference: bool | str = ...,
          polish: bool = ..., penalties: Mapping[str, Any] | None = ..., eps: float = ..., repeat: int = ...,
          params: Mapping[str, Any] | None = ..., keep_sampleset: Literal[True], penalty_tuning: bool = ...,
          max_qpu_s: float | None = ..., **backend_params: Any) -> tuple[Record, dimod.SampleSet | None]: ...
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
    params: Mapping[str, Any] | None = None,
    keep_sampleset: bool = False,
    penalty_tuning: bool = False,
    max_qpu_s: float | None = DEFAULT_MAX_QPU_S,
    **backend_params: Any,
) -> Record | tuple[Record, dimod.SampleSet | None]:
    """Solve ``problem`` with ``backend`` and return the Record of ``qseg solve --json``; with
    ``keep_sampleset`` return (Record, SampleSet over the CQM's variables, or None when no solve
    produced one).

    ``params`` are backend parameters; keyword arguments not named here are too (a backend option
    that shares a name with one of these goes in ``params``). ``reference`` is True (exact optimum
    from cbc, cached) or the name of an exact backend; a published optimum is always used.
    ``repeat`` > 0 derives a different solver seed. ``penalty_tuning`` (also accepted as the
    parameter ``penalty_tuning=true``, a harness option rather than the backend's) re-solves with
    larger penalty weights while no read is feasible (``qseg.solving.tuning``); every attempt is
    listed in ``penalty_tuning`` and counted in the record's time.

    On a backend that charges (Leap hybrid, QPU) the spend guard estimates the paid time of every
    solve this call can submit (each tuning attempt) and raises BadInputError naming
    ``--max-qpu-s`` before the first submission when it exceeds ``max_qpu_s`` (None: the caller
    has already checked a larger total, as ``qseg bench`` and ``qseg segment`` do).

    Bad input (unknown formulation or parameter, a QUBO for a CQM-only backend, a penalty option
    or a size the builder refuses before allocating, an ``eps``, ``repeat``, ``reference``,
    ``params`` or ``penalties`` of the wrong kind) raises BadInputError before anything is
    solved; an unknown name (problem, backend, formulation, parameter, reference backend) raises
    its subclass ``UnknownNameError``, which is also a ``LookupError``. A time-limited exact
    solver that stops before any solution gives ``timeout``, never ``infeasible``. Every other
    outcome is a record: ``skipped`` (an unavailable backend, a model over its limits),
    ``infeasible_model`` (proven infeasible), ``error`` (the message kept, with every field
    measured so far).
    """
    started = time.perf_counter_ns()
    if isinstance(problem, str) and problem not in problem_names():
        raise UnknownNameError("problem", problem, problem_names())
    if not isinstance(problem, Problem):
        raise BadInputError("problem", problem, "expected a qseg Problem (from qseg.problem(...))")
    if not isinstance(backend, (Backend, str)):
        raise BadInputError("backend", backend, "expected a backend name or a qseg Backend")
    backend = load_backend(backend) if isinstance(backend, str) else backend
    _check_call(reference=reference, penalties=penalties, eps=eps, repeat=repeat, params=params)
    if max_qpu_s is not None:
        check_max_qpu_s(max_qpu_s)
    chosen = resolve_formulation(problem, backend, formulation)
    if penalties and chosen in _MODEL_FORMULATIONS:
        raise BadInputError("penalties", dict(penalties), f"a {chosen.upper()} model has no penalty weights")
    if polish and not problem.can_polish:
        raise BadInputError("polish", True, f"{problem.name} has no polish step")
    merged = _merged_params(params, backend_params)
    if "penalty_tuning" in merged:  # `--param penalty_tuning=true`: the harness's option, not the backend's
        if penalty_tuning:
            raise BadInputError("param penalty_tuning", merged["penalty_tuning"], "given both as a parameter and a keyword")
        penalty_tuning = tuning_flag(merged.pop("penalty_tuning"))
    resolved = resolve_backend_params(backend, problem.seed, merged, repeat)
    if penalty_tuning:
        if chosen in _MODEL_FORMULATIONS:
            raise BadInputError("penalty_tuning", True, f"a {chosen.upper()} model has no penalty weights")
        check_tunable(problem, chosen)
        options = penalty_values(problem, chosen, penalties or {})
        if max_qpu_s is not None:
            _guard_spend(problem, backend, chosen, penalties, resolved, max_qpu_s, solves=MAX_ATTEMPTS)

        def attempt(weights: dict[str, float]) -> tuple[Record, dimod.SampleSet | None]:
            return solve(problem, backend, formulation=chosen, reference=reference, polish=polish, penalties=weights,
                         eps=eps, repeat=repeat, params=merged, keep_sampleset=True, max_qpu_s=None)

        tuned, tuned_sampleset = tune(problem, chosen, options, attempt)
        tuned.timing["total_ns"] = time.perf_counter_ns() - started
        return _kept(tuned, tuned_sampleset, keep_sampleset)
    record = Record(
        problem=problem.name, instance=problem.instance, formulation=chosen, backend=backend.name,
        size=problem.size, seed=problem.seed, status=Status.OK, sense=problem.sense, params=resolved,
        tts_basis=backend.tts_basis, eps=eps,
    )
    reason = backend.unavailable_reason()
    if reason:
        return _kept(_finish(record, started, Status.SKIPPED, reason), None, keep_sampleset)

    known = (problem.model_size()[0] if chosen == CQM_FORMULATION
             else None if chosen == NL_FORMULATION else problem.qubo_variables(chosen))
    # A size knob past the machine (num_reads=1e12) is the caller's input: refused before
    # building, at the variable count known so far (one when none is: a lower bound).
    backend.check_work(1 if known is None else known, resolved)
    too_large = "" if known is None else backend.variables_reason(known, resolved)
    if too_large:
        # Refused before building: a QUBO too large for the backend can take minutes and gigabytes.
        record.num_variables = known
        return _kept(_finish(record, started, Status.SKIPPED, too_large), None, keep_sampleset)
    build_start = time.perf_counter_ns()
    try:
        model, qubo = build_model(problem, chosen, penalties)
    except ModelTooLargeError as exc:
        return _kept(_finish(record, started, Status.SKIPPED, exc.reason), None, keep_sampleset)
    except BadInputError:
        raise  # a penalty option or a size refused before allocating: the caller's input
    except Exception as exc:  # noqa: BLE001 - a failing builder is a record like a failing solver
        return _kept(_finish(record, started, Status.ERROR, _failure(exc)), None, keep_sampleset)
    if qubo is not None:
        record.penalties = qubo.penalties
        record.details.update(qubo.details)  # the formulation's own facts: the open part of details
    record.timing["build_ns"] = time.perf_counter_ns() - build_start
    _describe_model(record, model)
    backend.check_work(num_variables(model), resolved)
    sampleset: dimod.SampleSet | None = None
    try:
        backend.check_model(model, resolved)
        if max_qpu_s is not None and backend.charges:
            refuse_over_cap(estimate_charge_s(backend, model, resolved), max_qpu_s, f"one {backend.name} solve")
        ref = _reference(record, problem, reference)
        sampleset = backend.run(model, resolved)
        record.timing.update(sampleset.info["timing"])
        record.wall_s = sampleset.info["timing"]["wall_ns"] / 1e9
        proven_infeasible = _solver_facts(record, problem, sampleset)
        if proven_infeasible:
            return _kept(_finish(record, started, Status.INFEASIBLE_MODEL, proven_infeasible), sampleset, keep_sampleset)
        if chosen == NL_FORMULATION:
            sampleset = problem.lift_nl(sampleset)
        evaluate_start = time.perf_counter_ns()
        status = _score(record, problem, problem.evaluate_reads(sampleset), ref, eps, polish=polish,
                        bqm=_as_bqm(model))
        record.timing["evaluate_ns"] = time.perf_counter_ns() - evaluate_start - record.timing.get("polish_ns", 0)
        if status == Status.INFEASIBLE and sampleset.info.get(keys.MIP_STATUS) == keys.MIP_NO_SOLUTION:
            # An exact solver stopped (by its limit) before finding any solution: that says
            # nothing about the model, which only a proof ("infeasible") may call infeasible.
            return _kept(_finish(record, started, Status.TIMEOUT, _stopped_without_solution(record, resolved)),
                         sampleset, keep_sampleset)
    except InfeasibleModelError as exc:
        return _kept(_finish(record, started, Status.INFEASIBLE_MODEL, str(exc)), sampleset, keep_sampleset)
    except ModelTooLargeError as exc:
        return _kept(_finish(record, started, Status.SKIPPED, exc.reason), sampleset, keep_sampleset)
    except BadInputError as exc:
        if exc.field == CAP_FIELD and sampleset is None:
            raise  # the spend guard: refused before anything was submitted
        return _kept(_finish(record, started, Status.ERROR, _failure(exc)), sampleset, keep_sampleset)
    except Exception as exc:  # noqa: BLE001 - after building, a failure is a record, never a raise
        return _kept(_finish(record, started, Status.ERROR, _failure(exc)), sampleset, keep_sampleset)
    return _kept(_finish(record, started, status), sampleset, keep_sampleset)


def _guard_spend(problem: Problem, backend: Backend, formulation: str, penalties: Mapping[str, Any] | None,
                 resolved: Mapping[str, Any], max_qpu_s: float, *, solves: int) -> None:
    """Raise BadInputError naming ``--max-qpu-s`` when ``solves`` solves of the model on a paying
    ``backend`` are estimated over ``max_qpu_s``; an unavailable backend or a model over its
    limits is left to the solve, which records it as skipped."""
    if not backend.charges or backend.unavailable_reason():
        return
    try:
        model, _ = build_model(problem, formulation, penalties)
        backend.check_model(model, resolved)
    except ModelTooLargeError:
        return
    refuse_over_cap(estimate_charge_s(backend, model, resolved, solves=solves), max_qpu_s,
                    f"{solves} {backend.name} solves (penalty tuning's attempts)")


@overload
def solve_baseline(problem: Problem, name: str, *, reference: bool | str = ..., eps: float = ...,
                   keep_sampleset: Literal[False] = ...) -> Record: ...
@overload
def solve_baseline(problem: Problem, name: str, *, reference: bool | str = ..., eps: float = ...,
                   keep_sampleset: Literal[True]) -> tuple[Record, dimod.SampleSet | None]: ...
def solve_baseline(
    problem: Problem, name: str, *, reference: bool | str = False, eps: float = metrics.DEFAULT_EPS,
    keep_sampleset: bool = False,
) -> Record | tuple[Record, dimod.SampleSet | None]:
    """Run one of the problem's own classical baselines (greedy, dp, ...) and return its Record,
    scored exactly like a backend's answer; ``backend`` is ``baseline:NAME``. An unknown name
    raises UnknownNameError; a failing baseline gives an ``error`` record. With
    ``keep_sampleset`` return (Record, the baseline's one-read SampleSet or None)."""
    started = time.perf_counter_ns()
    baselines = problem.native_baselines()
    if name not in baselines:
        raise UnknownNameError("baseline", name, baselines)
    record = Record(
        problem=problem.name, instance=problem.instance, formulation=BASELINE_FORMULATION,
        backend=f"{BASELINE_PREFIX}{name}", size=problem.size, seed=problem.seed, status=Status.OK,
        sense=problem.sense, tts_basis="wall_ns", eps=eps,
    )
    try:
        record.num_variables, record.num_interactions, record.num_constraints = problem.model_size()
        record.details["baseline_exact"] = name in problem.exact_baselines
        ref = _reference(record, problem, reference)
        solve_start = time.perf_counter_ns()
        answer = baselines[name]()
        record.timing["wall_ns"] = time.perf_counter_ns() - solve_start
        record.wall_s = record.timing["wall_ns"] / 1e9
        evaluate_start = time.perf_counter_ns()
        # The answer is scored in the problem's own terms (bin starts, picks, medoid rows):
        # no SampleSet and no label space, equal to the CQM's evaluation (tested).
        reads = problem.native_reads(answer)
        status = _score(record, problem, reads, ref, eps)
        record.timing["evaluate_ns"] = time.perf_counter_ns() - evaluate_start
        # Only when asked (``qseg solve --baseline --out`` decodes it): built from the arrays,
        # never through per-label dicts.
        sampleset = (dimod.SampleSet.from_samples((reads.states, list(reads.labels)), dimod.BINARY,
                                                  energy=reads.energy) if keep_sampleset else None)
    except InfeasibleModelError as exc:
        return _kept(_finish(record, started, Status.INFEASIBLE_MODEL, str(exc)), None, keep_sampleset)
    except Exception as exc:  # noqa: BLE001 - a failing baseline is a record like a failing backend
        return _kept(_finish(record, started, Status.ERROR, _failure(exc)), None, keep_sampleset)
    return _kept(_finish(record, started, status), sampleset, keep_sampleset)


def _merged_params(params: Mapping[str, Any] | None, keywords: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``params`` and the keyword parameters as one mapping; a key given both ways is
    BadInputError (the two could disagree)."""
    merged = dict(params or {})
    for key, value in keywords.items():
        if key in merged:
            raise BadInputError(f"param {key}", value, "given both in params= and as a keyword")
        merged[key] = value
    return merged


@overload
def _kept(record: Record, sampleset: dimod.SampleSet | None, keep: Literal[False]) -> Record: ...
@overload
def _kept(record: Record, sampleset: dimod.SampleSet | None, keep: bool) -> Record | tuple[Record, dimod.SampleSet | None]: ...
def _kept(record: Record, sampleset: dimod.SampleSet | None, keep: bool) -> Record | tuple[Record, dimod.SampleSet | None]:
    return (record, sampleset) if keep else record


def _check_call(*, reference: Any, penalties: Any, eps: Any, repeat: Any, params: Any) -> None:
    """Raise BadInputError naming the first of solve's own arguments that is unusable: a
    reference that is not True/False or an exact backend's name, ``penalties`` or ``params`` that
    are not mappings, an ``eps`` that is not a finite number >= 0, a ``repeat`` that is not a whole
    number >= 0 (each checked before anything is built, so no bad value becomes a record)."""
    if isinstance(reference, str):
        try:
            exact = load_backend(reference).exact
        except UnknownNameError as exc:
            raise UnknownNameError("reference", reference, exc.known) from None
        if not exact:
            raise BadInputError("reference", reference, "the reference backend must be exact (e.g. cbc, highs)")
    elif not isinstance(reference, bool):
        raise BadInputError("reference", reference, "expected True, False or an exact backend's name")
    for field, value in (("penalties", penalties), ("params", params)):
        if value is not None and not isinstance(value, Mapping):
            raise BadInputError(field, value, "expected a mapping of names to values")
    if isinstance(eps, bool) or not isinstance(eps, int | float | np.floating) or not np.isfinite(eps) or eps < 0:
        raise BadInputError("eps", eps, "must be a finite number >= 0")
    if isinstance(repeat, bool) or not isinstance(repeat, int | np.integer) or not 0 <= repeat < 2**31:
        raise BadInputError("repeat", repeat, "must be a whole number in 0..2**31 - 1")


def _stopped_without_solution(record: Record, resolved: Mapping[str, Any]) -> str:
    """Return the message of an exact solver's cell that stopped before any solution."""
    limit = resolved.get("time_limit")
    within = f" within time_limit={limit:g} s" if isinstance(limit, int | float) else ""
    return f"{record.backend} found no solution{within} and proved nothing (not infeasible: stopped early)"


def _failure(exc: BaseException) -> str:
    """Return a one-line message for an unexpected failure: type, message and where it arose."""
    if isinstance(exc, (SolverError, BadInputError)):
        return str(exc)
    tail = traceback.format_exception(exc, limit=-2)
    where = next((line.strip().splitlines()[0] for line in reversed(tail) if line.strip().startswith("File")), "")
    return f"{type(exc).__name__}: {exc}" + (f" [{where}]" if where else "")


def _natural(problem: Problem, minimised: float) -> float:
    """Return a minimisation objective in the problem's natural sense: the Record's boundary."""
    return float(problem.natural(minimised))


def _reference(record: Record, problem: Problem, reference: bool | str) -> Reference | None:
    """Return the reference (minimisation sense) the cell is scored against, recording it, or
    None when none was asked for and the problem has no published optimum."""
    if not reference and problem.best_known is None:
        return None
    start = time.perf_counter_ns()
    backend = reference if isinstance(reference, str) else DEFAULT_REFERENCE_BACKEND
    try:
        ref = reference_for(problem, backend)
    except ModelTooLargeError as exc:
        # The solve still reports its own result; the record says why it has no reference.
        record.timing["reference_ns"] = time.perf_counter_ns() - start
        record.details["reference_refused"] = exc.reason
        return None
    record.timing["reference_ns"] = time.perf_counter_ns() - start
    record.reference = _natural(problem, ref.minimised)
    record.reference_source, record.reference_proven = ref.source, ref.proven
    return ref


def _as_bqm(model: Any) -> dimod.BinaryQuadraticModel | None:
    return model if isinstance(model, dimod.BinaryQuadraticModel) else None


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


def _solver_facts(record: Record, problem: Problem, sampleset: dimod.SampleSet) -> str:
    """Copy the backend's declared solver facts (``SolverInfo``) into the record; return why the
    model is proven infeasible when the backend proved it, else ""."""
    # Keys and types are SolverInfo's (the conformance suite holds every backend to it).
    info: Mapping[str, Any] = sampleset.info
    if info.get(keys.MIP_STATUS) == keys.MIP_INFEASIBLE:
        return f"{problem.name} {problem.instance}: {record.backend} proved the model infeasible"
    bound = info.get(keys.BOUND)
    if bound is not None:
        record.bound = _natural(problem, float(bound))
    if keys.MIP_GAP in info:
        record.mip_gap = info[keys.MIP_GAP]
        record.add_details({"mip_status": info.get(keys.MIP_STATUS)})
    embedding = info.get(keys.EMBEDDING)
    if embedding:
        record.physical_qubits = embedding[keys.PHYSICAL_QUBITS]
        record.max_chain_length = embedding[keys.MAX_CHAIN_LENGTH]
        record.mean_chain_length = embedding[keys.MEAN_CHAIN_LENGTH]
        record.chain_break_fraction = embedding[keys.CHAIN_BREAK_FRACTION]
        record.add_details({"embedding": cast(EmbeddingDetails, {k: embedding[k] for k in _EMBEDDING_DETAIL_KEYS
                                                                 if k in embedding})})
        record.timing_simulated = bool(info.get(keys.TIMING_SIMULATED, False))
    # _DETAIL_KEYS are SolverDetails keys of SolverInfo's types (tests/solving/test_record_details.py)
    record.add_details(cast(SolverDetails, {key: info[key] for key in _DETAIL_KEYS if info.get(key) is not None}))
    if keys.SHOTS in info:
        record.reps, record.shots = info.get(keys.REPS), info[keys.SHOTS]
        record.add_details({"qaoa": info.get(keys.QAOA)})
    return ""


@dataclass(frozen=True)
class _Best:
    """The best feasible read of a set of reads, minimisation sense."""

    row: int | None
    minimised: float | None


def _best(minimised: metrics.FloatArray, reads: ReadEvaluations) -> _Best:
    row = metrics.best_feasible(minimised, reads.feasible)
    return _Best(row, None if row is None else float(minimised[row]))


def _score(
    record: Record, problem: Problem, raw: ReadEvaluations, ref: Reference | None, eps: float, *,
    polish: bool = False, bqm: dimod.BinaryQuadraticModel | None = None,
) -> Status:
    """Fill the quality metrics from every read and return the cell status. With ``polish`` the
    metrics describe the polished reads, while ``gap_raw`` and ``details["raw"]`` keep what the
    sampler itself achieved; with a ``bqm`` the formulation gap and (for shot-based backends) the
    random control are filled too."""
    reads, polished = raw, None
    reference_min = None if ref is None else ref.minimised
    if polish:
        raw_best = _best(raw.minimised, raw)
        polish_start = time.perf_counter_ns()
        reads = polished = problem.polish_reads(raw)
        record.timing["polish_ns"] = time.perf_counter_ns() - polish_start
        record.polished = True
        record.add_details({"raw": {
            "objective": None if raw_best.minimised is None else _natural(problem, raw_best.minimised),
            "feasible_fraction": metrics.weighted_fraction(raw.feasible, raw.num_occurrences),
        }})
        if raw_best.minimised is not None and reference_min is not None:
            record.gap_raw = metrics.gap(raw_best.minimised, reference_min)
    occurrences = reads.num_occurrences
    record.num_reads = int(occurrences.sum())
    record.feasible_fraction = metrics.weighted_fraction(reads.feasible, occurrences)
    minimised = reads.minimised
    best = _best(minimised, reads)
    if bqm is not None and reference_min is not None and len(raw.energy):
        _formulation_facts(record, problem, bqm, raw, polished, reference_min, eps)
    if best.row is None or best.minimised is None:
        record.feasible = False
        record.violation_max = float(reads.violation_max.min()) if len(reads.violation_max) else None
        record.success_probability = 0.0 if reference_min is not None else None
        return Status.INFEASIBLE
    record.feasible, record.violation_max = True, float(reads.violation_max[best.row])
    record.objective = _natural(problem, best.minimised)
    # the answer's facts (spend, medoids, ...): the open part of details
    record.details.update(problem.read_details(reads, best.row))
    if reference_min is None:
        return Status.OK
    if record.shots is not None:
        ratios = metrics.approximation_ratios(minimised, reads.feasible, occurrences, best.row, reference_min)
        if ratios is not None:
            record.approximation_ratio_best, record.approximation_ratio_mean = ratios
    record.gap = metrics.gap(best.minimised, reference_min)
    if not polish:
        record.gap_raw = record.gap
    lowest = int(np.argmin(reads.energy))
    if reads.feasible[lowest]:
        record.gap_lowest_energy = metrics.gap(float(minimised[lowest]), reference_min)
    probability = metrics.success_probability(minimised, reads.feasible, occurrences, reference_min, eps)
    record.success_probability = probability
    basis_ns = metrics.tts_basis_ns(record.timing, record.tts_basis or "wall_ns", record.timing.get("polish_ns", 0))
    record.tts99_s = metrics.tts99(basis_ns / 1e9 / max(record.num_reads, 1), probability)
    return Status.OK


def _formulation_facts(record: Record, problem: Problem, bqm: dimod.BinaryQuadraticModel, raw: ReadEvaluations,
                       polished: ReadEvaluations | None, reference_min: float, eps: float) -> None:
    """Record what the QUBO itself allows (``formulation_gap``) and, for shot-based backends, what
    uniformly random bitstrings achieve at the same shot count (``details.random_control``)."""
    if record.shots is not None:
        variables = list(bqm.variables)

        def score(states: np.ndarray) -> tuple[metrics.FloatArray, metrics.BoolArray]:
            evaluated = problem.reads_of_states(states, variables, np.zeros(len(states)),
                                                np.ones(len(states), dtype=np.int64))
            return evaluated.minimised, evaluated.feasible

        record.add_details({"random_control": metrics.random_control(score, len(variables), record.shots, reference_min,
                                                                     eps)})
    best_known = problem.qubo_best_known(bqm, raw, polished)
    if best_known is not None:
        record.formulation_gap = metrics.gap(best_known, reference_min)


def _finish(record: Record, started: int, status: Status, message: str | None = None) -> Record:
    record.status = status
    record.message = message
    record.timing["total_ns"] = time.perf_counter_ns() - started
    return record
