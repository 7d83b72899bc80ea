"""From a solve's Record (and its SampleSet) to the demo's table rows: the read shown, its gap to
the section's exact optimum, and the time it cost."""

from __future__ import annotations

from typing import Any

import dimod
import numpy as np

from qseg import metrics
from qseg.problems import Problem
from qseg.record import Record, Status

SA = "sa"


def sa_params(num_reads: int, num_sweeps: int) -> dict[str, int]:
    """Return the simulated-annealing parameters of a demo solve (the seed derives from the
    instance seed, so every run gives the same reads)."""
    return {"num_reads": num_reads, "num_sweeps": num_sweeps}


def shown_read(problem: Problem, sampleset: dimod.SampleSet | None) -> dict[Any, float] | None:
    """Return the read a figure shows: the best feasible read (true objective), else the
    lowest-energy read, as {CQM variable: value}; None without reads."""
    if sampleset is None or not len(sampleset):
        return None
    reads = problem.evaluate_reads(sampleset)
    row = metrics.best_feasible(reads.minimised, reads.feasible)
    if row is None:
        row = int(np.argmin(reads.energy))
    return dict(zip(reads.labels, reads.states[row].tolist(), strict=True))


def gap_to(problem: Problem, objective: float | None, optimum: float) -> float | None:
    """Return the relative gap of a natural-sense objective to the exact optimum (0 = optimal,
    > 0 worse), None without an objective."""
    if objective is None:
        return None
    return metrics.gap(problem.minimised(objective), problem.minimised(optimum))


def seconds(record: Record, *, without_polish: bool = False) -> float:
    """Return the record's whole time in seconds (build, solve, evaluation), without the polish
    when asked: the raw sampler's time of a polished solve."""
    total = record.timing.get("total_ns", 0)
    if without_polish:
        total -= record.timing.get("polish_ns", 0)
    return total / 1e9


def note(record: Record) -> str:
    """Return what a reader must know about a record that is not ``ok``: its status and message."""
    if record.status == Status.OK:
        return ""
    if record.status == Status.INFEASIBLE:
        return "no feasible read"
    return f"{record.status}: {record.message}" if record.message else str(record.status)


def raw_fraction(record: Record) -> float | None:
    """Return the share of feasible reads before the polish (the record's own when unpolished)."""
    raw = record.details.get("raw")
    return float(raw["feasible_fraction"]) if isinstance(raw, dict) else record.feasible_fraction


def raw_objective(record: Record) -> float | None:
    """Return the best feasible objective before the polish (the record's own when unpolished)."""
    raw = record.details.get("raw")
    if not isinstance(raw, dict):
        return record.objective
    return None if raw["objective"] is None else float(raw["objective"])
