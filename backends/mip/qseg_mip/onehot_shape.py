"""Recognise the one-hot-plus-coupling-rows shape (the retention action assignment) in a
LinearProgram, and the presolve steps that shape allows (redundant rows, dominated options).

Shape: every column binary; some rows are ``sum of a group's columns == 1`` with all
coefficients 1, and these groups partition the columns; at most ``max_coupling_rows`` other
rows ("coupling rows": budget, capacities, coverage floors, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from qseg_mip.linear_program import LinearProgram

MAX_COUPLING_ROWS = 64


@dataclass(frozen=True)
class OneHotStructure:
    """The groups and coupling rows of a one-hot-structured LinearProgram.

    ``options`` is a (groups × width) table of column indices, group g's options in its row
    (in column order), padded with -1 where a group has fewer than ``width`` options.
    ``group_rows[g]`` is group g's one-hot row; ``coupling_rows`` are every other row.
    """

    options: np.ndarray
    group_rows: np.ndarray
    coupling_rows: np.ndarray

    @property
    def num_groups(self) -> int:
        """Return the number of one-hot groups."""
        return int(self.options.shape[0])

    @property
    def valid(self) -> npt.NDArray[np.bool_]:
        """Return the (groups × width) mask of real options (False on padding)."""
        return self.options >= 0


def detect_one_hot_structure(
    program: LinearProgram, max_coupling_rows: int = MAX_COUPLING_ROWS
) -> OneHotStructure | None:
    """Return the program's one-hot structure, or None when it does not have that shape.

    None when: a column is not binary, there are product (auxiliary) columns, the candidate
    one-hot rows overlap or leave a column uncovered, or more than ``max_coupling_rows`` rows remain.
    """
    num_cols = len(program.cost)
    if num_cols == 0 or num_cols != program.num_model_variables:
        return None
    if not (program.integer.all() and (program.lower == 0).all() and (program.upper == 1).all()):
        return None
    matrix = program.matrix.tocsr()
    counts = np.diff(matrix.indptr)
    row_of_entry = np.repeat(np.arange(matrix.shape[0]), counts)
    not_one = np.bincount(row_of_entry[matrix.data != 1], minlength=matrix.shape[0])
    one_hot = (program.row_lower == 1) & (program.row_upper == 1) & (not_one == 0) & (counts > 0)
    num_coupling = int((~one_hot).sum())
    if num_coupling > max_coupling_rows or not one_hot.any():
        return None
    group_rows = np.flatnonzero(one_hot)
    in_group = one_hot[row_of_entry]
    if not np.array_equal(np.bincount(matrix.indices[in_group], minlength=num_cols), np.ones(num_cols, int)):
        return None
    sizes = counts[group_rows]
    width = int(sizes.max())
    options = np.full((len(group_rows), width), -1, dtype=np.int64)
    slot = np.arange(in_group.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    options[np.repeat(np.arange(len(group_rows)), sizes), slot] = matrix.indices[in_group]
    return OneHotStructure(options, group_rows, np.flatnonzero(~one_hot))


def redundant_rows(program: LinearProgram, structure: OneHotStructure, coupling: np.ndarray) -> npt.NDArray[np.bool_]:
    """Return a mask over ``structure.coupling_rows``: rows no one-hot choice can violate (the
    smallest and largest activity over the groups' options lie within the row's bounds).
    ``coupling`` is ``dense_coupling(program, structure)``."""
    valid = structure.valid[None]
    low = np.where(valid, coupling, np.inf).min(axis=2).sum(axis=1)
    high = np.where(valid, coupling, -np.inf).max(axis=2).sum(axis=1)
    rows = structure.coupling_rows
    redundant: npt.NDArray[np.bool_] = (low >= program.row_lower[rows]) & (high <= program.row_upper[rows])
    return redundant


def dominated_options(
    program: LinearProgram, structure: OneHotStructure, coupling: np.ndarray, rows: np.ndarray
) -> npt.NDArray[np.bool_]:
    """Return a (groups × width) mask of options some other option of the same group dominates:
    no dearer, and no worse on each of ``rows`` (indices into ``structure.coupling_rows``): no
    larger where the row has only an upper bound, no smaller where only a lower bound, equal
    otherwise (``coupling`` is ``dense_coupling(program, structure)``). Of identical options the
    first is kept. Dropping them changes neither the
    optimum nor the LP bound (a dominated option's reduced cost is never below its dominator's).
    """
    options, valid = structure.options, structure.valid
    cost = np.where(valid, program.cost[np.maximum(options, 0)], np.inf)
    coupling = coupling[rows]
    chosen = structure.coupling_rows[rows]
    upper_only = np.isinf(program.row_lower[chosen]) & np.isfinite(program.row_upper[chosen])
    lower_only = np.isfinite(program.row_lower[chosen]) & np.isinf(program.row_upper[chosen])
    # Orient every row so that "smaller is better"; two-sided rows must match exactly.
    sign = np.where(lower_only, -1.0, 1.0)[:, None, None]
    oriented = coupling * sign
    exact = ~(upper_only | lower_only)
    width = options.shape[1]
    dominated = np.zeros(options.shape, dtype=bool)
    for k in range(width):
        for other in range(width):
            if other == k:
                continue
            no_worse = (cost[:, other] <= cost[:, k]) & (oriented[:, :, other] <= oriented[:, :, k]).all(axis=0)
            if exact.any():
                no_worse &= (coupling[exact][:, :, other] == coupling[exact][:, :, k]).all(axis=0)
            identical = (cost[:, other] == cost[:, k]) & (oriented[:, :, other] == oriented[:, :, k]).all(axis=0)
            # Among identical options only the later ones go, so one always stays.
            dominated[:, k] |= no_worse & valid[:, other] & (~identical | (other < k))
    return dominated & valid


def dense_coupling(program: LinearProgram, structure: OneHotStructure) -> npt.NDArray[np.float64]:
    """Return the coupling rows' coefficients as a (rows × groups × width) array, 0 on padding."""
    rows = program.matrix.tocsr()[structure.coupling_rows]
    # Padding (-1) reads the last column, which is appended all zero.
    dense = np.zeros((rows.shape[0], rows.shape[1] + 1))
    dense[:, :-1] = rows.toarray()
    coefficients: npt.NDArray[np.float64] = dense[:, structure.options]
    return coefficients
