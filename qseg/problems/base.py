"""The Problem contract: plain validated data, one CQM (the source of truth), QUBO formulations
with recorded penalty weights, decoding and evaluation on the CQM."""

from __future__ import annotations

import hashlib
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar, cast

import dimod
import numpy as np

from qseg.environment import MEMORY_FRACTION as MEMORY_FRACTION  # re-exported: problems and workflows read it here
from qseg.environment import available_memory, memory_refusal_at
from qseg.errors import BadInputError, UnknownNameError
from qseg.problems.decision import Decision, default_ids

FEASIBILITY_TOLERANCE = 1e-6


def refuse_if_too_large(field: str, value: Any, needed: int, what: str) -> None:
    """Raise BadInputError naming ``field`` when ``needed`` bytes (``what``) exceed
    ``MEMORY_FRACTION`` of the memory available now; nothing when memory is unknown."""
    reason = memory_refusal_at(needed, what, available_memory())
    if reason:
        raise BadInputError(field, value, f"{reason}; use a smaller size")


@dataclass(frozen=True)
class Qubo:
    """A QUBO formulation of a problem, with the penalty weights used to build it."""

    bqm: dimod.BinaryQuadraticModel
    formulation: str
    penalties: dict[str, float]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PenaltyWeight:
    """One penalty weight of a QUBO formulation that automatic penalty tuning may scale.

    ``option`` is the penalty option its builder takes; ``recorded`` the key of ``Qubo.penalties``
    holding the value a build used (None: the option is a multiplier, 1 unless given);
    ``constraints`` the CQM constraint labels (or label prefixes, ``one_hot_``) it enforces, empty
    for a weight that enforces every constraint no other weight of the formulation names."""

    option: str
    recorded: str | None = None
    constraints: tuple[str, ...] = ()

    def guards(self, label: str) -> bool:
        """Return whether this weight names the constraint ``label`` (exactly or as a prefix)."""
        return any(label == name or (name.endswith("_") and label.startswith(name)) for name in self.constraints)


@dataclass(frozen=True)
class Evaluation:
    """The true objective (natural sense), feasibility and violations of one sample."""

    objective: float
    feasible: bool
    violations: dict[str, float]
    violation_max: float


@dataclass(frozen=True)
class ReadEvaluations:
    """Per-read evaluation of a SampleSet on the CQM (rows aligned with the SampleSet).

    ``objective`` is the true objective in the problem's natural ``sense`` (what a user reads);
    ``minimised`` the same in the minimisation sense, which is what the harness scores with."""

    objective: np.ndarray
    feasible: np.ndarray
    violation_max: np.ndarray
    energy: np.ndarray
    num_occurrences: np.ndarray
    states: np.ndarray
    labels: Sequence[Any]
    sense: str

    @property
    def minimised(self) -> np.ndarray:
        """Return the objectives in the minimisation sense (the CQM's own)."""
        return -self.objective if self.sense == "max" else self.objective


class Problem(ABC):
    """An optimisation problem instance built from customer data.

    Subclasses set ``name``, ``sense`` ("max" or "min"), ``formulations`` (QUBO names, default
    first), ``parameters`` (problem/generator keys of ``--set``), ``penalty_options`` (per
    formulation, the penalty keys its builder takes) and implement ``build_cqm``, ``build_qubo``, ``decode`` and ``baselines``.
    """

    name: ClassVar[str]
    sense: ClassVar[str]
    formulations: ClassVar[tuple[str, ...]]
    parameters: ClassVar[tuple[str, ...]] = ()
    penalty_options: ClassVar[dict[str, tuple[str, ...]]] = {}
    can_polish: ClassVar[bool] = False
    # Per formulation, the weights penalty tuning may scale (``PenaltyWeight``); a formulation
    # absent here cannot be tuned.
    penalty_weights: ClassVar[dict[str, tuple[PenaltyWeight, ...]]] = {}
    has_nl: ClassVar[bool] = False
    # Per baseline, the parameters it does not honour (``qseg solve --baseline`` refuses them
    # when set); a baseline absent here honours every parameter, and none honours a penalty option.
    baseline_ignores: ClassVar[dict[str, tuple[str, ...]]] = {}
    # Every baseline an instance may offer (``baselines()`` names those this one does), for listings.
    baseline_names: ClassVar[tuple[str, ...]] = ()
    # The baselines that return a proven optimum (the rest are heuristics); ``solve_baseline``
    # records it as ``details["baseline_exact"]`` so that a report can label the series.
    exact_baselines: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, instance: str, seed: int | None, best_known: float | None = None) -> None:
        self.instance = instance
        self.seed = seed
        self.best_known = best_known
        # Customer ids from the data, aligned with the customers' order in the data; None: the
        # data carries none and the row positions are the ids (``customer_ids``).
        self.ids: np.ndarray | None = None

    def __repr__(self) -> str:
        """Return ``KMedoidsProblem('kmedoids', instance='seed-000', customers=250, k=4, ...)``:
        the name, the instance, the size and the key parameters (``repr_fields``)."""
        fields = {"instance": self.instance, "customers": self.size, **self.repr_fields()}
        shown = ", ".join(f"{key}={value!r}" for key, value in fields.items())
        return f"{type(self).__name__}({self.name!r}, {shown})"

    def repr_fields(self) -> dict[str, Any]:
        """Return the key parameters ``repr`` shows after the size (none by default)."""
        return {}

    def customer_ids(self) -> np.ndarray:
        """Return the customers' ids from the data, in the data's order (row positions 0..N-1
        when the data carries none, as generated customers do)."""
        return default_ids(self.size) if self.ids is None else self.ids

    def decision(self, sample: Mapping[Any, float]) -> Decision:
        """Return the decision of a feasible sample as tables (``qseg solve --out``)."""
        raise NotImplementedError(f"{self.name} has no decision tables")

    @property
    @abstractmethod
    def size(self) -> int:
        """Return the instance size (customers)."""

    @property
    def default_formulation(self) -> str:
        """Return the QUBO formulation used when none is named."""
        return self.formulations[0]

    @cached_property
    def _cqm(self) -> dimod.ConstrainedQuadraticModel:
        return self.build_cqm()

    def cqm(self) -> dimod.ConstrainedQuadraticModel:
        """Return the exact constrained model (minimisation, as dimod states every model)."""
        return self._cqm

    @abstractmethod
    def build_cqm(self) -> dimod.ConstrainedQuadraticModel:
        """Return a newly built CQM of the instance."""

    def nl(self) -> Any:
        """Return the problem as a locked ``dwave.optimization.Model``, stated exactly without
        penalties, for nonlinear solvers; BadInputError for problems that offer none."""
        if not self.has_nl:
            raise BadInputError("formulation", "nl", f"{self.name} has no nonlinear (NL) model")
        return self.build_nl()

    def build_nl(self) -> Any:
        """Return a newly built, locked NL model (problems with ``has_nl``)."""
        raise NotImplementedError

    def nl_labels(self) -> list[Any]:
        """Return the CQM variables that the NL model's first decision's elements stand for."""
        raise NotImplementedError

    def lift_nl(self, sampleset: dimod.SampleSet) -> dimod.SampleSet:
        """Return a NL backend's SampleSet (indicator columns ``nl0[j]``) over CQM variables."""
        mapping = {f"nl0[{j}]": label for j, label in enumerate(self.nl_labels())}
        unknown = [v for v in sampleset.variables if v not in mapping]
        if unknown:
            raise BadInputError("sampleset variable", unknown[0], f"not a decision of {self.name}'s NL model")
        return cast(dimod.SampleSet, sampleset.relabel_variables(mapping, inplace=False))

    @abstractmethod
    def build_qubo(self, formulation: str, **penalty_options: Any) -> Qubo:
        """Return the named QUBO formulation with the penalty weights it used."""

    def bqm(self, formulation: str | None = None, **penalty_options: Any) -> dimod.BinaryQuadraticModel:
        """Return a QUBO of the instance (``None``: the problem's default formulation)."""
        return self.build_qubo(self.check_formulation(formulation), **penalty_options).bqm

    def check_formulation(self, formulation: str | None) -> str:
        """Return ``formulation`` (or the default), raising UnknownNameError for an unknown one."""
        chosen = formulation or self.default_formulation
        if chosen not in self.formulations:
            raise UnknownNameError("formulation", chosen, self.formulations)
        return chosen

    @abstractmethod
    def decode(self, sample: Mapping[Any, float]) -> Any:
        """Return the domain answer of a sample (e.g. the chosen customers)."""

    @abstractmethod
    def baselines(self) -> dict[str, Callable[[], dict[Any, int]]]:
        """Return problem-native classical methods, each returning a sample over CQM variables;
        the docstring says which are exact (their names are in ``exact_baselines``)."""

    def native_baselines(self) -> dict[str, Callable[[], Any]]:
        """Return the same methods as ``baselines``, each returning its answer in the problem's
        own terms (bin starts, picked customers, medoid rows, actions) for ``native_reads``;
        the default is ``baselines`` itself (a sample over CQM variables)."""
        return cast(dict[str, Callable[[], Any]], self.baselines())

    def native_reads(self, answer: Any) -> ReadEvaluations:
        """Return the one-read ReadEvaluations of an answer of ``native_baselines`` (energy 0: a
        baseline has no model energy). The default reads a sample over CQM variables into one
        array row; problems with native answers score them without any label space."""
        labels = list(answer)
        states = np.fromiter((answer[v] for v in labels), dtype=float, count=len(labels))[None, :]
        return self.reads_of_states(states, labels, np.zeros(1), np.ones(1, dtype=np.int64))

    def read_details(self, reads: ReadEvaluations, row: int) -> dict[str, Any]:
        """Return ``details`` of read ``row`` (problems whose label space is large override it
        to read the row natively)."""
        return self.details(dict(zip(reads.labels, reads.states[row].tolist(), strict=True)))

    def polish_reads(self, reads: ReadEvaluations) -> ReadEvaluations:
        """Return the reads after the problem's classical polish (problems with ``can_polish``)."""
        raise NotImplementedError(f"{self.name} has no polish step")

    def scaled_penalties(
        self, formulation: str, used: Mapping[str, float], options: Mapping[str, Any], violated: Collection[str],
        factor: float,
    ) -> tuple[dict[str, float], list[str]]:
        """Return (penalty options that rebuild ``formulation`` with the weights enforcing the
        ``violated`` constraint labels times ``factor``, the options scaled), ``used`` being the
        weights the last build recorded (``Qubo.penalties``) and ``options`` the options it was
        given. Every declared weight is pinned to the value it had (so a rule that derives one
        weight from another moves nothing else); a violated label no weight names, or no label,
        scales the weights without ``constraints`` (every weight when there is none).
        BadInputError when the formulation declares no weights."""
        weights = self.penalty_weights.get(formulation, ())
        if not weights:
            raise BadInputError("penalty_tuning", True, f"{self.name} {formulation} has no tunable penalty weight")

        def value(weight: PenaltyWeight) -> float:
            if weight.recorded is not None:
                return float(used[weight.recorded])
            return float(options.get(weight.option, 1.0))

        claimed = {w.option for w in weights if any(w.guards(label) for label in violated)}
        unclaimed = not violated or any(not any(w.guards(label) for w in weights) for label in violated)
        catch_all = {w.option for w in weights if not w.constraints} or {w.option for w in weights}
        scaled = claimed | (catch_all if unclaimed else set())
        rebuilt = {**{key: float(v) for key, v in options.items()}, **{w.option: value(w) for w in weights}}
        for option in scaled:
            rebuilt[option] *= factor
        return rebuilt, sorted(scaled)

    def qubo_best_known(
        self, bqm: dimod.BinaryQuadraticModel, reads: ReadEvaluations, polished: ReadEvaluations | None = None
    ) -> float | None:
        """Return the true objective (minimisation) of the lowest-energy state known for ``bqm``,
        where the problem can name candidate states beyond the reads (``polished``: the same reads
        after the polish, when the cell ran it); None where it cannot or when that state is
        infeasible. The harness reports its gap as ``formulation_gap``."""
        return None

    @classmethod
    def instance_bytes(cls, size: int) -> int:
        """Return the estimated peak memory (bytes) of an instance of ``size`` customers with
        what every solve of it needs (0 when unknown); ``build_problem`` refuses an instance
        whose estimate exceeds ``MEMORY_FRACTION`` of the memory available, before building."""
        return 0

    def qubo_variables(self, formulation: str) -> int | None:
        """Return the number of variables of the QUBO ``formulation`` when it is known without
        building it (None when it is not, e.g. when slack bits depend on the data)."""
        return None

    def native_optimum(self) -> tuple[float, str] | None:
        """Return the problem's own proven optimum (natural sense) and the name of the method
        that proved it (e.g. an exact dynamic programme), or None when it has none; the harness
        uses it as the reference before any exact backend."""
        return None

    def smaller_model_hint(self, variables: int) -> str:
        """Return which setting would make the CQM about ``variables`` variables (e.g. fewer
        candidates), for a refusal to say what would fit; "" when the problem has no such knob."""
        return ""

    def model_size(self) -> tuple[int, int, int]:
        """Return (variables, interactions, constraints) of the CQM."""
        cqm = self.cqm()
        interactions = cqm.objective.num_interactions + sum(c.lhs.num_interactions for c in cqm.constraints.values())
        return len(cqm.variables), interactions, len(cqm.constraints)

    def details(self, sample: Mapping[Any, float]) -> dict[str, Any]:
        """Return problem-specific figures for a record's ``details`` (spend, counts, ...)."""
        return {}

    def natural(self, minimised: float | np.ndarray) -> float | np.ndarray:
        """Return a minimisation objective in the problem's natural sense."""
        return -minimised if self.sense == "max" else minimised

    def minimised(self, natural: float) -> float:
        """Return a natural-sense objective (a published optimum) in the minimisation sense."""
        return -natural if self.sense == "max" else natural

    def fingerprint(self) -> str:
        """Return a hash of the CQM's content, the key of cached references: the same model
        gives the same hash in every process (dimod's file is a zip whose members carry the time
        they were written, so the file's bytes differ from one save to the next)."""
        digest = hashlib.sha256()
        with self.cqm().to_file() as handle, zipfile.ZipFile(handle) as archive:
            for name in sorted(archive.namelist()):
                digest.update(name.encode() + b"\0")
                digest.update(archive.read(name))
        return digest.hexdigest()[:32]

    def evaluate(self, sample: Mapping[Any, float]) -> Evaluation:
        """Return the true objective, feasibility and per-constraint violations of a sample."""
        cqm = self.cqm()
        violations = {
            str(label): max(0.0, float(v)) for label, v in cqm.violations(sample, clip=True).items()
        }
        worst = max(violations.values(), default=0.0)
        objective = float(self.natural(cqm.objective.energy(sample)))
        return Evaluation(objective, worst <= FEASIBILITY_TOLERANCE, violations, worst)

    def evaluate_reads(self, sampleset: dimod.SampleSet) -> ReadEvaluations:
        """Return every read's true objective, feasibility and worst violation, on the CQM."""
        # dimod's annotation of as_samples omits the SampleSet it accepts (and documents).
        samples, sample_labels = dimod.as_samples(cast(Any, sampleset))
        return self.reads_of_states(np.asarray(samples), list(sample_labels),
                                    np.asarray(sampleset.record.energy, dtype=float),
                                    np.asarray(sampleset.record.num_occurrences, dtype=np.int64))

    def reads_of_states(self, samples: np.ndarray, sample_labels: Sequence[Any], energy: np.ndarray,
                        occurrences: np.ndarray) -> ReadEvaluations:
        """Return the ReadEvaluations of state rows over ``sample_labels`` (columns in any order),
        evaluated on the CQM with numpy over index arrays; problems override it with their own
        vectorised evaluation."""
        cqm = self.cqm()
        labels = list(cqm.variables)
        position = {v: i for i, v in enumerate(sample_labels)}
        states = samples[:, [position[v] for v in labels]]
        minimised = np.asarray(cqm.objective.energies((states, labels)), dtype=float)
        worst = self._violation_max(states, labels)
        return ReadEvaluations(
            objective=np.asarray(self.natural(minimised), dtype=float),
            feasible=worst <= FEASIBILITY_TOLERANCE,
            violation_max=worst,
            energy=energy,
            num_occurrences=occurrences,
            states=states,
            labels=labels,
            sense=self.sense,
        )

    def _violation_max(self, states: np.ndarray, labels: list[Any]) -> np.ndarray:
        """Return each state's largest constraint violation (0 when feasible)."""
        worst = np.zeros(len(states))
        for constraint in self.cqm().constraints.values():
            lhs = np.asarray(constraint.lhs.energies((states, labels)), dtype=float)
            excess = lhs - float(constraint.rhs)
            sense = constraint.sense.value
            violation = excess if sense == "<=" else -excess if sense == ">=" else np.abs(excess)
            worst = np.maximum(worst, violation)
        return worst

    def variable_vector(self, sample: Mapping[Any, float], labels: list[Any]) -> np.ndarray:
        """Return the values of ``labels`` in ``sample`` as an array."""
        return np.array([sample[v] for v in labels], dtype=float)


def sample_methods(methods: Mapping[str, Callable[[], Any]],
                   sample_of: Callable[[Any], dict[Any, int]]) -> dict[str, Callable[[], dict[Any, int]]]:
    """Return methods that give native answers (``native_baselines``) as methods that give a
    sample over the CQM's variables (``baselines``), through ``sample_of``."""

    def wrapped(run: Callable[[], Any]) -> Callable[[], dict[Any, int]]:
        return lambda: sample_of(run())

    return {name: wrapped(run) for name, run in methods.items()}


def positive_number(field: str, value: Any) -> float:
    """Return ``value`` as a finite float > 0, or raise BadInputError naming ``field`` (``True``
    is not 1)."""
    if isinstance(value, bool):
        raise BadInputError(field, value, "expected a number, not a bool")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadInputError(field, value, "expected a number") from None
    if not np.isfinite(number) or number <= 0:
        raise BadInputError(field, value, "must be a finite number > 0")
    return number


def whole_number(field: str, value: Any) -> int:
    """Return ``value`` as an int when it is a whole number (``4``, ``"4"``, ``4.0``), or raise
    BadInputError naming ``field`` (``True`` is not 1, and NaN or infinity is no number)."""
    if isinstance(value, bool):
        raise BadInputError(field, value, "expected a whole number, not a bool")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadInputError(field, value, "expected a whole number") from None
    if not number.is_integer():
        raise BadInputError(field, value, "expected a whole number")
    return int(number)


def check_parameters(problem: str, params: Mapping[str, Any], known: tuple[str, ...]) -> None:
    """Return None when every key of ``params`` is one of ``known`` (the problem's ``parameters``);
    else raise UnknownNameError naming the first unknown key (sorted) as a ``problem`` parameter."""
    unknown = set(params) - set(known)
    if unknown:
        raise UnknownNameError(f"{problem} parameter", sorted(unknown)[0], known)


def penalty_values(problem: Problem, formulation: str, options: Mapping[str, Any]) -> dict[str, float]:
    """Return the penalty ``options`` of ``formulation`` as positive floats; UnknownNameError for
    a key the formulation does not take, BadInputError for a value that is not a positive number."""
    allowed = problem.penalty_options[formulation]
    unknown = set(options) - set(allowed)
    if unknown:
        raise UnknownNameError(f"{formulation} penalty option", sorted(unknown)[0], allowed)
    return {key: positive_number(key, value) for key, value in options.items()}
