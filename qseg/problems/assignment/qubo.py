"""QUBO formulations of the retention assignment, built from numpy arrays over the CQM's integer
labels ``i * K + k``.

Both formulations keep the action variables x_ik (k >= 1) and state:

* the one-hot rows with the no-action variable substituted, x_i0 = 1 - sum_{k>=1} x_ik:
  ``A_i * sum_{1<=k<l} x_ik x_il`` is 0 for no action or one action and >= A_i for two, exact
  and without slack. Switching a customer's action then needs no pass over a penalised state
  (with x_i0 kept, every switch crosses a 0- or 2-action state and simulated annealing freezes).
  Decoding restores x_i0 (``AssignmentProblem.states_of``);
* every coupling row in "<=" form over action variables (floors negated: -sum x <= -F).

``unbalanced`` (default; Montanez-Barrera et al. 2022, no slack variables)
    Row r with h_r = b_r - sum a x gets -l1_r*h_r + l2_r*h_r^2. l1_r is the row's price in the LP
    relaxation (objective per unit of limit, scipy's HiGHS), so a state that overfills a binding
    row pays what the LP says the unit is worth, as the knapsack rule's critical ratio does; rows
    the LP prices at 0 get a token l1_r = 1 % (``idle_fraction``) of the largest gain per unit
    any of their variables can bring. l2_r = l1_r / (2 h*_r) puts the penalty's flat minimum at
    h*_r = max(LP slack, |b_r| / (2 kappa), half the smallest coefficient), kappa = 4: the LP
    optimum sits where every penalty is flat, and leaving a little budget unspent is not punished
    more than one cheap action is worth. A_i = 1.1 x (the most any single action of customer i
    can gain, at the LP prices or at none, plus the l1 of the floors it would help meet), so a
    second action never pays. Options: ``kappa``, ``idle_fraction``, ``one_hot`` (one A), and the
    multipliers ``one_hot_scale`` (every A_i) and ``row_scale`` (every row's l1_r and l2_r), which
    penalty tuning raises.
    Measured at 250 x 8 (seed 0, sa 100 reads x 1000 sweeps): 33 % of reads feasible, the best
    1.5 % below the MILP optimum (0.16 % after the polish).
``slack`` (binary-expanded slack, Lucas 2014)
    lam * (sum a' x + sum_j w_j s_j - b')^2 per row with coefficients scaled to ``resolution`` r
    for the budget (1 when every cost and the budget are whole dollars, else 0.01; a' = ceil(a/r),
    b' = floor(b/r): a QUBO-feasible state is feasible) and slack bits w_j covering exactly the
    row's range. lam = A = 1.001 x the largest single-action gain: one scaled unit of violation
    costs more than any one action can add. Options: ``lam``, ``resolution``, ``one_hot``.
"""

from __future__ import annotations

from dataclasses import dataclass

import dimod
import numpy as np

from qseg.problems.assignment.arrays import AssignmentArrays
from qseg.problems.assignment.lp import lp_relaxation
from qseg.problems.base import Qubo

DEFAULT_KAPPA = 4.0
ONE_HOT_MARGIN = 1.1
IDLE_FRACTION = 0.01
SLACK_MARGIN = 1.001


@dataclass(frozen=True)
class QuboRow:
    """A coupling row over action variables in "<=" form: sum coefficients * x[columns] <= bound."""

    name: str
    columns: np.ndarray
    coefficients: np.ndarray
    bound: float


def build(formulation: str, arrays: AssignmentArrays, options: dict[str, float]) -> Qubo:
    """Return ``formulation`` of the instance ``arrays`` with the penalty weights it used;
    ``options`` are the checked penalty options (``penalty_values``)."""
    return {"unbalanced": _unbalanced, "slack": _slack}[formulation](arrays, options)


def action_labels(arrays: AssignmentArrays) -> np.ndarray:
    """Return the CQM labels ``i * K + k`` of the action variables (k >= 1), the QUBO's own."""
    k = arrays.num_actions
    return (np.arange(arrays.size)[:, None] * k + np.arange(1, k)[None, :]).ravel()


def qubo_rows(arrays: AssignmentArrays) -> list[QuboRow]:
    """Return the coupling rows in "<=" form (floors negated); none uses a no-action variable.
    A row without variables (a budget when every action is free) holds trivially and is left out."""
    return [QuboRow(r.name, r.columns, r.coefficients if r.sense == "<=" else -r.coefficients,
                    r.limit if r.sense == "<=" else -r.limit) for r in arrays.rows if r.columns.size]


class _Energy:
    """Linear biases and quadratic triplets over CQM labels (duplicates summed by dimod), an offset."""

    def __init__(self, num_labels: int) -> None:
        self.linear = np.zeros(num_labels)
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.offset = 0.0

    def add_square(self, columns: np.ndarray, coefficients: np.ndarray, constant: float, weight: float) -> None:
        """Add weight * (sum coefficients * x[columns] + constant)^2 (binary: x^2 = x)."""
        np.add.at(self.linear, columns, weight * (coefficients**2 + 2 * constant * coefficients))
        first, second = np.triu_indices(columns.size, 1)
        self.rows.append(columns[first])
        self.cols.append(columns[second])
        self.vals.append(2 * weight * coefficients[first] * coefficients[second])
        self.offset += weight * constant**2

    def bqm(self, labels: np.ndarray) -> dimod.BinaryQuadraticModel:
        """Return the BQM over ``labels`` (every term must be on them)."""
        position = np.full(self.linear.size, -1)
        position[labels] = np.arange(labels.size)
        rows, cols, vals = (np.concatenate(part) for part in (self.rows, self.cols, self.vals))
        return dimod.BinaryQuadraticModel.from_numpy_vectors(
            self.linear[labels], (position[rows], position[cols], vals), self.offset, dimod.BINARY,
            variable_order=labels.tolist())


def _objective_and_one_hot(arrays: AssignmentArrays, energy: _Energy, one_hot: float | np.ndarray) -> None:
    """Add -sum w x and the one-hot rows with x_i0 = 1 - sum_{k>=1} x_ik substituted:
    A_i * sum_{1<=k<l} x_ik x_il (zero for no action or one action, >= A_i for two)."""
    n, k = arrays.size, arrays.num_actions
    weight = np.broadcast_to(np.asarray(one_hot, dtype=float), (n,))
    energy.linear[: n * k] -= arrays.weights.ravel()
    first, second = np.triu_indices(k - 1, 1)
    base = (np.arange(n) * k + 1)[:, None]
    energy.rows.append((base + first[None, :]).ravel())
    energy.cols.append((base + second[None, :]).ravel())
    energy.vals.append(np.repeat(weight, first.size))


def _unbalanced(arrays: AssignmentArrays, options: dict[str, float]) -> Qubo:
    kappa = options.get("kappa", DEFAULT_KAPPA)
    rows = qubo_rows(arrays)
    relaxation = lp_relaxation(arrays)
    lambda1, lambda2, neutral = {}, {}, {}
    index = {r.name: j for j, r in enumerate(arrays.rows)}
    idle = options.get("idle_fraction", IDLE_FRACTION)
    field = -arrays.weights.ravel().copy()  # energy change of switching each variable on, at the LP optimum
    for row in rows:
        price, slack = relaxation.prices[index[row.name]], relaxation.slack[index[row.name]]
        lambda1[row.name] = float(price if price > 1e-9 else idle * _largest_unit_gain(arrays, row))
        neutral[row.name] = float(max(slack, abs(row.bound) / (2 * kappa), np.abs(row.coefficients).min() / 2))
        lambda2[row.name] = lambda1[row.name] / (2 * neutral[row.name])
        # d/dx_u of -l1*h + l2*h^2 at the LP slack s: a_u*(l1 - 2*l2*s) + l2*a_u^2
        slope = lambda1[row.name] - 2 * lambda2[row.name] * slack
        np.add.at(field, row.columns, slope * row.coefficients + lambda2[row.name] * row.coefficients**2)
    labels = action_labels(arrays)
    # A second action must never pay: not at the LP prices (-field), not at zero prices (w),
    # nor by the floors it would help meet (their l1 per customer).
    best = np.maximum(np.maximum(-field, arrays.weights.ravel()), 0.0)[labels]
    floor_help = np.zeros(arrays.size)
    for row in rows:
        if row.bound < 0:
            floor_help[np.unique(row.columns // arrays.num_actions)] += lambda1[row.name]
    gains = best.reshape(arrays.size, arrays.num_actions - 1).max(axis=1) + floor_help
    one_hot = options["one_hot"] if "one_hot" in options else ONE_HOT_MARGIN * np.maximum(gains, 1e-9)
    one_hot = options.get("one_hot_scale", 1.0) * one_hot
    row_scale = options.get("row_scale", 1.0)
    lambda1 = {name: row_scale * value for name, value in lambda1.items()}
    lambda2 = {name: row_scale * value for name, value in lambda2.items()}
    energy = _Energy(arrays.size * arrays.num_actions)
    _objective_and_one_hot(arrays, energy, one_hot)
    for row in rows:
        # -l1*h = l1*sum a x - l1*b; l2*h^2 = l2*(sum a x - b)^2
        np.add.at(energy.linear, row.columns, lambda1[row.name] * row.coefficients)
        energy.offset -= lambda1[row.name] * row.bound
        energy.add_square(row.columns, row.coefficients, -row.bound, lambda2[row.name])
    penalties = {"one_hot": float(np.max(one_hot)), **{f"lambda1_{name}": v for name, v in lambda1.items()},
                 **{f"lambda2_{name}": v for name, v in lambda2.items()}}
    return Qubo(energy.bqm(labels), "unbalanced", penalties,
                {"kappa": kappa, "lp_objective": relaxation.objective, "neutral_slack": neutral})


def _largest_unit_gain(arrays: AssignmentArrays, row: QuboRow) -> float:
    """Return the most objective one unit of the row's left-hand side can bring (at least a tiny
    positive floor): the best w / coefficient among its variables (for a negated floor, the gain
    of dropping a treatment)."""
    customers, actions = np.divmod(row.columns, arrays.num_actions)
    gains = arrays.weights[customers, actions] / row.coefficients
    return float(max(gains.max(initial=0.0), 1e-6 * max(float(np.abs(arrays.weights).max()), 1.0)))


def _slack(arrays: AssignmentArrays, options: dict[str, float]) -> Qubo:
    resolution = options.get("resolution", _default_resolution(arrays))
    gain = float(np.maximum(arrays.weights, 0).max(initial=0.0))
    lam = options.get("lam", SLACK_MARGIN * max(gain, 1e-9))
    one_hot = options.get("one_hot", lam)
    width = arrays.size * arrays.num_actions
    energy = _Energy(width + sum(_slack_bits(_scaled(row, resolution, arrays.num_actions)[1]).size for row in qubo_rows(arrays)))
    _objective_and_one_hot(arrays, energy, one_hot)
    start, slack_variables = width, {}
    for row in qubo_rows(arrays):
        coefficients, span, bound = _scaled(row, resolution, arrays.num_actions)
        bits = _slack_bits(span)
        slack_columns = np.arange(start, start + bits.size)
        start += bits.size
        slack_variables[row.name] = int(bits.size)
        energy.add_square(np.concatenate([row.columns, slack_columns]), np.concatenate([coefficients, bits]),
                          -float(bound), lam)
    labels = np.concatenate([action_labels(arrays), np.arange(width, start)])
    return Qubo(energy.bqm(labels), "slack", {"lam": lam, "one_hot": one_hot},
                {"resolution": resolution, "slack_variables": slack_variables})


def _scaled(row: QuboRow, resolution: float, num_actions: int) -> tuple[np.ndarray, int, int]:
    """Return the row's integer coefficients (budget in units of ``resolution``, rounded up), the
    range its slack must cover (bound minus the least left-hand side with at most one action per
    customer) and the integer bound (rounded down): a state meeting the scaled row meets the row."""
    step = resolution if row.name == "budget" else 1.0
    coefficients = np.ceil(row.coefficients / step - 1e-9)
    bound = int(np.floor(row.bound / step + 1e-9))
    lowest = np.zeros(int(row.columns.max()) // num_actions + 1)
    np.minimum.at(lowest, row.columns // num_actions, coefficients)
    return coefficients, max(bound - int(lowest.sum()), 0), bound


def _slack_bits(bound: int) -> np.ndarray:
    """Return the weights of binary slack bits covering 0..bound exactly (the last bit is cut to
    the remainder, as dimod does)."""
    if bound <= 0:
        return np.array([], dtype=float)
    count = int(np.floor(np.log2(bound))) + 1
    weights = 2.0 ** np.arange(count)
    weights[-1] = bound - (2 ** (count - 1) - 1)
    return weights


def _default_resolution(arrays: AssignmentArrays) -> float:
    """Return 1 when every cost and the budget are whole dollars, else 0.01 (cents)."""
    whole = np.all(np.equal(np.mod(arrays.cost, 1), 0)) and float(arrays.budget).is_integer()
    return 1.0 if whole else 0.01
