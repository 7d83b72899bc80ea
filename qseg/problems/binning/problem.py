"""Propensity binning: split customers sorted by propensity into contiguous bins
``[c_b, c_{b+1})`` (the last closed at 1) and maximise sum_b R(b) conversions_b - C(b) customers_b
under a bin count (exactly K, or at most K), a minimum and optional maximum bin size and an
optional monotone conversion rate. Cuts are taken from a candidate grid (``search.make_grid``).

CQM variables ``y_{j}_{k}``: bin k (1..K-1) starts at candidate j (1..M-1; j = M means unused,
``at_most`` only); bin 0 starts at the lowest propensity. Constraints: one start per bin
(``one_hot_k``) and the sizes of consecutive bins as linear rows in the prefix counts
(``size_k``, ``max_size_k``); the objective is linear because it telescopes. The monotone rule is
not linear in y: the CQM and QUBO refuse it, the DP and the baselines honour it. Reads are
evaluated with numpy from their starts (equal to the CQM's evaluation, tested). The exact DP is
the reference (``native_optimum``) and the ``dp`` baseline; infeasible settings raise
InfeasibleModelError when the problem is built.
"""

from __future__ import annotations

import ast
import hashlib
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, overload

import dimod
import numpy as np
import pandas as pd

from qseg.data.propensity import check_propensity, load_propensity_csv, propensity_customers
from qseg.errors import BadInputError, InfeasibleModelError
from qseg.problems.base import (
    PenaltyWeight,
    Problem,
    Qubo,
    ReadEvaluations,
    check_parameters,
    penalty_values,
    sample_methods,
    whole_number,
)
from qseg.problems.binning import qubo, search
from qseg.problems.binning.bins import assign, bin_table, collapsed_bins
from qseg.problems.decision import Decision, shortened

DEFAULT_SIZE = 10_000
DEFAULT_BINS = 10
DEFAULT_MIN_BIN_SIZE = 10
DEFAULT_CANDIDATES = 50
DEFAULT_REVENUE = "30"
DEFAULT_COST = "2*b"
MAX_BINARIES = 200_000
MODES = ("exactly", "at_most")
MONOTONIC = ("none", "ascending", "descending")
PerBin = float | str | list[float] | tuple[float, ...] | np.ndarray | Callable[[int], float]


class BinningCollapseWarning(UserWarning):
    """Bins collapsed to the candidate grid's step or to the minimum bin size
    (``bins.collapsed_bins``): the answer reflects the rules more than the data."""


class BinningProblem(Problem):
    """Optimal contiguous bins of customers by propensity (see the module docstring)."""

    name = "binning"
    sense = "max"
    formulations = ("domain_wall",)
    parameters = ("n_bins", "n_bins_mode", "min_bin_size", "max_bin_size", "monotonic", "candidates", "revenue",
                  "cost", "outcome_model", "propensity_column", "outcome_column")
    penalty_options = {"domain_wall": ("penalty", "penalty_scale")}
    baseline_names = ("dp", "de", "uniform", "percentile")
    # Equal-width and equal-count bands place their cuts without looking at the bin rules.
    baseline_ignores = {"uniform": ("min_bin_size", "max_bin_size", "monotonic"),
                        "percentile": ("min_bin_size", "max_bin_size", "monotonic")}
    penalty_weights = {"domain_wall": (PenaltyWeight("penalty", "penalty"),)}  # one P for every constraint
    can_polish = True
    exact_baselines = frozenset({"dp"})

    def __init__(self, propensity: Any, outcome: Any, *, n_bins: int = DEFAULT_BINS, n_bins_mode: str = "exactly",
                 min_bin_size: int = DEFAULT_MIN_BIN_SIZE, max_bin_size: int | None = None,
                 monotonic: str | None = None, candidates: int | str | None = DEFAULT_CANDIDATES,
                 revenue: PerBin = DEFAULT_REVENUE, cost: PerBin = DEFAULT_COST, instance: str = "custom",
                 seed: int | None = None) -> None:
        super().__init__(instance=instance, seed=seed)
        frame = check_propensity(propensity, outcome)
        self.propensity, self.outcome = frame["propensity"].to_numpy(), frame["outcome"].to_numpy()
        # Not a stable sort (3x faster at 1,000,000): cuts never split equal propensities (the grid
        # holds run starts only), so the order inside a run changes no count, conversion or bin.
        order = np.argsort(frame["propensity"].to_numpy())
        self.sorted_p = frame["propensity"].to_numpy()[order]
        self.sorted_y = frame["outcome"].to_numpy()[order]
        n = len(order)
        k = _at_least("n_bins", n_bins, 1)
        if n_bins_mode not in MODES:
            raise BadInputError("n_bins_mode", n_bins_mode, f"expected one of {', '.join(MODES)}")
        minimum = _at_least("min_bin_size", min_bin_size, 1)
        unbounded = max_bin_size is None or str(max_bin_size).lower() in ("", "none")
        maximum = None if unbounded else _at_least("max_bin_size", max_bin_size, minimum)
        mono = None if monotonic in (None, "", "none") else str(monotonic)
        if mono is not None and mono not in MONOTONIC:
            raise BadInputError("monotonic", monotonic, f"expected one of {', '.join(MONOTONIC)}")
        at_most = n_bins_mode == "at_most"
        if not at_most and k * minimum > n:
            raise BadInputError("min_bin_size", minimum, f"exactly {k} bins of at least {minimum} customers need "
                                f"{k * minimum}; there are {n} customers")
        if maximum is not None and k * maximum < n:
            raise BadInputError("max_bin_size", maximum, f"{k} bins of at most {maximum} customers hold "
                                f"{k * maximum}; there are {n} customers")
        m_wanted = _candidates(candidates)
        self.grid = search.make_grid(self.sorted_p, self.sorted_y, m_wanted)
        m = self.grid.m
        if not at_most and k > m:
            raise BadInputError("n_bins", k, f"exactly {k} bins need {k} candidate cuts; the grid has {m} "
                                "(raise candidates)")
        if mono is not None and m > search.MONOTONE_MAX_CANDIDATES:
            raise BadInputError("candidates", m, f"monotonic needs at most {search.MONOTONE_MAX_CANDIDATES} "
                                "candidates (the exact DP is O(K M^2)); set candidates=M")
        self.rules = search.Rules(k, at_most, minimum, maximum, mono)
        self.revenue = per_bin("revenue", revenue, k)
        self.cost = per_bin("cost", cost, k)
        self.settings = {"n_bins": k, "n_bins_mode": n_bins_mode, "min_bin_size": minimum,
                         "max_bin_size": maximum, "monotonic": mono or "none",
                         "candidates": "all" if m_wanted is None else m_wanted}
        self.width = m if at_most else m - 1  # candidate starts per bin in the CQM (M = unused)
        found = search.optimal_starts(self.grid, self.revenue, self.cost, self.rules)
        if found is None:
            raise InfeasibleModelError(
                f"{self.name} {instance}: no {n_bins_mode.replace('_', ' ')} {k} bins on the {m}-candidate grid "
                f"satisfy min_bin_size={minimum}, max_bin_size={maximum}, monotonic={mono or 'none'}")
        self.optimum_value, self.optimum_starts = found


    def repr_fields(self) -> dict[str, Any]:
        """Return the bin rules and the grid size, for ``repr``."""
        shown = {key: value for key, value in self.settings.items() if key != "candidates"}
        return {**shown, "candidates": self.grid.m}

    @property
    def num_binaries(self) -> int:
        """Return the CQM's number of binaries, (K − 1) × the candidate starts per bin."""
        return (self.rules.k - 1) * self.width

    @cached_property
    def labels(self) -> StartLabels:
        """Return the CQM's variables y_j_b ("bin b starts at candidate j") as a sequence whose
        strings are made only when read: at every distinct value of 1,000,000 customers they are
        nine million strings that native scoring never reads."""
        return StartLabels(self.rules.k - 1, self.width)
    @property
    def size(self) -> int:
        """Return the number of customers."""
        return len(self.sorted_p)

    def native_optimum(self) -> tuple[float, str] | None:
        """Return the DP's proven optimum over the candidate grid (natural sense) and "dp"."""
        return self.optimum_value, "dp"

    def fingerprint(self) -> str:
        """Return a hash of the sorted data, the grid and every setting."""
        digest = hashlib.sha256(self.sorted_p.tobytes() + self.sorted_y.tobytes() + self.grid.points.tobytes())
        digest.update(repr((self.settings, self.revenue.tolist(), self.cost.tolist())).encode())
        return digest.hexdigest()[:32]

    @classmethod
    def instance_bytes(cls, size: int) -> int:
        """Return ~2 kB per customer: the sorted propensities, prefix sums and the DP's layers
        (measured: 1.6 GB peak for 1,000,000 customers at every distinct value)."""
        return 2000 * size

    def smaller_model_hint(self, variables: int) -> str:
        """Return the grid size whose CQM has about ``variables`` binaries ((K − 1) × M)."""
        return f"candidates={max(2, variables // max(self.rules.k - 1, 1))} (the DP is the exact reference anyway)"

    def model_size(self) -> tuple[int, int, int]:
        """Return (variables, interactions, constraints) of the CQM without building it."""
        k = self.rules.k
        rows = (k - 1) + k + (k if self.rules.max_size is not None else 0)
        return self.num_binaries, 0, rows

    # --- models -------------------------------------------------------------------------------
    def _check_linear(self, what: str) -> None:
        if self.rules.monotonic is not None:
            raise BadInputError("monotonic", self.rules.monotonic, f"the {what} has no monotone-rate constraint; "
                                "use the dp baseline")
        if self.num_binaries > MAX_BINARIES:
            raise BadInputError("candidates", self.grid.m, f"the {what} would have {self.num_binaries} binaries "
                                f"(> {MAX_BINARIES}); set candidates to a smaller grid")

    def build_cqm(self) -> dimod.ConstrainedQuadraticModel:
        """Return the CQM over start indicators y_{j}_{k} (minimisation of -objective)."""
        self._check_linear("CQM")
        k, w, m = self.rules.k, self.width, self.grid.m
        cqm = dimod.ConstrainedQuadraticModel()
        weights, const = self._y_weights()
        cqm.set_objective(dimod.BinaryQuadraticModel.from_numpy_vectors(
            -weights, ([], [], []), -const, dimod.BINARY, variable_order=list(self.labels)))
        cnt = self.grid.cnt[1:w + 1]
        n = float(self.grid.cnt[m])
        minimum, maximum = float(self.rules.min_size), self.rules.max_size

        def row(b: int, scale: float = 1.0) -> list[tuple[str, float]]:
            return [(self.labels[(b - 1) * w + i], scale * float(cnt[i])) for i in range(w)]

        def unused(b: int) -> str:
            return self.labels[(b - 1) * w + w - 1]

        for b in range(1, k):
            cqm.add_constraint_from_iterable([(v, 1.0) for v in self.labels[(b - 1) * w:b * w]], "==", 1.0,
                                             label=f"one_hot_{b}")
        for b in range(k if k > 1 else 0):  # bin b spans start_b .. start_{b+1}
            terms = (row(b + 1) if b + 1 < k else []) + (row(b, -1.0) if b > 0 else [])
            relax = [(unused(b), minimum)] if self.rules.at_most and b > 0 else []
            # size_b: customers of bin b >= minimum, relaxed to >= 0 when bin b is unused
            cqm.add_constraint_from_iterable(terms + relax, ">=", minimum - (n if b + 1 == k else 0.0), label=f"size_{b}")
            if maximum is not None:
                if b + 1 == k:
                    cqm.add_constraint_from_iterable(row(b), ">=", n - maximum, label=f"max_size_{b}")
                else:
                    cqm.add_constraint_from_iterable(terms, "<=", float(maximum), label=f"max_size_{b}")
        return cqm

    def _y_weights(self) -> tuple[np.ndarray, float]:
        """Return (w, const): objective = w . y + const on the CQM's variables."""
        k, w = self.rules.k, self.width
        f = self.revenue[:, None] * self.grid.conv[None, :] - self.cost[:, None] * self.grid.cnt[None, :]
        m = self.grid.m
        g = f[:-1, 1:w + 1] - f[1:, 1:w + 1]  # rows b = 1..k-1, columns j = 1..w
        return g.ravel(), float(f[k - 1, m] - f[0, 0])

    def build_qubo(self, formulation: str, **penalty_options: Any) -> Qubo:
        """Return the named QUBO formulation (see ``binning.qubo``)."""
        formulation = self.check_formulation(formulation)
        self._check_linear("QUBO")
        options = penalty_values(self, formulation, penalty_options)
        return qubo.build(self.grid, self.revenue, self.cost, self.rules, options)

    # --- samples ------------------------------------------------------------------------------
    def starts_of(self, samples: np.ndarray, labels: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """Return (start rows, encoding violations) of sample rows over the CQM's y or the
        QUBO's u variables."""
        k, m = self.rules.k, self.grid.m
        if k == 1:
            return np.zeros((len(samples), 0), np.int64), np.zeros(len(samples))
        if isinstance(labels, StartLabels) and labels.shape == (k - 1, self.width):
            # Native rows (y in this problem's own order): no label lookup at all.
            y = np.asarray(samples).reshape(len(samples), k - 1, self.width) > 0.5
            starts = np.argmax(y, axis=2) + 1
            return starts.astype(np.int64), np.abs(y.sum(axis=2) - 1).max(axis=1).astype(float)
        position = {v: i for i, v in enumerate(labels)}
        if str(labels[0]).startswith("u_"):
            states = samples[:, [position[v] for v in qubo.labels(m, k)]]
            return qubo.decode(states, m, k)
        y = samples[:, [position[v] for v in self.labels]].reshape(len(samples), k - 1, self.width) > 0.5
        starts = np.argmax(y, axis=2) + 1
        return starts.astype(np.int64), np.abs(y.sum(axis=2) - 1).max(axis=1).astype(float)

    def y_states(self, starts: np.ndarray) -> np.ndarray:
        """Return CQM states (y rows in ``labels`` order) of start rows."""
        starts = np.atleast_2d(starts)
        y = np.zeros((len(starts), self.rules.k - 1, self.width), dtype=np.int8)
        rows, bins = np.indices(starts.shape)
        y[rows, bins, np.clip(starts, 1, self.width) - 1] = 1
        return y.reshape(len(starts), -1)

    def reads_of(self, starts: np.ndarray, encoding: np.ndarray, energy: np.ndarray,
                 occurrences: np.ndarray) -> ReadEvaluations:
        """Return the ReadEvaluations of start rows (states over the CQM's y variables)."""
        objective = search.objective(self.grid, self.revenue, self.cost, starts)
        worst = np.maximum(search.violation(self.grid, self.rules, starts), encoding)
        return ReadEvaluations(objective, worst <= 1e-9, worst, energy, occurrences, self.y_states(starts),
                               self.labels, self.sense)

    def reads_of_states(self, samples: np.ndarray, sample_labels: Sequence[Any], energy: np.ndarray,
                        occurrences: np.ndarray) -> ReadEvaluations:
        """Return every read's true objective and feasibility from its bin starts."""
        starts, encoding = self.starts_of(samples, sample_labels)
        return self.reads_of(starts, encoding, energy, occurrences)

    def native_reads(self, answer: Any) -> ReadEvaluations:
        """Return the one-read ReadEvaluations of a row of bin starts (energy 0)."""
        # Clipped as ``y_states`` encodes them (a start the CQM cannot hold, such as an empty
        # last bin at M in ``exactly`` mode, becomes its nearest y), so the read is the CQM's.
        starts = np.clip(np.asarray(answer, dtype=np.int64), 1, self.width)[None, :]
        return self.reads_of(starts, np.zeros(1), np.zeros(1), np.ones(1, dtype=np.int64))

    def read_details(self, reads: ReadEvaluations, row: int) -> dict[str, Any]:
        """Return ``details`` of read ``row`` from its bin starts (no sample dictionary)."""
        starts, _ = self.starts_of(reads.states[row:row + 1], reads.labels)
        return self._details_of(self.bins_of(starts[0]))

    def polish_reads(self, reads: ReadEvaluations) -> ReadEvaluations:
        """Return the reads after moving one cut at a time to its best position (feasible reads;
        energies kept, they describe the sampler's own states)."""
        starts, encoding = self.starts_of(reads.states, reads.labels)
        improved = np.where(encoding[:, None] > 0, starts,
                            search.polish(self.grid, self.revenue, self.cost, self.rules, starts))
        return self.reads_of(improved, encoding, reads.energy, reads.num_occurrences)

    def qubo_best_known(self, bqm: dimod.BinaryQuadraticModel, reads: ReadEvaluations,
                        polished: ReadEvaluations | None = None) -> float | None:
        """Return the objective (minimisation) of the lowest-energy state among the reads, the
        polished reads and the DP optimum, encoded in the QUBO; None when it is infeasible."""
        rows = [self.starts_of(reads.states, reads.labels)[0], self.optimum_starts[None, :]]
        if polished is not None:
            rows.append(self.starts_of(polished.states, polished.labels)[0])
        starts = np.vstack(rows)
        energies = bqm.energies((qubo.encode(starts, self.grid.m), qubo.labels(self.grid.m, self.rules.k)))
        best = starts[int(np.argmin(energies))][None, :]
        if search.violation(self.grid, self.rules, best)[0] > 1e-9:
            return None
        return float(-search.objective(self.grid, self.revenue, self.cost, best)[0])

    def sample_of(self, starts: np.ndarray) -> dict[Any, int]:
        """Return the CQM sample (y variables) of one start row."""
        return dict(zip(self.labels, self.y_states(starts)[0].tolist()))

    def bins_of(self, starts: np.ndarray) -> dict[str, Any]:
        """Return the bin set of a start row: edges, the per-bin table and the settings."""
        bounds, size, conversions = search.bin_arrays(self.grid, np.asarray(starts)[None, :])
        used = int(np.sum(bounds[0, 1:-1] < self.grid.m)) + 1
        lower = np.r_[0.0, self.grid.values[bounds[0, 1:used]]]
        edges = np.r_[lower, 1.0]
        table = bin_table(edges, size[0, :used], conversions[0, :used], self.revenue, self.cost)
        warning = collapsed_bins(np.diff(bounds[0, :used + 1]), size[0, :used], self.rules.min_size)
        return {"edges": edges.tolist(), "bins": table, "settings": self.settings,
                "revenue": self.revenue[:used].tolist(), "cost": self.cost[:used].tolist(),
                "warnings": [warning] if warning else []}

    def decode(self, sample: Mapping[Any, float]) -> dict[str, Any]:
        """Return the bin set of a sample: edges, per-bin table, settings."""
        labels = list(sample)
        starts, _ = self.starts_of(np.array([[sample[v] for v in labels]], dtype=float), labels)
        return self.bins_of(starts[0])

    def decision(self, sample: Mapping[Any, float]) -> Decision:
        """Return the bins: one row per bin (band, edges, customers, conversions, conversion
        rate, revenue = R(b) x conversions, cost = C(b) x customers, net = revenue - cost, net per
        customer), one row per customer (id, propensity, outcome, bin, in the data's order), the
        edges and the cut points."""
        bins = self.decode(sample)
        edges = np.asarray(bins["edges"], dtype=float)
        table = pd.DataFrame(bins["bins"])
        used = len(table)
        customers = pd.DataFrame({"customer": self.customer_ids(), "propensity": self.propensity,
                                  "outcome": self.outcome, "bin": assign(self.propensity, edges)})
        cuts = edges[1:-1].tolist()
        facts = {"edges": edges.tolist(), "cut_points": cuts, "n_bins": used, "settings": self.settings,
                 "revenue": float(table["revenue"].sum()), "cost": float(table["cost"].sum()),
                 "net": float(table["net"].sum()), "warnings": bins["warnings"]}
        lines = (f"cut points {shortened([f'{c:.4g}' for c in cuts]) or 'none'} ({used} bins)",
                 f"bins       revenue {facts['revenue']:,.2f} - cost {facts['cost']:,.2f} = net {facts['net']:,.2f}",
                 *(f"warning    {text}" for text in bins["warnings"]))
        for text in bins["warnings"]:
            warnings.warn(f"{self.name} {self.instance}: {text}", BinningCollapseWarning, stacklevel=2)
        return Decision({"bins": table, "customers": customers}, facts, lines)

    def details(self, sample: Mapping[Any, float]) -> dict[str, Any]:
        """Return the per-bin table, the edges, the bin count, the grid size and any collapse
        warning of a sample."""
        return self._details_of(self.decode(sample))

    def _details_of(self, decoded: dict[str, Any]) -> dict[str, Any]:
        """Return the record details of a decoded bin set (``bins_of``): one shape whether the
        read came as a sample or as rows of states."""
        return {"bins": decoded["bins"], "edges": decoded["edges"], "n_bins_used": len(decoded["bins"]),
                "candidates": self.grid.m, "warnings": decoded["warnings"]}

    # --- baselines ----------------------------------------------------------------------------
    def baselines(self) -> dict[str, Callable[[], dict[Any, int]]]:
        """Return uniform (equal-width) and percentile (equal-count), rules of thumb (not exact),
        de (the seed's differential evolution, seeded: a heuristic, not exact) and dp (exact: the
        proven optimum over the candidate grid, the CQM's own optimum), each a sample over the
        CQM's y variables."""
        return sample_methods(self.native_baselines(), self.sample_of)

    def native_baselines(self) -> dict[str, Callable[[], Any]]:
        """Return the methods of ``baselines``, each giving its row of K - 1 bin starts (grid
        indices), scored by ``native_reads``."""
        k = self.rules.k
        return {
            "uniform": lambda: search.uniform_starts(self.grid, k),
            "percentile": lambda: search.percentile_starts(self.grid, self.sorted_p, k),
            "de": lambda: search.differential_evolution_starts(self.grid, self.revenue, self.cost, self.rules,
                                                               self.seed or 0),
            "dp": lambda: self.optimum_starts,
        }


class StartLabels(Sequence[str]):
    """The CQM's variables ``y_j_b`` (b = 1..bins, j = 1..width; b-major), each string made when
    it is read, so that a read over millions of them carries no label list."""

    def __init__(self, bins: int, width: int) -> None:
        self.shape = (bins, width)

    def __len__(self) -> int:
        return self.shape[0] * self.shape[1]

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        b, j = divmod(index % len(self), self.shape[1])
        return f"y_{j + 1}_{b + 1}"


def _at_least(field: str, value: Any, low: int) -> int:
    number = whole_number(field, value)
    if number < low:
        raise BadInputError(field, value, f"must be a whole number >= {low}")
    return number


def _candidates(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "all"):
        return None
    return _at_least("candidates", value, 2)


_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


def _expression(field: str, text: str, k: int) -> np.ndarray:
    """Return an arithmetic expression in the bin index ``b`` (``30 + 10*b``, ``b**2``)
    evaluated at b = 0..k-1: numbers, b, + - * / ** and parentheses only."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise BadInputError(field, text, "expected a number, a list or an expression in b") from None

    def value(node: ast.AST) -> Any:
        if isinstance(node, ast.Expression):
            return value(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id == "b":
            return np.arange(k, dtype=float)
        if isinstance(node, ast.BinOp) and isinstance(node.op, _OPERATORS):
            left, right = value(node.left), value(node.right)
            ops = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide,
                   ast.Pow: np.power}
            return ops[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            return -value(node.operand) if isinstance(node.op, ast.USub) else value(node.operand)
        raise BadInputError(field, text, "expected a number, a list or an expression in b (+ - * / ** only)")

    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(value(tree), dtype=float), (k,)).copy()


def per_bin(field: str, value: PerBin, k: int) -> np.ndarray:
    """Return a per-bin value for bins 0..k-1 from a number, a list of k numbers (or a string
    "30,40,..."), an expression in b ("30+10*b") or a callable of b; BadInputError names a
    list of the wrong length or a value that is not a finite number."""
    if callable(value):
        try:
            array = np.array([float(value(b)) for b in range(k)])
        except (TypeError, ValueError) as exc:
            raise BadInputError(field, value, f"the function of b must return numbers ({exc})") from None
    elif isinstance(value, str):
        parts = [p for p in value.replace(";", ",").split(",") if p.strip()]
        if len(parts) > 1:
            try:
                array = np.array([float(p) for p in parts])
            except ValueError:
                raise BadInputError(field, value, "expected a list of numbers") from None
        else:
            array = _expression(field, value.strip(), k)
    elif isinstance(value, (list, tuple, np.ndarray)):
        try:
            array = np.asarray(value, dtype=float).ravel()
        except (TypeError, ValueError):
            raise BadInputError(field, value, "expected a list of numbers") from None
    else:
        try:
            array = np.full(k, float(value))
        except (TypeError, ValueError):
            raise BadInputError(field, value, "expected a number") from None
    if len(array) != k:
        raise BadInputError(field, value, f"a per-bin list needs {k} values (n_bins), got {len(array)}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise BadInputError(f"{field}[{bad[0]}]", float(array[bad[0]]), "must be a finite number")
    return array


def binning_from_spec(*, size: int | None, seed: int, data: Any, params: Mapping[str, Any]) -> BinningProblem:
    """Return a binning instance from the API/CLI fields: ``data=None`` generates ``size``
    customers (default 10,000) with the seed recipe; a path is a CSV with the columns named by
    ``propensity_column`` and ``outcome_column`` (its ``customer_id`` or ``id`` column, when
    present, gives the customers' ids); a DataFrame holds those two columns (its index, unless
    the default 0..N-1, gives the ids) and an N × 2 array is (propensity, outcome)."""
    check_parameters("binning", params, BinningProblem.parameters)
    settings = dict(params)
    outcome_model = str(settings.pop("outcome_model", "bernoulli"))
    p_column = str(settings.pop("propensity_column", "propensity"))
    y_column = str(settings.pop("outcome_column", "outcome"))
    ids: np.ndarray | None = None
    if data is None:
        n = DEFAULT_SIZE if size is None else size
        frame = propensity_customers(n, seed, outcome_model)
        instance, instance_seed = f"generated-n{n}-s{seed}", seed
    elif not isinstance(data, str):
        from qseg.data.arrays import propensity_of

        if size is not None:
            raise BadInputError("size", size, "customers given in memory fix their own size")
        frame, ids = propensity_of(data, p_column, y_column)
        instance, instance_seed = f"customers-n{len(frame)}", None
    else:
        frame = load_propensity_csv(data, p_column, y_column)  # a missing file is named before the size
        if size is not None:
            raise BadInputError("size", size, "a customers CSV fixes its own size")
        instance, instance_seed = Path(data).stem, None
    problem = BinningProblem(frame["propensity"].to_numpy(), frame["outcome"].to_numpy(), instance=instance,
                             seed=instance_seed, **settings)
    if "customer" in frame:
        problem.ids = frame["customer"].to_numpy()
    elif ids is not None:
        problem.ids = ids
    return problem
