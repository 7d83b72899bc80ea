"""The Record: exactly the fields of ``qseg solve --json`` (docs/architecture.md §2, §5)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypedDict, cast

import numpy as np

from qseg.errors import BadInputError


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


class RawDetails(TypedDict):
    """``details["raw"]`` of a polished cell: what the sampler itself achieved before the polish
    (its best feasible objective, natural sense; its feasible share of reads)."""

    objective: float | None
    feasible_fraction: float


class RandomControlDetails(TypedDict):
    """``details["random_control"]`` of a shot-based cell: what uniformly random bitstrings
    achieve at its shot count (``qseg.metrics.random_control`` returns one)."""

    method: str
    success_probability_per_shot: float
    probability_in_shots: float
    shots: int


class EmbeddingDetails(TypedDict, total=False):
    """``details["embedding"]``: the embedding facts of ``SolverInfo``'s ``embedding`` that have
    no record column of their own."""

    chain_strength: float
    chain_strength_rule: str | None
    cached: bool
    target: str


class SolverDetails(TypedDict, total=False):
    """The closed part of ``Record.details``: what the solve itself adds, each key with its type.

    The solver's facts are copied from its ``SolverInfo`` (``qseg.backends.info``, same names and
    types; ``qaoa`` as the backend reported it); ``raw`` and ``random_control`` are measured by
    the solve. Every other key of ``details`` is the problem's own (its formulation's facts such
    as ``kappa``, and its answer's such as ``spend`` or ``medoid_ids``): that part is open.
    """

    mip_status: str | None
    embedding: EmbeddingDetails
    method: str
    route: dict[str, Any]
    substitute: str
    estimated_qpu_access_us: float
    timing_model: str
    time_limit_s: float
    problem_id: str | None
    extra: dict[str, Any]
    qaoa: dict[str, Any] | None
    raw: RawDetails
    random_control: RandomControlDetails


SOLVER_DETAIL_KEYS = frozenset(SolverDetails.__optional_keys__ | SolverDetails.__required_keys__)


@dataclass
class Record:
    """One solved cell. Fields that do not apply are None; objectives are in the natural sense
    named by ``sense``; ``gap`` is on the minimisation objective (>= 0 worse, 0 optimal).
    ``penalty_tuning`` lists every solve of automatic penalty tuning (None when it was off); the
    timing, ``wall_s`` and ``tts99_s`` then include every attempt. ``details`` is one flat JSON
    object: a closed part (``SolverDetails``, written through ``add_details`` and read through
    ``solver_details``) and an open one, the problem's own facts (``problem_details``)."""

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

    def add_details(self, details: SolverDetails) -> None:
        """Add facts of the closed part of ``details`` (their keys and types are checked)."""
        self.details.update(details)

    def solver_details(self) -> SolverDetails:
        """Return the closed part of ``details``: the keys ``SolverDetails`` declares."""
        return cast(SolverDetails, {key: value for key, value in self.details.items() if key in SOLVER_DETAIL_KEYS})

    def problem_details(self) -> dict[str, Any]:
        """Return the open part of ``details``: the problem's own facts (every other key)."""
        return {key: value for key, value in self.details.items() if key not in SOLVER_DETAIL_KEYS}

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-ready data (numpy scalars converted, NaN as None)."""
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        """Return the record ``to_dict`` described (keys that are no Record field are ignored;
        an optional field missing takes its default, so older layouts read).

        Raises BadInputError (field ``record``) when a required field is missing or the status
        is not one of ``STATUSES``.
        """
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            if item.name in data and not (data[item.name] is None and item.name in _NEVER_NONE):
                values[item.name] = data[item.name]
            elif item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
                raise BadInputError("record", item.name, "a required field is missing")
        try:
            values["status"] = Status(values["status"])
        except ValueError:
            raise BadInputError("record status", values["status"], f"expected one of {', '.join(STATUSES)}") from None
        return cls(**values)


# Mappings a record always has (empty rather than None), whatever a stored line says.
_NEVER_NONE = frozenset({"timing", "params", "details"})


def record_fields() -> list[str]:
    """Return the names of every Record field, in order."""
    return [f.name for f in dataclasses.fields(Record)]


_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> Any:
    if type(value) in _PLAIN_TYPES:  # most values, and exactly these types (a StrEnum is converted below)
        return value
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
