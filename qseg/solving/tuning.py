"""Automatic penalty tuning (docs/architecture.md §4, §7): re-solve with larger penalty weights while no read
is feasible, then search back down.

The first solve uses the formulation's own rule. While no read is feasible, the weights that
enforce the constraints the lowest-energy read violates (``Problem.scaled_penalties``; every
weight when the formulation has one) are multiplied by ``RAISE_FACTOR``, at most ``MAX_RAISES``
times (docs/architecture.md §7's ×10, five times). Once a raise is feasible, ``REFINE_STEPS`` bisections (the
geometric mean, per weight, of the last infeasible and the first feasible weights) look for a
smaller feasible weight: a weight just large enough distorts the objective least, so its best
read is often better. The record reports the feasible attempt with the best objective (the last
attempt when none is feasible); every attempt is listed in ``Record.penalty_tuning`` and its time
counts in the record's timing, ``wall_s`` and ``tts99_s``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import dimod
import numpy as np

from qseg import metrics
from qseg.errors import BadInputError
from qseg.problems import Problem
from qseg.problems.base import FEASIBILITY_TOLERANCE
from qseg.record import Record, Status, TuningAttempt

RAISE_FACTOR = 10.0
MAX_RAISES = 5
REFINE_STEPS = 2
# The most solves one tuned cell submits: the first, every raise, every bisection (the spend
# guard multiplies a tuned cell's estimate by it).
MAX_ATTEMPTS = 1 + MAX_RAISES + REFINE_STEPS


def solves_per_cell(penalty_tuning: bool) -> int:
    """Return the most solves a cell submits: ``MAX_ATTEMPTS`` with penalty tuning, else 1."""
    return MAX_ATTEMPTS if penalty_tuning else 1

Attempt = tuple[Record, dimod.SampleSet | None]
Solver = Callable[[dict[str, float]], Attempt]


def check_tunable(problem: Problem, formulation: str) -> None:
    """Return None when ``formulation`` of ``problem`` declares tunable penalty weights, else
    raise BadInputError naming ``penalty_tuning``."""
    if not problem.penalty_weights.get(formulation):
        raise BadInputError("penalty_tuning", True, f"{problem.name} {formulation} has no tunable penalty weight")


def tuning_flag(value: Any) -> bool:
    """Return ``value`` (a bool, or ``true``/``false``/``1``/``0`` as text) as a bool, or raise
    BadInputError naming ``penalty_tuning``."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise BadInputError("penalty_tuning", value, "expected true or false")


def violated_constraints(problem: Problem, sampleset: dimod.SampleSet) -> list[str]:
    """Return the CQM constraint labels the lowest-energy read of ``sampleset`` violates."""
    reads = problem.evaluate_reads(sampleset)
    if not len(reads.energy):
        return []
    row = int(np.argmin(reads.energy))
    evaluation = problem.evaluate(dict(zip(reads.labels, reads.states[row].tolist(), strict=True)))
    return sorted(label for label, value in evaluation.violations.items() if value > FEASIBILITY_TOLERANCE)


def tune(problem: Problem, formulation: str, options: Mapping[str, Any], solve: Solver) -> Attempt:
    """Return the record (and SampleSet) of the attempt tuning chose, ``solve`` mapping penalty
    options to one solve's (Record, SampleSet); the record lists every attempt and its time
    includes them all."""
    runs: list[tuple[float, list[str], list[str], Attempt]] = []

    def run(factor: float, chosen: dict[str, float], scaled: list[str]) -> Attempt:
        attempt = solve(chosen)
        record, sampleset = attempt
        violated = [] if record.feasible or sampleset is None else violated_constraints(problem, sampleset)
        runs.append((factor, scaled, violated, attempt))
        return attempt

    current: dict[str, float] = {key: float(value) for key, value in options.items()}
    record, sampleset = run(1.0, current, [])
    factor, infeasible_options, infeasible_factor = 1.0, current, 1.0
    for _ in range(MAX_RAISES):
        if record.feasible or record.status != Status.INFEASIBLE or sampleset is None or record.penalties is None:
            break
        infeasible_options, infeasible_factor = current, factor
        current, scaled = problem.scaled_penalties(formulation, record.penalties, current, runs[-1][2], RAISE_FACTOR)
        factor *= RAISE_FACTOR
        record, sampleset = run(factor, current, scaled)
    if record.feasible and len(runs) > 1:
        low, high, low_factor, high_factor = infeasible_options, current, infeasible_factor, factor
        for _ in range(REFINE_STEPS):
            middle = {key: math.sqrt(low.get(key, value) * value) for key, value in high.items()}
            middle_factor = math.sqrt(low_factor * high_factor)
            changed = sorted(key for key in middle if not math.isclose(middle[key], high[key]))
            attempt = run(middle_factor, middle, changed)
            if attempt[0].feasible:
                high, high_factor = middle, middle_factor
            else:
                low, low_factor = middle, middle_factor
    return _combined(problem, runs)


def _basis_ns(record: Record) -> int:
    if "wall_ns" not in record.timing:
        return 0
    return metrics.tts_basis_ns(record.timing, record.tts_basis or "wall_ns", record.timing.get("polish_ns", 0))


def _combined(problem: Problem, runs: list[tuple[float, list[str], list[str], Attempt]]) -> Attempt:
    """Return the chosen attempt's record with every attempt listed and timed in."""
    feasible = [i for i, run in enumerate(runs) if run[3][0].feasible and run[3][0].objective is not None]
    chosen = min(feasible, key=lambda i: problem.minimised(float(runs[i][3][0].objective or 0.0))) if feasible \
        else len(runs) - 1
    record, sampleset = runs[chosen][3]
    combined = dataclasses.replace(record, timing={}, details=dict(record.details), params=dict(record.params))
    attempts: list[TuningAttempt] = []
    for index, (factor, scaled, violated, (attempt, _)) in enumerate(runs):
        for key, value in attempt.timing.items():
            combined.timing[key] = combined.timing.get(key, 0) + int(value)
        attempts.append({
            "factor": factor, "scaled": scaled, "penalties": dict(attempt.penalties or {}),
            "feasible": bool(attempt.feasible), "feasible_fraction": attempt.feasible_fraction,
            "objective": attempt.objective, "violated": violated, "wall_ns": int(attempt.timing.get("wall_ns", 0)),
            "basis_ns": _basis_ns(attempt), "chosen": index == chosen,
        })
    combined.penalty_tuning = attempts
    if "wall_ns" in combined.timing:
        combined.wall_s = combined.timing["wall_ns"] / 1e9
    overhead_ns = sum(a["basis_ns"] for a in attempts if not a["chosen"])
    if record.tts99_s is not None:
        # Finding the weights is paid once; repeating the chosen setting to 99 % is what TTS99 adds.
        combined.tts99_s = record.tts99_s + overhead_ns / 1e9
    return combined, sampleset
