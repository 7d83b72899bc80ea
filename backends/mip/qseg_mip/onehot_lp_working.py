"""The sifting LP's working set, kept in one HiGHS instance so that each round re-solves from the
previous basis instead of from scratch.

Rows: the coupling rows first (bounds reduced by what the fixed groups use), then one one-hot
row per working group. Columns: one elastic slack per finite coupling-row bound (cost
``penalty``: it keeps the LP feasible while the fixed groups overfill a row), then every option
of every working group. Groups only join; a joining group's fixed option stops counting against
the coupling rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from qseg.backends import silenced
from qseg_mip.highs_solve import new_solver
from qseg_mip.onehot_grouped import GroupedProgram


@dataclass
class WorkingSolution:
    """One solve of the working LP."""

    status: str  # "optimal", or HiGHS's model status text when it is not
    multipliers: np.ndarray  # coupling rows: d(optimum)/d(bound)
    group_duals: np.ndarray  # working groups, in ``WorkingLP.members`` order
    values: np.ndarray  # working groups' option values, (members × width), 0 on padding
    slack: float  # total elastic slack in use


class WorkingLP:
    """The LP over ``members`` (all options free) with every other group fixed to ``slots``."""

    def __init__(self, grouped: GroupedProgram, slots: np.ndarray, penalty: float, threads: int) -> None:
        import highspy

        self.grouped, self.slots, self.highspy = grouped, slots, highspy
        self.members = np.zeros(0, dtype=np.int64)
        self.num_rows = len(grouped.row_lower)
        fixed = np.zeros(len(grouped.program.cost))
        fixed[grouped.options[np.arange(grouped.num_groups), slots]] = 1.0
        self.fixed_use = grouped.coupling @ fixed
        with silenced():
            self.solver = new_solver(highspy, threads)
        inf = highspy.kHighsInf
        lower, upper = self._residual_bounds()
        self.solver.addRows(self.num_rows, np.clip(lower, -inf, inf), np.clip(upper, -inf, inf), 0,
                            np.zeros(self.num_rows, dtype=np.int32), np.zeros(0, dtype=np.int32), np.zeros(0))
        rows = np.arange(self.num_rows)
        below, above = rows[np.isfinite(grouped.row_lower)], rows[np.isfinite(grouped.row_upper)]
        count = len(below) + len(above)
        self.num_slack = count
        if count:
            self.solver.addCols(count, np.full(count, penalty), np.zeros(count), np.full(count, inf), count,
                                np.arange(count, dtype=np.int32), np.r_[below, above].astype(np.int32),
                                np.r_[np.ones(len(below)), -np.ones(len(above))])

    def _residual_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.grouped.row_lower - self.fixed_use, self.grouped.row_upper - self.fixed_use

    def add(self, groups: np.ndarray) -> None:
        """Let ``groups`` (not yet members) choose among all their options."""
        grouped, inf = self.grouped, self.highspy.kHighsInf
        if not len(groups):
            return
        leaving_fixed = grouped.options[groups, self.slots[groups]]
        self.fixed_use = self.fixed_use - np.asarray(grouped.coupling[:, leaving_fixed].sum(axis=1)).ravel()
        lower, upper = self._residual_bounds()
        self.solver.changeRowsBounds(self.num_rows, np.arange(self.num_rows, dtype=np.int32),
                                     np.clip(lower, -inf, inf), np.clip(upper, -inf, inf))
        first_row = self.num_rows + len(self.members)
        count = len(groups)
        self.solver.addRows(count, np.ones(count), np.ones(count), 0, np.zeros(count, dtype=np.int32),
                            np.zeros(0, dtype=np.int32), np.zeros(0))
        mask = grouped.valid[groups]
        columns = grouped.options[groups][mask]
        local = np.repeat(np.arange(count), mask.sum(axis=1))
        coupling = grouped.coupling[:, columns].tocoo()
        matrix = sp.csc_matrix(
            (np.r_[coupling.data, np.ones(len(columns))],
             (np.r_[coupling.row, first_row + local], np.r_[coupling.col, np.arange(len(columns))])),
            shape=(first_row + count, len(columns)),
        )
        matrix.sort_indices()
        self.solver.addCols(len(columns), grouped.program.cost[columns], np.zeros(len(columns)),
                            np.ones(len(columns)), matrix.nnz, matrix.indptr[:-1].astype(np.int32),
                            matrix.indices.astype(np.int32), matrix.data)
        self.members = np.r_[self.members, groups]

    def solve(self, time_limit: float | None) -> WorkingSolution:
        """Re-solve (from the last basis) and return the solution."""
        highspy = self.highspy
        with silenced():
            self.solver.setOptionValue("time_limit", max(time_limit, 1e-3) if time_limit is not None else highspy.kHighsInf)
            self.solver.run()
        status = self.solver.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            return WorkingSolution(self.solver.modelStatusToString(status), np.zeros(0), np.zeros(0), np.zeros(0), 0.0)
        solution = self.solver.getSolution()
        col_value, row_dual = np.asarray(solution.col_value), np.asarray(solution.row_dual)
        valid = self.grouped.valid[self.members]
        values = np.zeros(valid.shape)
        values[valid] = col_value[self.num_slack:]
        return WorkingSolution(
            "optimal", row_dual[: self.num_rows], row_dual[self.num_rows:], values,
            float(col_value[: self.num_slack].sum()),
        )
