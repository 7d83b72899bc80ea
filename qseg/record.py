"""The Record: exactly the fields of ``qseg solve --json`` (docs/architecture.md §2, §5)."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypedDict

import numpy as np


class Status(StrEnum):
    """A cell's outcome. ``infeasible``: no read was feasible; ``infeasible_model``: the model
    itself was proven infeasible (by the exact reference or an exact backend)."""

    OK = "ok"
    INFEASIBLE = "infeasible"
    INFEASIBLE_MODEL = "infeasible_model"
    TIMEOUT = "timeout"
    ERROR = "error"
    SKIPPED = "skipped"


STATUSES = tuple(status.value for status in Status)


class TuningAttempt(TypedDict):
    """One solve of automatic penalty tuning (``Record.penalty_tuning``, in the order run).

    ``factor``: the scaled weights' multiple of the rule's values; ``scaled``: the penalty options
    scaled (empty for the first solve, at the rule's weights); ``violated``: the constraints the
    lowest-energy read broke when no read was feasible; ``penalties``: the weights the build used;
    ``wall_ns`` and ``basis_ns`` (the TTS time basis, polish included): what the solve cost;
    ``chosen``: whether the record reports this attempt's reads."""

    factor: float
    scaled: list[str]
    penalties: dict[str, float]
    feasible: bool
    feasible_fraction: float | None
    objective: float | None
    violated: list[str]
    wall_ns: int
    basis_ns: int
    chosen: bool


@dataclass
class Record:
    """One solved cell. Fields that do not apply are None; objectives are in the natural sense
    named by ``sense``; ``gap`` is on the minimisation objective (>= 0 worse, 0 optimal).
    ``penalty_tuning`` lists every solve of automatic penalty tuning (None when it was off); the
    timing, ``wall_s`` and ``tts99_s`` then include every attempt."""

    problem: str
    instance: str
    formulation: str
    backend: str
    size: int
    seed: int | None
    status: Status
    sense: str
    message: str | None = None
    num_variables: int | None = None
    num_interactions: int | None = None
    num_constraints: int | None = None
    num_reads: int | None = None
    objective: float | None = None
    reference: float | None = None
    reference_source: str | None = None
    reference_proven: bool | None = None
    gap: float | None = None
    gap_raw: float | None = None
    gap_lowest_energy: float | None = None
    feasible: bool | None = None
    feasible_fraction: float | None = None
    violation_max: float | None = None
    success_probability: float | None = None
    eps: float | None = None
    tts99_s: float | None = None
    tts_basis: str | None = None
    wall_s: float | None = None
    timing: dict[str, int] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    penalties: dict[str, float] | None = None
    penalty_tuning: list[TuningAttempt] | None = None
    polished: bool = False
    bound: float | None = None
    mip_gap: float | None = None
    formulation_gap: float | None = None
    physical_qubits: int | None = None
    max_chain_length: int | None = None
    mean_chain_length: float | None = None
    chain_break_fraction: float | None = None
    timing_simulated: bool | None = None
    reps: int | None = None
    shots: int | None = None
    approximation_ratio_best: float | None = None
    approximation_ratio_mean: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-ready data (numpy scalars converted, NaN as None)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


def record_fields() -> list[str]:
    """Return the names of every Record field, in order."""
    return [f.name for f in dataclasses.fields(Record)]


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
