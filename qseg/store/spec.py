"""What defines a cell's result, as typed values: ``InstanceSpec``, ``CellSpec``, ``RunSettings``.

A suite expands into ``CellSpec`` values; each travels suite → runner → worker → record → store
as one object (``to_json``/``from_json`` across process boundaries). Its ``key`` hashes only what
defines the result: the instance, the resolved formulation, the backend with its *resolved*
parameters (defaults filled in, the solver seed derived), penalties, polish, repeat and the
reference backend (hashed under its schema-2 name ``reference``, so a cell keeps its key), and
``penalty_tuning`` only when it is on (a cell without tuning keeps the key it had before the
option existed). Run settings that do not define a cell (``timeout_s``, workers) and those that
only change how results are scored (``eps``) live in ``RunSettings``, stored once in ``run.json``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypedDict

KEY_LENGTH = 20
BASELINE_PREFIX = "baseline:"
BASELINE_FORMULATION = "native"
NO_REFERENCE = "none"


def _canonical(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str, allow_nan=False)


def content_hash(payload: Any, length: int = KEY_LENGTH) -> str:
    """Return the hex SHA-256 prefix of ``payload`` as canonical JSON (sorted keys, no NaN)."""
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()[:length]


class InstanceJSON(TypedDict):
    """``InstanceSpec.to_json()``."""

    problem: str
    data: str | None
    size: int | None
    seed: int
    params: dict[str, Any]


@dataclass(frozen=True)
class InstanceSpec:
    """One problem instance as the API builds it: ``qseg.problem(problem, size=, seed=, data=,
    **params)``."""

    problem: str
    data: str | None
    size: int | None
    seed: int
    params: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def key(self) -> str:
        """Return the hash that identifies this instance (same inputs, same problem)."""
        return content_hash(self.to_json())

    def to_json(self) -> InstanceJSON:
        """Return the instance as JSON-ready data."""
        return {"problem": self.problem, "data": self.data, "size": self.size, "seed": self.seed,
                "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InstanceSpec:
        """Return the instance ``to_json`` described."""
        return cls(problem=data["problem"], data=data["data"], size=data["size"], seed=data["seed"],
                   params=dict(data["params"]))

    @property
    def label(self) -> str:
        """Return a short human description: problem, data or size, seed."""
        where = self.data or f"n={self.size}"
        return f"{self.problem} {where} seed={self.seed}"


@dataclass(frozen=True)
class InstanceMeta:
    """Facts derived from the built problem, kept so a cell that never produced a record of its
    own (timeout, crash) can still be labelled. Not part of any key."""

    instance: str
    sense: str
    size: int


@dataclass(frozen=True)
class CellSpec:
    """One unit of work: an instance, a resolved formulation, a backend with resolved parameters,
    penalties, polish, automatic penalty tuning, a repeat index and the exact backend that computes
    the reference (``reference_backend``; ``none`` for no reference). ``sweep`` names the parameter
    values this cell got from a suite grid (a reporting label: the values are already in ``params``)."""

    instance: InstanceSpec
    formulation: str
    backend: str
    params: Mapping[str, Any]
    penalties: Mapping[str, Any]
    polish: bool
    repeat: int
    reference_backend: str
    sweep: Mapping[str, Any] = field(default_factory=dict)
    meta: InstanceMeta | None = None
    penalty_tuning: bool = False

    @property
    def is_baseline(self) -> bool:
        """Return True for a problem-native baseline (``baseline:NAME``)."""
        return self.backend.startswith(BASELINE_PREFIX)

    @property
    def baseline(self) -> str:
        """Return the baseline's name (``greedy`` for ``baseline:greedy``)."""
        return self.backend.removeprefix(BASELINE_PREFIX)

    def defining(self) -> dict[str, Any]:
        """Return exactly what defines the cell's result (what ``key`` hashes)."""
        defining = {"instance": self.instance.to_json(), "formulation": self.formulation, "backend": self.backend,
                    "params": dict(self.params), "penalties": dict(self.penalties), "polish": self.polish,
                    "repeat": self.repeat,
                    # schema 2's name for the field: renaming it must not change any cell's key
                    "reference": self.reference_backend}
        if self.penalty_tuning:
            defining["penalty_tuning"] = True
        return defining

    @cached_property
    def key(self) -> str:
        """Return the hash of what defines the result; run settings never enter it."""
        return content_hash(self.defining())

    @property
    def label(self) -> str:
        """Return a short human description of the cell."""
        sweep = "".join(f" {k}={v}" for k, v in sorted(self.sweep.items()))
        return f"{self.instance.label} {self.backend}/{self.formulation}{sweep} r{self.repeat}"

    def to_json(self) -> dict[str, Any]:
        """Return the cell as JSON-ready data (what the store keeps as a record's ``spec``):
        every field, the instance and its meta as nested objects."""
        # Built field by field: ``dataclasses.asdict`` deep-copies every value, and the report
        # writes every stored cell through here.
        meta = self.meta
        return {"instance": self.instance.to_json(), "formulation": self.formulation, "backend": self.backend,
                "params": dict(self.params), "penalties": dict(self.penalties), "polish": self.polish,
                "repeat": self.repeat, "reference_backend": self.reference_backend, "sweep": dict(self.sweep),
                "meta": None if meta is None else {"instance": meta.instance, "sense": meta.sense, "size": meta.size},
                "penalty_tuning": self.penalty_tuning}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CellSpec:
        """Return the cell ``to_json`` described (schema 3, or schema 2, which called
        ``reference_backend`` ``reference``)."""
        meta = data.get("meta")
        reference_backend = data["reference_backend"] if "reference_backend" in data else data["reference"]
        return cls(
            instance=InstanceSpec.from_json(data["instance"]), formulation=data["formulation"],
            backend=data["backend"], params=dict(data["params"]), penalties=dict(data["penalties"]),
            polish=bool(data["polish"]), repeat=int(data["repeat"]), reference_backend=reference_backend,
            sweep=dict(data.get("sweep") or {}), penalty_tuning=bool(data.get("penalty_tuning", False)),
            meta=None if meta is None else InstanceMeta(meta["instance"], meta["sense"], int(meta["size"])),
        )


class SettingsJSON(TypedDict):
    """``RunSettings.to_json()``, stored as ``run.json``'s ``settings``."""

    timeout_s: float
    eps: float


# Settings whose change alters what a finished cell's record would say: a resumed store refuses
# them. Every other setting (timeout_s) applies to the cells still to run.
SCORING_SETTINGS = ("eps",)


@dataclass(frozen=True)
class RunSettings:
    """How cells are run and scored, the same for every cell of a run."""

    timeout_s: float
    eps: float

    def __post_init__(self) -> None:
        for name in ("timeout_s", "eps"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"{name}={value!r}: expected a finite number")

    def to_json(self) -> SettingsJSON:
        """Return the settings as JSON-ready data."""
        return {"timeout_s": float(self.timeout_s), "eps": float(self.eps)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunSettings:
        """Return the settings ``to_json`` described."""
        return cls(timeout_s=float(data["timeout_s"]), eps=float(data["eps"]))

    def scoring_changes(self, stored: RunSettings) -> list[str]:
        """Return ``name: old -> new`` for every scoring setting that differs from ``stored``."""
        return [f"{name}: {getattr(stored, name)!r} -> {getattr(self, name)!r}"
                for name in SCORING_SETTINGS if getattr(stored, name) != getattr(self, name)]
