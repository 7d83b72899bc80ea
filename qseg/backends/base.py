"""The Backend contract: one solver, its knobs declared as data, one result type (SampleSet)."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import dimod

from qseg.errors import BackendUnavailableError, BadInputError, ModelTooLargeError, UnknownNameError

MODEL_KINDS = ("bqm", "cqm", "nl")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class Parameter:
    """One backend knob: its type, default and allowed range, declared as data.

    ``default=None`` means "let the solver decide" (or, for ``seed``, "not seeded").
    """

    type: type
    default: Any
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] | None = None

    def coerce(self, name: str, value: Any) -> Any:
        """Return ``value`` converted to this parameter's type, or raise BadInputError naming it.

        Strings (from ``--param KEY=VALUE``) are parsed; native values are type-checked.
        """
        if value is None:
            return None
        field = f"param {name}"
        try:
            converted = self._convert(value)
        except (TypeError, ValueError):
            raise BadInputError(field, value, f"expected {self.type.__name__}") from None
        if self.choices is not None and converted not in self.choices:
            raise BadInputError(field, value, f"expected one of {', '.join(map(str, self.choices))}")
        if self.minimum is not None and converted < self.minimum:
            raise BadInputError(field, value, f"must be >= {self.minimum}")
        if self.maximum is not None and converted > self.maximum:
            raise BadInputError(field, value, f"must be <= {self.maximum}")
        return converted

    def _convert(self, value: Any) -> Any:
        if self.type is bool:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
                return value.lower() in _TRUE
            raise ValueError(value)
        if self.type is int:
            if isinstance(value, bool):
                raise TypeError(value)
            if isinstance(value, str):
                return int(value.strip())
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if self.type is float:
            if isinstance(value, bool):
                raise TypeError(value)
            converted = float(value)
            if converted != converted:  # NaN
                raise ValueError(value)
            return converted
        if self.type is str:
            if not isinstance(value, str):
                raise TypeError(value)
            return value
        return self.type(value)


class Backend(ABC):
    """A solver wrapped behind one contract.

    Subclasses declare, as class attributes: ``accepts`` (model kinds out of ``MODEL_KINDS``),
    ``parameters`` (name -> Parameter), ``max_variables`` (None = no limit), ``exact`` (proves
    optimality), ``seeded`` (a ``seed`` parameter makes the samples reproducible) and
    ``tts_basis`` (the ``info["timing"]`` field time-to-solution is computed from) and ``charges``
    (solving costs money: the spend guard asks ``estimate_charge_s`` first). They implement
    ``_solve``; callers use ``solve``, which validates first and adds ``info["timing"]["wall_ns"]``.
    """

    name: str = ""
    accepts: ClassVar[frozenset[str]] = frozenset()
    parameters: ClassVar[Mapping[str, Parameter]] = {}
    max_variables: ClassVar[int | None] = None
    exact: ClassVar[bool] = False
    seeded: ClassVar[bool] = False
    tts_basis: ClassVar[str] = "wall_ns"
    charges: ClassVar[bool] = False

    def __init__(self, name: str | None = None) -> None:
        if name is not None:
            # Registered under an alias (e.g. ``neal`` for ``sa``): the instance answers to it.
            self.name = name

    @property
    def canonical_name(self) -> str:
        """Return the class's own name, which differs from ``name`` for an alias."""
        return type(self).name

    def unavailable_reason(self) -> str:
        """Return "" when the backend can run here, else why not (missing package, no token)."""
        return ""

    def estimate_charge_s(self, model: Any, params: Mapping[str, Any]) -> float:
        """Return the estimated paid time (QPU access or hybrid charge, seconds) of one solve.

        0 for local solvers; backends with ``charges = True`` override it. Called before any
        submission, with resolved parameters, so that a suite's spend can be capped up front.
        """
        return 0.0

    def resolve_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Return every declared parameter with defaults filled in and values coerced.

        Raises UnknownNameError for a key the backend does not declare.
        """
        unknown = set(params) - set(self.parameters)
        if unknown:
            key = sorted(unknown)[0]
            raise UnknownNameError(f"{self.name} parameter", key, self.parameters)
        return {
            key: spec.coerce(key, params[key]) if key in params else spec.default
            for key, spec in self.parameters.items()
        }

    def limit_reason(self, model: Any, params: Mapping[str, Any]) -> str:
        """Return "" when ``model`` fits this backend's declared limits, else the reason."""
        limit = params.get("max_variables", self.max_variables)
        if limit is not None and num_variables(model) > limit:
            return f"{num_variables(model)} variables exceed max_variables={limit}"
        return ""

    def check(self, model: Any, params: Mapping[str, Any]) -> dict[str, Any]:
        """Validate everything cheap before solving; return the resolved parameters.

        Raises BackendUnavailableError, BadInputError (wrong model kind or parameter) or
        ModelTooLargeError, all before any heavy work.
        """
        reason = self.unavailable_reason()
        if reason:
            raise BackendUnavailableError(self.name, reason)
        kind = model_kind(model)
        if kind not in self.accepts:
            raise BadInputError(
                "model", kind, f"backend {self.name!r} accepts {', '.join(sorted(self.accepts))}"
            )
        resolved = self.resolve_params(params)
        too_large = self.limit_reason(model, resolved)
        if too_large:
            raise ModelTooLargeError(self.name, too_large)
        return resolved

    def solve(self, model: Any, **params: Any) -> dimod.SampleSet:
        """Solve ``model`` and return a SampleSet over exactly the model's variables.

        ``info["timing"]`` holds integer nanoseconds (``wall_ns`` always) and
        ``info["params"]`` the parameters actually used.
        """
        resolved = self.check(model, params)
        start = time.perf_counter_ns()
        sampleset = self._solve(model, resolved)
        wall_ns = time.perf_counter_ns() - start
        timing = dict(sampleset.info.get("timing") or {})
        timing["wall_ns"] = wall_ns
        sampleset.info["timing"] = {key: int(value) for key, value in timing.items()}
        sampleset.info["params"] = resolved
        return sampleset

    @abstractmethod
    def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
        """Run the solver on a validated model with resolved parameters; return its SampleSet."""

    def sampler(self, **defaults: Any) -> dimod.Sampler:
        """Return this backend as a ``dimod.Sampler`` so Ocean composites can wrap it.

        ``defaults`` are parameters applied to every call unless the call overrides them.
        """
        from qseg.backends.sampler import BackendSampler

        if "bqm" not in self.accepts:
            raise BadInputError("backend", self.name, "only backends that accept a BQM are samplers")
        return BackendSampler(self, **defaults)


def model_kind(model: Any) -> str:
    """Return "bqm", "cqm" or "nl" for a model, or raise BadInputError for anything else."""
    if isinstance(model, dimod.BinaryQuadraticModel):
        return "bqm"
    if isinstance(model, dimod.ConstrainedQuadraticModel):
        return "cqm"
    if type(model).__module__.startswith("dwave.optimization"):
        return "nl"
    raise BadInputError("model", type(model).__name__, "expected a dimod BQM or CQM, or a NL model")


def num_variables(model: Any) -> int:
    """Return the number of decision variables of a BQM, CQM or NL model (for a NL model, its
    indicator columns: a set over N elements counts N)."""
    if isinstance(model, (dimod.BinaryQuadraticModel, dimod.ConstrainedQuadraticModel)):
        return len(model.variables)
    from qseg.backends.nl import nl_variables

    return len(nl_variables(model))
