"""The Backend contract: one solver, its knobs declared as data, one result type (SampleSet)."""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import dimod

from qseg.backends.sampler import BackendSampler
from qseg.environment import memory_refusal
from qseg.errors import BackendUnavailableError, BadInputError, ModelTooLargeError, UnknownNameError

MODEL_KINDS = ("bqm", "cqm", "nl")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
INT_LIMIT = 2**63  # numpy's int64 and every solver's C long: a larger int is no count or seed


# A solve estimated to run longer than this is refused: no size knob is meant to ask for a week.
MAX_WORK_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class WorkEstimate:
    """What a solve would need, from its size knobs and the model's variable count: ``bytes`` of
    memory and ``seconds`` of work (a lower bound at a generous rate: only what cannot fit is
    refused), ``knob`` the parameter that drives them and ``what`` the arithmetic in words."""

    bytes: int
    seconds: float
    knob: str
    what: str


@dataclass(frozen=True)
class Parameter:
    """One backend knob: its type, default and allowed range, declared as data.

    ``default=None`` means "let the solver decide" (or, for ``seed``, "not seeded"). With
    ``exclusive_minimum`` the value must be above ``minimum`` (a time limit of 0 is no limit a
    solver can honour). A float is always finite (NaN and infinity are refused: ``None`` is how
    to ask for no limit) and an int below 2**63.
    """

    type: type
    default: Any
    doc: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] | None = None
    exclusive_minimum: bool = False

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
            finite = "a finite " if self.type is float else ""
            raise BadInputError(field, value, f"expected {finite}{self.type.__name__}") from None
        if self.choices is not None and converted not in self.choices:
            raise BadInputError(field, value, f"expected one of {', '.join(map(str, self.choices))}")
        if self.minimum is not None and self.exclusive_minimum and converted <= self.minimum:
            raise BadInputError(field, value, f"must be > {self.minimum}")
        if self.minimum is not None and converted < self.minimum:
            raise BadInputError(field, value, f"must be >= {self.minimum}")
        if self.maximum is not None and converted > self.maximum:
            raise BadInputError(field, value, f"must be <= {self.maximum}")
        if self.type is int and abs(converted) >= INT_LIMIT:
            raise BadInputError(field, value, "must be below 2**63 in magnitude")
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
            if not math.isfinite(converted):  # NaN passes every range check; infinity is no limit
                raise ValueError(value)
            return converted
        if self.type is str:
            if not isinstance(value, str):
                raise TypeError(value)
            return value
        return self.type(value)


class Backend(ABC):
    """A solver wrapped behind one contract. This docstring is the guide to writing one.

    **Registering.** A backend is a ``Backend`` subclass in any importable module, registered in
    the distribution's metadata under the entry-point group ``qseg.backends``; the entry-point
    name is the backend's name (``pyproject.toml``: ``[project.entry-points."qseg.backends"]``,
    ``my-solver = "my_pkg.backend:MySolver"``). Several names may point at one class (an
    alias); the instance then answers to the alias (``name``) and ``canonical_name`` is the
    class's own. Import heavy solver stacks inside methods, never at module level: listing
    backends must stay cheap and must work when the stack is missing.

    **Class attributes** (declared as data, read without solving):

    - ``name``: the backend's canonical name (``str``, as registered).
    - ``accepts``: ``frozenset`` of model kinds out of ``MODEL_KINDS``: ``"bqm"``
      (``dimod.BinaryQuadraticModel``), ``"cqm"`` (``dimod.ConstrainedQuadraticModel``), ``"nl"``
      (a locked ``dwave.optimization.Model``). Other kinds are refused before ``_solve``.
    - ``parameters``: ``{name: Parameter(type, default, doc, minimum, maximum, choices)}``, every
      knob the backend takes. ``type`` is ``int``, ``float``, ``bool`` or ``str``; ``default=None``
      means "the solver decides" (for ``seed``: not seeded). Callers may pass strings
      (``--param reads=5``); ``Parameter.coerce`` parses and range-checks them. Unknown keys are
      refused. A ``max_variables`` parameter, if declared, overrides the class limit per call.
    - ``max_variables``: ``int`` or ``None`` (no limit). Larger models raise
      ``ModelTooLargeError`` before any solving (``variables_reason(count, params)``; override
      it for other limits that depend on the size, e.g. memory, and return the reason as text,
      "" when the model fits: the harness asks it before building a QUBO whose size the problem
      knows; override ``limit_reason(model, params)`` for limits that need the model itself).
    - ``exact``: ``True`` only when the backend proves optimality; the conformance suite then
      checks it reaches the brute-force optimum, and the harness may use it as a reference.
    - ``seeded``: ``True`` when a ``seed`` parameter (which must be declared) makes the samples
      reproducible: the same seed must give the same samples.
    - ``tts_basis``: the ``info["timing"]`` key time-to-solution is computed from (default
      ``"wall_ns"``; ``"sampling_ns"`` for local samplers, ``"qpu_access_ns"`` for a QPU,
      ``"run_time_ns"`` for cloud hybrids, ``"run_ns"`` for QAOA). It must be present in every
      result's timing.
    - ``charges``: ``True`` when a solve costs money; the harness's spend guard then calls
      ``estimate_charge_s(model, params)`` (seconds of paid time, with resolved parameters,
      before submitting anything) and skips cells over the suite's budget. Local solvers keep
      the default ``False`` and the inherited estimate of 0.

    **Methods to implement or override.**

    - ``_solve(model, params) -> dimod.SampleSet`` (required): ``model`` is of an accepted kind
      and within the limits, ``params`` holds every declared parameter, resolved (defaults filled
      in, values coerced). Return a ``dimod.SampleSet`` over exactly the model's variables (a NL
      model: its indicator columns, see ``qseg.backends.nl``), at least one read, finite energies,
      ``num_occurrences`` summing to ``num_reads`` when that parameter exists, and an ``info``
      that conforms to ``SolverInfo`` (below). Translate solver errors into qseg's errors
      (``SolverError``, ``BadInputError``) with ``raise ... from exc``.
    - ``unavailable_reason() -> str``: "" when the backend can run here, else why not (missing
      package with the pip command, no API token and where to set it). Must be cheap and never
      raise; ``solve`` raises ``BackendUnavailableError`` with this reason and the harness
      records the cell as skipped.
    - ``estimate_charge_s`` (for ``charges = True``), ``resolve_params`` (for parameters that
      depend on each other: call ``super()`` and raise ``BadInputError`` naming the parameter),
      ``variables_reason`` / ``limit_reason`` (see ``max_variables``), ``work_estimate`` (for size
      knobs such as reads, sweeps, shots or layers: the memory and time a solve of ``count``
      variables needs; ``check_work`` refuses, naming the knob, what cannot fit before anything
      is allocated, and the harness asks it for every cell before running any).

    Callers use ``solve(model, **params)``, never ``_solve``: it checks availability, model
    kind, parameters and limits (all before heavy work), times the call and fills ``info``.

    **SampleSet.info (``qseg.backends.SolverInfo``).** A closed set of keys, each with a declared
    type (``qseg.backends.info`` has the full list with units; ``solver_info_problems(info)``
    says what is wrong and the conformance suite fails a backend on any problem). Use Python
    types: ``int(...)``/``float(...)``/``bool(...)`` numpy scalars first; ``None`` only where the
    key is declared Optional. Return only what applies:

    - ``timing`` (always): integer nanoseconds, ``*_ns`` keys of ``TimingInfo``. ``solve``
      measures ``wall_ns`` itself (the whole ``_solve`` call) and overwrites any value given;
      ``_solve`` adds what it can measure more precisely or the solver reports: ``sampling_ns``
      (the sampling loop alone), ``preprocessing_ns``/``postprocessing_ns``, ``embedding_ns``,
      ``qpu_access_ns``/``qpu_sampling_ns``/``charge_ns``/``run_time_ns`` (solver-reported,
      converted from microseconds), ``import_ns``/``ansatz_ns``/``optimize_ns``/``run_ns``
      (QAOA), ``translate_ns``/``solve_ns`` (MIP). Whatever ``tts_basis`` names must be present.
    - ``params`` (always, set by ``solve``): the resolved parameters actually used.
    - Exact solvers: ``mip_status`` (one of ``MIP_STATUSES``: ``"optimal"``, ``"feasible"``,
      ``"infeasible"`` -- read by the harness as a proof that the model has no solution --,
      ``"unbounded"``, ``"no-solution"``), ``solver_status`` (the solver's own text),
      ``proven_optimal`` (bool; the harness trusts it as a proven reference), ``objective``,
      ``bound`` (proven lower bound) and ``mip_gap`` (relative, 0 when proven) in the model's
      minimisation sense (None when unknown), ``method``/``route`` (which algorithm answered and
      its statistics), ``relaxed`` and ``duals`` (``{constraint label: d(optimum)/d(rhs)}``, LP
      relaxations), ``constraint_labels`` (dimod's CQM SampleSet field).
    - Embedded (QPU-like) solvers: ``embedding`` (``EmbeddingInfo``: ``physical_qubits``,
      ``max_chain_length``, ``mean_chain_length``, ``chain_break_fraction``, ``chain_strength``,
      ``chain_strength_rule``, ``cached``, ``target``), ``timing_simulated`` (True when timings
      are not hardware timings), ``substitute``, ``estimated_qpu_access_us``, ``timing_model``.
    - Cloud solvers: ``time_limit_s`` (seconds submitted), ``problem_id``.
    - NL results: ``nl_feasible`` (per row). QAOA: ``reps``, ``shots``, ``qaoa`` (``QaoaInfo``).
    - Anything else: ``extra``, a free ``dict[str, Any]`` of backend-specific facts, shown in
      reports as-is (e.g. ``{"flips": 12}``). A solver library's own info keys go there too,
      never at the top level. Keep it small and JSON-friendly.

    **Checking it.** ``qseg.testing.check_backend("my-solver", params={...})`` runs the whole
    conformance suite (contract, parameters, variables, timing, seeds, exactness, limits,
    SolverInfo, dimod sampler API); a plugin's test file is a few lines.
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
        return self.variables_reason(num_variables(model), params)

    def variables_reason(self, count: int, params: Mapping[str, Any]) -> str:
        """Return "" when a model of ``count`` variables fits ``max_variables``, else the reason.
        The harness asks this with a problem's lower bound before building a QUBO, so a model
        that cannot fit is never built."""
        limit = params.get("max_variables", self.max_variables)
        if limit is not None and count > limit:
            return f"{count} variables exceed max_variables={limit}"
        return ""

    def work_estimate(self, count: int, params: Mapping[str, Any]) -> WorkEstimate | None:
        """Return the memory and time a solve of a model of ``count`` variables needs under the
        resolved ``params`` (None: nothing this backend allocates grows with a knob). Backends
        with size knobs (reads, sweeps, shots, layers) override it."""
        return None

    def check_work(self, count: int, params: Mapping[str, Any]) -> None:
        """Raise BadInputError naming the driving knob when ``work_estimate`` exceeds the memory
        share (``qseg.environment.MEMORY_FRACTION``) or ``MAX_WORK_SECONDS``, before anything is
        allocated; the message gives the estimate and the limit in one line."""
        estimate = self.work_estimate(count, params)
        if estimate is None:
            return
        field, value = f"param {estimate.knob}", params.get(estimate.knob)
        reason = memory_refusal(estimate.bytes, estimate.what)
        if reason:
            raise BadInputError(field, value, reason)
        if estimate.seconds > MAX_WORK_SECONDS:
            raise BadInputError(field, value, f"{estimate.what} needs ~{estimate.seconds:.2g} s of work, over the "
                                              f"{MAX_WORK_SECONDS:,} s limit")

    def check(self, model: Any, params: Mapping[str, Any]) -> dict[str, Any]:
        """Validate everything cheap before solving; return the resolved parameters.

        Raises BackendUnavailableError, BadInputError (wrong model kind or parameter, or a size
        knob past the machine: ``check_work``) or ModelTooLargeError, all before any heavy work.
        """
        reason = self.unavailable_reason()
        if reason:
            raise BackendUnavailableError(self.name, reason)
        resolved = self.resolve_params(params)
        self.check_model(model, resolved)
        self.check_work(num_variables(model), resolved)
        return resolved

    def check_model(self, model: Any, resolved: Mapping[str, Any]) -> None:
        """Raise BadInputError when this backend does not take ``model``'s kind, and
        ModelTooLargeError when the model exceeds its declared limits under ``resolved``."""
        kind = model_kind(model)
        if kind not in self.accepts:
            raise BadInputError(
                "model", kind, f"backend {self.name!r} accepts {', '.join(sorted(self.accepts))}"
            )
        too_large = self.limit_reason(model, resolved)
        if too_large:
            raise ModelTooLargeError(self.name, too_large)

    def solve(self, model: Any, **params: Any) -> dimod.SampleSet:
        """Solve ``model`` and return a SampleSet over exactly the model's variables.

        ``info["timing"]`` holds integer nanoseconds (``wall_ns`` always, measured here) and
        ``info["params"]`` the parameters actually used; the rest of ``info`` is what ``_solve``
        returned (see ``SolverInfo``).
        """
        return self.run(model, self.check(model, params))

    def run(self, model: Any, resolved: Mapping[str, Any]) -> dimod.SampleSet:
        """Return ``solve``'s SampleSet for a caller that has already asked ``unavailable_reason``,
        resolved the parameters (``resolve_params``) and checked the model (``check_model``), as
        the harness does once per cell; ``solve`` is the checked entry point."""
        resolved = dict(resolved)
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

    def sampler(self, **defaults: Any) -> BackendSampler:
        """Return this backend as a ``dimod.Sampler`` so Ocean composites can wrap it.

        ``defaults`` are parameters applied to every call unless the call overrides them.
        """
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
