"""The linear program both MILP backends solve: arrays and a sparse matrix, nothing else."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

INF = float("inf")


@dataclass
class LinearProgram:
    """min cost·x + offset  s.t.  row_lower <= A x <= row_upper,  lower <= x <= upper.

    The first ``len(labels)`` columns are the model's variables, in ``labels`` order; the rest
    are product auxiliaries. Row ``i < len(cqm.constraints)`` is the CQM's ``i``-th constraint,
    named by its label; rows after those linearise products.
    """

    labels: list[Hashable]
    cost: np.ndarray
    offset: float
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    matrix: sp.csr_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_names: list[str]

    @property
    def num_model_variables(self) -> int:
        """Return how many columns are the model's own variables (not auxiliaries)."""
        return len(self.labels)
