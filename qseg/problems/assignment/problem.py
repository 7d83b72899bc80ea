"""Retention action assignment (the retention memo): give each customer i exactly one action k
(k = 0 is "no action") to maximise sum (p_i u_k v_i - c_k) x_ik under a budget, channel
capacities, high-risk and Premium coverage floors, per-action saturation caps (k >= 1) and
per-segment fairness floors (segments are subscription types).

Variables are integer labels ``i * K + k`` (``variable_name`` gives ``x_{i}_{k}``): string labels
double dimod's construction time at 600,000 variables. The CQM has a one-hot row ``one_hot_{i}``
per customer (plain equalities, not ``add_discrete``, whose cost grows with the square of the
number of discrete constraints) and the named coupling rows of ``assignment.rules``. Reads are
evaluated with numpy (one sparse product for all coupling rows), equal to the CQM's own
evaluation (tested); infeasible settings raise InfeasibleModelError with the explanation of
``assignment.feasibility`` when the problem is built. The QUBOs (``assignment.qubo``), the LP
relaxation (``assignment.lp``) and the greedy and polish (``assignment.search``) take the
instance as ``AssignmentArrays`` (``self.arrays``), never this class.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import dimod
import numpy as np
import scipy.sparse as sp

from qseg.data.retention import RETENTION_DATASET, SUBSCRIPTION_TYPES, RetentionData
from qseg.data.sources import Sources
from qseg.errors import BadInputError, InfeasibleModelError
from qseg.problems.assignment import feasibility, lp, qubo, search
from qseg.problems.assignment.arrays import AssignmentArrays, constraint_activity, sparse_rows, states_from_actions
from qseg.problems.assignment.rules import (
    CHANNEL_OF_CAPACITY,
    SETTING_NAMES,
    Settings,
    cap_count,
    coupling_rows,
    settings_from,
)
from qseg.problems.base import (
    FEASIBILITY_TOLERANCE,
    Evaluation,
    PenaltyWeight,
    Problem,
    Qubo,
    ReadEvaluations,
    check_parameters,
    penalty_values,
)

SOURCES = Sources(named=(RETENTION_DATASET["name"],), search=False, file_kind="a customers CSV")


class AssignmentProblem(Problem):
    """One action per customer from a catalogue, under the memo's constraints."""

    name = "assignment"
    sense = "max"
    formulations = ("unbalanced", "slack")
    parameters = (*SETTING_NAMES, "actions")
    baseline_names = ("greedy",)
    penalty_options = {"unbalanced": ("one_hot", "kappa", "idle_fraction", "one_hot_scale", "row_scale"),
                       "slack": ("one_hot", "lam", "resolution")}
    # The unbalanced rows carry one price each, so tuning scales them through multipliers.
    penalty_weights = {
        "unbalanced": (PenaltyWeight("one_hot_scale", None, ("one_hot_",)), PenaltyWeight("row_scale")),
        "slack": (PenaltyWeight("one_hot", "one_hot", ("one_hot_",)), PenaltyWeight("lam", "lam")),
    }
    can_polish = True

    def __init__(self, data: RetentionData, settings: Settings, *, instance: str, seed: int | None = None,
                 check_feasibility: bool = True) -> None:
        super().__init__(instance=instance, seed=seed)
        customers, actions = data.customers, data.actions
        self.data, self.settings = data, settings
        self.churn = customers["churn_probability"].to_numpy(dtype=float)
        self.clv = customers["clv"].to_numpy(dtype=float)
        self.cost = actions["cost"].to_numpy(dtype=float)
        self.uplift = actions["uplift"].to_numpy(dtype=float)
        self.channel = actions["channel"].to_numpy(dtype=object)
        self.action_names = actions["action_name"].astype(str).tolist()
        types = customers["subscription_type"].to_numpy(dtype=object)
        self.segment_names = tuple(t for t in SUBSCRIPTION_TYPES if (types == t).any())
        self.segment = _codes(types, self.segment_names)
        self.high_risk = customers["risk_tier"].to_numpy() == "high"
        self.retained = (self.churn * self.clv)[:, None] * self.uplift[None, :]
        self.weights = self.retained - self.cost[None, :]
        self.rows = coupling_rows(settings, self.segment, self.segment_names, self.high_risk, self.cost, self.channel)
        reason = self.infeasibility() if check_feasibility else None
        if reason is not None:
            raise InfeasibleModelError(f"{self.name} {instance}: {reason.message}")

    @property
    def size(self) -> int:
        """Return the number of customers."""
        return len(self.churn)

    @property
    def num_actions(self) -> int:
        """Return the number of actions, "no action" included."""
        return len(self.cost)

    def variable_name(self, index: int) -> str:
        """Return ``x_{i}_{k}`` for the integer label ``i * K + k`` (``slack_{j}`` for the ``slack``
        QUBO's bits, labelled from N*K on)."""
        width = self.size * self.num_actions
        if index >= width:
            return f"slack_{int(index) - width}"
        i, k = divmod(int(index), self.num_actions)
        return f"x_{i}_{k}"

    # --- feasibility ---------------------------------------------------------------------------

    def floors(self) -> dict[str, feasibility.Floor]:
        """Return the coverage floors (constraint name -> required treated customers, group)."""
        return feasibility.coverage_floors(self.rows, self.num_actions)

    def treatment_slots(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (actions, counts, unit costs) of the cheapest treatments the caps allow."""
        capacities = {channel: getattr(self.settings, name) for name, channel in CHANNEL_OF_CAPACITY.items()}
        caps = cap_count(self.settings.max_action_pct, self.size)
        return feasibility.treatment_slots(self.cost, self.channel, caps, capacities)

    def infeasibility(self) -> feasibility.Infeasibility | None:
        """Return why no assignment meets every constraint, or None when one does (exact)."""
        floors = self.floors()
        needed = feasibility.fewest_treated(floors, self.segment, self.segment_names, self.high_risk)
        s = self.settings
        limits = (f"email_capacity={s.email_capacity}, push_capacity={s.push_capacity} and max_action_pct="
                  f"{float(s.max_action_pct):g} ({cap_count(s.max_action_pct, self.size)} per action)")
        return feasibility.check(floors, needed, self.treatment_slots(), s.weekly_budget, self.action_names, limits)

    # --- models --------------------------------------------------------------------------------

    def build_cqm(self) -> dimod.ConstrainedQuadraticModel:
        """Return min -sum w x subject to the one-hot rows and the named coupling rows."""
        n, k = self.size, self.num_actions
        cqm = dimod.ConstrainedQuadraticModel()
        # Declaring the variables first (labels 0..N*K-1) makes set_objective a copy of biases,
        # and terms given as (int label, bias) pairs skip dimod's per-model label mapping: 0.7 s
        # at 75,000 x 8 against 2.8 s with a model per row.
        cqm.add_variables(dimod.BINARY, n * k)
        cqm.set_objective(dimod.BinaryQuadraticModel.from_numpy_vectors(-self.weights.ravel(), ([], [], []), 0.0, dimod.BINARY))
        # dimod has no bulk constraint API: one call per customer, not per variable.
        ones = [1.0] * k
        add = cqm.add_constraint_from_iterable
        for i in range(n):
            add(zip(range(i * k, i * k + k), ones), "==", 1.0, label=f"one_hot_{i}")
        for row in self.rows:
            add(zip(row.columns.tolist(), row.coefficients.tolist()), row.sense, row.limit, label=row.name)
        return cqm

    def model_size(self) -> tuple[int, int, int]:
        """Return (variables, interactions, constraints) of the CQM without building it."""
        return self.size * self.num_actions, 0, self.size + len(self.rows)

    def fingerprint(self) -> str:
        """Return a hash of the weights and every row (the CQM is a function of them)."""
        digest = hashlib.sha256(np.ascontiguousarray(self.weights).tobytes())
        for row in self.rows:
            digest.update(f"{row.name}{row.sense}{row.limit!r}".encode())
            digest.update(row.columns.tobytes())
            digest.update(row.coefficients.tobytes())
        return digest.hexdigest()[:32]

    @cached_property
    def arrays(self) -> AssignmentArrays:
        """Return the instance as arrays, the input of the QUBO builders, the LP and the search."""
        return AssignmentArrays(
            name=self.instance, weights=self.weights, value=self.churn * self.clv, cost=self.cost,
            uplift=self.uplift, budget=self.settings.weekly_budget, segment=self.segment,
            segment_names=self.segment_names, high_risk=self.high_risk, rows=tuple(self.rows),
            coupling=self.coupling_matrix, floors=self.floors(), slots=self.treatment_slots(),
        )

    @classmethod
    def instance_bytes(cls, size: int) -> int:
        """Return ~12 kB per customer for the memo's 8 actions: arrays, rows and the CQM
        (measured: 229 MB peak at 20,000 customers, 784 MB for the 75,000-customer HiGHS solve)."""
        return 12_000 * size

    def qubo_variables(self, formulation: str) -> int | None:
        """Return N·(K−1) for ``unbalanced`` (action variables only: "no action" is substituted
        out); None for ``slack``, whose slack bits depend on the rows."""
        return self.size * (self.num_actions - 1) if formulation == "unbalanced" else None

    def build_qubo(self, formulation: str, **penalty_options: Any) -> Qubo:
        """Return the named QUBO formulation (see ``assignment.qubo``)."""
        formulation = self.check_formulation(formulation)
        options = penalty_values(self, formulation, penalty_options)
        return qubo.build(formulation, self.arrays, options)

    def lp_relaxation(self) -> lp.LpRelaxation:
        """Return the LP relaxation (0 <= x <= 1) with each coupling row's price and slack."""
        return lp.lp_relaxation(self.arrays)

    # --- evaluation ----------------------------------------------------------------------------

    @cached_property
    def coupling_matrix(self) -> sp.csr_matrix:
        """Return the coupling rows as a sparse matrix over the flat variables."""
        return sparse_rows(self.rows, self.size * self.num_actions)

    @cached_property
    def _limits(self) -> tuple[np.ndarray, np.ndarray]:
        limits = np.array([r.limit for r in self.rows])
        return limits, np.array([1.0 if r.sense == "<=" else -1.0 for r in self.rows])

    def states_of(self, sampleset: dimod.SampleSet) -> np.ndarray:
        """Return the reads as an (R, N*K) int8 array over the labels 0..N*K-1 (``states_over``)."""
        # dimod's annotation of as_samples omits the SampleSet it accepts (and documents).
        samples, labels = dimod.as_samples(cast(Any, sampleset))
        return self.states_over(np.asarray(samples), list(labels))

    def states_over(self, samples: np.ndarray, labels: Sequence[Any]) -> np.ndarray:
        """Return state rows over ``labels`` as an (R, N*K) int8 array over the labels
        0..N*K-1. Other variables (slack bits) are dropped; a missing no-action variable x_i0 (the
        QUBOs leave it out) is 1 - sum_k x_ik when that is 0 or 1, else 0 (the read then breaks
        the one-hot row)."""
        width = self.size * self.num_actions
        numeric = np.array([isinstance(v, (int, np.integer)) and 0 <= v < width for v in labels], dtype=bool)
        if numeric.sum() == width and np.array_equal(np.asarray(labels[:width]), np.arange(width)):
            return np.asarray(samples[:, :width]).astype(np.int8)
        position = np.full(width, -1)
        position[np.asarray([v for v, keep in zip(labels, numeric) if keep], dtype=int)] = np.flatnonzero(numeric)
        missing = np.flatnonzero(position < 0)
        if np.any(missing % self.num_actions):
            raise BadInputError("sample", f"variable {self.variable_name(missing[missing % self.num_actions > 0][0])}",
                                "missing from the samples")
        states = np.zeros((len(samples), width), dtype=np.int8)
        present = position >= 0
        states[:, present] = np.asarray(samples[:, position[present]])
        if missing.size:
            grid = states.reshape(len(samples), self.size, self.num_actions)
            grid[:, missing // self.num_actions, 0] = grid[:, missing // self.num_actions, 1:].sum(axis=2) == 0
        return states

    def constraint_activity(self, states: np.ndarray) -> np.ndarray:
        """Return each state's left-hand side of every coupling row, shape (R, rows)."""
        return constraint_activity(self.coupling_matrix, states)

    def evaluate_states(self, states: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (natural objective, coupling-row violations (R, rows), one-hot violation) of states."""
        states = np.atleast_2d(states)
        objective = np.asarray(states, dtype=float) @ self.weights.ravel()
        limits, sign = self._limits
        violations = np.maximum(0.0, (self.constraint_activity(states) - limits[None, :]) * sign[None, :])
        per_customer = states.reshape(len(states), self.size, self.num_actions).sum(axis=2, dtype=np.int64)
        one_hot = np.abs(per_customer - 1).max(axis=1).astype(float)
        return objective, violations, one_hot

    def evaluate(self, sample: Mapping[Any, float]) -> Evaluation:
        """Return the true objective, feasibility and every row's violation of a sample."""
        states = self.vector(sample)[None, :]
        objective, violations, one_hot = self.evaluate_states(states)
        named = {r.name: float(v) for r, v in zip(self.rows, violations[0])}
        per_customer = np.abs(states.reshape(self.size, self.num_actions).sum(axis=1) - 1)
        named.update({f"one_hot_{i}": float(per_customer[i]) for i in np.flatnonzero(per_customer)})
        worst = max(float(one_hot[0]), float(violations.max(initial=0.0)))
        return Evaluation(float(objective[0]), worst <= FEASIBILITY_TOLERANCE, named, worst)

    def reads_of_states(self, samples: np.ndarray, sample_labels: Sequence[Any], energy: np.ndarray,
                        occurrences: np.ndarray) -> ReadEvaluations:
        """Return every read's true objective, feasibility and worst violation (numpy, no dimod
        per-constraint evaluation)."""
        return self.reads_of(self.states_over(samples, sample_labels), energy, occurrences)

    def reads_of(self, states: np.ndarray, energy: np.ndarray, occurrences: np.ndarray) -> ReadEvaluations:
        """Return the ReadEvaluations of (R, N*K) states with their energies and counts."""
        objective, violations, one_hot = self.evaluate_states(states)
        worst = np.maximum(one_hot, violations.max(axis=1, initial=0.0))
        return ReadEvaluations(objective, worst <= FEASIBILITY_TOLERANCE, worst, energy, occurrences,
                               states, list(range(self.size * self.num_actions)), self.sense)

    def vector(self, sample: Mapping[Any, float]) -> np.ndarray:
        """Return a sample's values of x_0 .. x_{N*K-1} as an int8 vector."""
        return np.fromiter((sample[v] for v in range(self.size * self.num_actions)), dtype=float).round().astype(np.int8)

    def actions_of(self, states: np.ndarray) -> np.ndarray:
        """Return each state's action per customer, shape (R, N); -1 where a customer's row is
        not one-hot."""
        grid = np.atleast_2d(states).reshape(-1, self.size, self.num_actions)
        actions = grid.argmax(axis=2)
        return np.where(grid.sum(axis=2) == 1, actions, -1)

    def states_from_actions(self, actions: np.ndarray) -> np.ndarray:
        """Return the one-hot (R, N*K) int8 states of action vectors (R, N)."""
        return states_from_actions(actions, self.size, self.num_actions)

    # --- answers -------------------------------------------------------------------------------

    def summary(self, actions: np.ndarray) -> dict[str, Any]:
        """Return the plan's figures: customers treated, spend, value retained, expected net value,
        ROI (net value / spend) and the count of each action."""
        actions = np.asarray(actions, dtype=int)
        spend = float(self.cost[actions].sum())
        retained = float(self.retained[np.arange(self.size), actions].sum())
        net = retained - spend
        return {
            "treated": int(np.count_nonzero(actions > 0)), "spend": spend, "value_retained": retained,
            "expected_net_value": net, "roi": net / spend if spend > 0 else None,
            "action_counts": np.bincount(actions, minlength=self.num_actions).tolist(),
        }

    def decode(self, sample: Mapping[Any, float]) -> dict[str, Any]:
        """Return each customer's action (-1 where the sample's row is not one-hot) and, when every
        row is one-hot, the plan's summary figures."""
        actions = self.actions_of(self.vector(sample))[0]
        answer: dict[str, Any] = {"actions": actions.tolist()}
        if (actions >= 0).all():
            answer.update(self.summary(actions))
        return answer

    def details(self, sample: Mapping[Any, float]) -> dict[str, Any]:
        """Return the plan's KPIs, the budget and the names of the binding coupling rows."""
        states = self.vector(sample)[None, :]
        actions = self.actions_of(states)[0]
        found: dict[str, Any] = {"weekly_budget": self.settings.weekly_budget}
        if (actions >= 0).all():
            found.update(self.summary(actions))
        found["binding"] = [r.name for r, b in zip(self.rows, self.binding(states)[0]) if b]
        return found

    def binding(self, states: np.ndarray) -> np.ndarray:
        """Return which coupling rows bind in each state, shape (R, rows): the slack is smaller
        than the row's smallest coefficient, so not one more unit fits (one customer, or the
        cheapest action for the budget)."""
        limits, sign = self._limits
        slack = (limits[None, :] - self.constraint_activity(states)) * sign[None, :]
        step = np.array([r.coefficients.min() if r.coefficients.size else 1.0 for r in self.rows])
        return np.asarray(slack < step[None, :] - FEASIBILITY_TOLERANCE, dtype=bool)

    def greedy_actions(self) -> np.ndarray:
        """Return the greedy plan as an action vector (``search.greedy_actions``)."""
        return search.greedy_actions(self.arrays)

    def baselines(self) -> dict[str, Callable[[], dict[Any, int]]]:
        """Return ``greedy``, a heuristic (not exact): floors first at least cost, then best value
        per dollar (``search.greedy_actions``); the exact references are the MIP backends."""

        def greedy() -> dict[Any, int]:
            return dict(enumerate(self.states_from_actions(self.greedy_actions())[0].tolist()))

        return {"greedy": greedy}

    def native_baselines(self) -> dict[str, Callable[[], Any]]:
        """Return the greedy plan as an action vector (scored by ``native_reads``)."""
        return {"greedy": self.greedy_actions}

    def native_reads(self, answer: Any) -> ReadEvaluations:
        """Return the one-read ReadEvaluations of an action vector (energy 0)."""
        return self.reads_of(self.states_from_actions(np.asarray(answer)[None, :]), np.zeros(1),
                             np.ones(1, dtype=np.int64))

    def polish_reads(self, reads: ReadEvaluations) -> ReadEvaluations:
        """Return the reads repaired to feasibility and improved greedily (energies kept: they
        describe the sampler's own states)."""
        actions = self.actions_of(reads.states)
        polished = np.vstack([search.polish_actions(self.arrays, row) for row in actions])
        return self.reads_of(self.states_from_actions(polished), reads.energy, reads.num_occurrences)


def _codes(values: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    codes = np.full(len(values), -1, dtype=int)
    for code, name in enumerate(names):
        codes[values == name] = code
    return codes


def assignment_from_spec(*, size: int | None, seed: int, data: str | None, params: Mapping[str, Any]) -> AssignmentProblem:
    """Return an assignment instance from the API/CLI fields.

    ``data=None`` generates ``size`` customers (default 250) from ``seed`` with the memo's
    catalogue; ``data="retention"`` is the named 250-customer dataset (the first ``size``); a
    folder holds ``customers.csv`` and optionally ``actions.csv``; a CSV file is the customers,
    with the catalogue from ``actions=PATH`` (default: the memo's). Parameters are the memo's
    (``weekly_budget``, ...); absolute defaults scale with the number of customers.
    """
    from qseg.data import retention

    check_parameters("assignment", params, AssignmentProblem.parameters)
    actions_path = Path(str(params["actions"])).expanduser() if "actions" in params else None
    if actions_path is not None and not actions_path.is_file():
        raise BadInputError("actions", str(params["actions"]), "no such actions CSV file")
    if SOURCES.is_file(data):
        path, _ = SOURCES.locate(data, size)
        loaded = retention.load_retention_source(path, actions_path)
        instance, instance_seed = loaded.name, None
    else:
        dataset = SOURCES.dataset(data)
        if dataset is None:
            n = RETENTION_DATASET["n"] if size is None else size
            customers, instance, instance_seed = retention.generate_customers(n, seed), f"generated-n{n}-s{seed}", seed
        else:
            customers, instance, instance_seed = dataset.load(size), dataset.name, dataset.seed
        actions = retention.load_actions(actions_path) if actions_path else retention.default_actions()
        loaded = RetentionData(retention.check_customers(customers), retention.check_actions(actions), instance)
    settings = settings_from({k: v for k, v in params.items() if k != "actions"}, len(loaded.customers))
    return AssignmentProblem(loaded, settings, instance=instance, seed=instance_seed)
