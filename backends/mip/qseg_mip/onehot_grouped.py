"""A one-hot-structured program in the form the structured method computes with: a table of
option costs per group, the coupling rows, Lagrangian reduced costs and bounds, and small
restricted models (some groups free, the others fixed to one option) for HiGHS.

Sign convention (minimisation): a coupling row's multiplier ``lam`` is d(optimum)/d(bound),
so ``lam <= 0`` on an upper bound (``a·x <= u``), ``lam >= 0`` on a lower bound.
For any such ``lam`` and any feasible one-hot x,
``cost·x >= L(lam) + sum of x's reduced costs``, where L(lam) = sum over groups of the
smallest ``cost - lam·a`` plus ``lam·bound``, and an option's reduced cost is its
``cost - lam·a`` minus its group's smallest. That inequality is the whole proof machinery.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from qseg_mip.linear_program import LinearProgram
from qseg_mip.onehot_shape import OneHotStructure


@dataclass
class Restricted:
    """A restricted model: ``columns`` (program column indices) free, everything else fixed."""

    columns: np.ndarray
    cost: np.ndarray
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    offset: float
    fixed: np.ndarray  # one 0/1 vector over all program columns: the fixed groups' choices
    num_groups: int  # free groups: rows [0, num_groups) of ``matrix`` are their one-hot rows


class GroupedProgram:
    """The structure's arrays: ``options`` (groups × width, -1 padding or dropped), costs,
    coupling rows (CSC over all columns) and their bounds."""

    def __init__(self, program: LinearProgram, structure: OneHotStructure, keep: np.ndarray) -> None:
        self.program = program
        self.options = np.where(keep, structure.options, -1)
        self.valid = self.options >= 0
        self.coupling_rows = structure.coupling_rows
        self.cost_table = np.where(self.valid, program.cost[np.maximum(self.options, 0)], np.inf)
        self.coupling = sp.csc_matrix(program.matrix.tocsr()[structure.coupling_rows])
        self.row_lower = program.row_lower[structure.coupling_rows]
        self.row_upper = program.row_upper[structure.coupling_rows]

    @property
    def num_groups(self) -> int:
        """Return the number of groups."""
        return int(self.options.shape[0])

    def project(self, lam: np.ndarray) -> np.ndarray:
        """Return ``lam`` with each multiplier zeroed where its sign has no finite bound to use."""
        lam = np.asarray(lam, dtype=float).copy()
        lam[(lam > 0) & ~np.isfinite(self.row_lower)] = 0.0
        lam[(lam < 0) & ~np.isfinite(self.row_upper)] = 0.0
        return lam

    def reduced_table(self, lam: np.ndarray) -> np.ndarray:
        """Return ``cost - lam·a`` per option (groups × width), +inf on padding."""
        per_column = self.program.cost - self.coupling.T @ lam
        return np.where(self.valid, per_column[np.maximum(self.options, 0)], np.inf)

    def lagrangian(self, lam: np.ndarray) -> tuple[float, np.ndarray]:
        """Return (L(lam), reduced costs relative to each group's minimum) for a projected lam."""
        table = self.reduced_table(lam)
        smallest = table.min(axis=1)
        bound = np.where(lam > 0, self.row_lower, self.row_upper)
        bound_term = np.where(lam != 0, lam * np.where(np.isfinite(bound), bound, 0.0), 0.0)
        value = float(smallest.sum() + bound_term.sum() + self.program.offset)
        return value, table - smallest[:, None]

    def proves_infeasible(self, lam: np.ndarray, tolerance: float = 1e-6) -> bool:
        """Return whether ``lam`` (scaled to max |lam| = 1) is a Farkas certificate: with zero
        costs L(lam) > tolerance, i.e. every one-hot choice violates the lam-combination of the
        coupling rows by more than ``tolerance``, so no choice meets them all."""
        lam = self.project(lam)
        size = np.abs(lam).max(initial=0.0)
        if size == 0:
            return False
        lam = lam / size
        per_column = -(self.coupling.T @ lam)
        table = np.where(self.valid, per_column[np.maximum(self.options, 0)], np.inf)
        bound = np.where(lam > 0, self.row_lower, self.row_upper)
        bound_term = np.where(lam != 0, lam * np.where(np.isfinite(bound), bound, 0.0), 0.0)
        return bool(table.min(axis=1).sum() + bound_term.sum() > tolerance)

    def restricted(self, free: np.ndarray, allowed: np.ndarray, fixed_slots: np.ndarray | None) -> Restricted:
        """Return the model with groups ``free`` (indices) choosing among their ``allowed``
        options (groups × width mask) and every other group fixed to its ``fixed_slots`` option
        (``None``: the other groups are left out altogether)."""
        fixed = np.zeros(len(self.program.cost))
        if fixed_slots is not None:
            others = np.ones(self.num_groups, dtype=bool)
            others[free] = False
            fixed[self.options[others, fixed_slots[others]]] = 1.0
        mask = allowed[free] & self.valid[free]
        columns = self.options[free][mask]
        group_of = np.repeat(np.arange(len(free)), mask.sum(axis=1))
        one_hot = sp.csr_matrix(
            (np.ones(len(columns)), (group_of, np.arange(len(columns)))), shape=(len(free), len(columns))
        )
        matrix = sp.vstack([one_hot, self.coupling[:, columns]], format="csr")
        used = self.coupling @ fixed
        return Restricted(
            columns=columns,
            cost=self.program.cost[columns],
            matrix=matrix,
            row_lower=np.concatenate([np.ones(len(free)), self.row_lower - used]),
            row_upper=np.concatenate([np.ones(len(free)), self.row_upper - used]),
            offset=float(self.program.cost @ fixed + self.program.offset),
            fixed=fixed,
            num_groups=len(free),
        )
