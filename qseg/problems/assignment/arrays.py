"""The retention assignment as arrays: what the QUBO builders, the LP relaxation and the
classical search take instead of the problem object, and the state arithmetic they share.

Customers are i < N, actions k < K (k = 0 is "no action"); a state is a 0/1 row over the flat
variables ``i * K + k``, an action vector one action id per customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from qseg.problems.assignment.feasibility import Floor
from qseg.problems.assignment.rules import CouplingRow


@dataclass(frozen=True)
class AssignmentArrays:
    """One instance's numbers: ``weights[i, k]`` the net value of giving customer i action k,
    ``value[i]`` the value at risk (churn probability x CLV), ``cost`` and ``uplift`` per action,
    ``budget`` the weekly budget, segments (``segment`` codes into ``segment_names``),
    ``high_risk`` flags, the coupling ``rows`` and their sparse ``coupling`` matrix over the flat
    variables, the coverage ``floors`` and the cheapest treatment ``slots`` (actions, counts, unit
    costs) the caps allow. ``name`` is the instance, for messages."""

    name: str
    weights: np.ndarray
    value: np.ndarray
    cost: np.ndarray
    uplift: np.ndarray
    budget: float
    segment: np.ndarray
    segment_names: tuple[str, ...]
    high_risk: np.ndarray
    rows: tuple[CouplingRow, ...]
    coupling: sp.csr_matrix
    floors: dict[str, Floor]
    slots: tuple[np.ndarray, np.ndarray, np.ndarray]

    @property
    def size(self) -> int:
        """Return the number of customers N."""
        return int(self.weights.shape[0])

    @property
    def num_actions(self) -> int:
        """Return the number of actions K, "no action" included."""
        return int(self.weights.shape[1])


def sparse_rows(rows: Sequence[CouplingRow], width: int) -> sp.csr_matrix:
    """Return the coupling rows as a sparse (rows, ``width``) matrix over the flat variables."""
    row_index = np.concatenate([np.full(r.columns.size, index) for index, r in enumerate(rows)])
    columns = np.concatenate([r.columns for r in rows])
    values = np.concatenate([r.coefficients for r in rows])
    return sp.csr_matrix((values, (row_index, columns)), shape=(len(rows), width))


def constraint_activity(coupling: sp.csr_matrix, states: np.ndarray) -> np.ndarray:
    """Return each state's left-hand side of every coupling row, shape (R, rows)."""
    return np.asarray((coupling @ np.asarray(states, dtype=float).T).T)


def states_from_actions(actions: np.ndarray, size: int, num_actions: int) -> np.ndarray:
    """Return the one-hot (R, N*K) int8 states of action vectors (R, N)."""
    actions = np.atleast_2d(actions)
    states = np.zeros((len(actions), size * num_actions), dtype=np.int8)
    states[np.arange(len(actions))[:, None], np.arange(size)[None, :] * num_actions + actions] = 1
    return states
