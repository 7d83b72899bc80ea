"""A linear CQM straight into a LinearProgram, from dimod's arrays.

``from_cqm``'s general path visits every term in Python (seconds at 600,000 variables); a linear
CQM needs none of that: the variable table, and each expression's variable indices and linear
biases, come out of dimod's C++ model as numpy arrays (the arrays ``ConstrainedQuadraticModel
.to_file`` serialises). Only one Python step per constraint remains (~0.3 s for 75,000 rows).
"""

from __future__ import annotations

from typing import Any

import dimod
import numpy as np
import scipy.sparse as sp

from qseg.errors import BadInputError
from qseg_mip.program import INF, LinearProgram

# dimod's C++ Vartype enum, as ``_ivarinfo`` stores it.
_BINARY, _SPIN, _INTEGER, _REAL = 0, 1, 2, 3


def linear_program(cqm: dimod.ConstrainedQuadraticModel) -> LinearProgram | None:
    """Return the LinearProgram of a CQM without quadratic terms, or None when the CQM has a
    quadratic term or this dimod lacks the array accessors (the caller then takes the general path).

    Raises BadInputError for a SPIN variable, as the general path does.
    """
    objective = cqm.objective
    if objective.num_interactions or not _has_array_accessors(cqm):
        return None
    labels = list(cqm.variables)
    varinfo = cqm._ivarinfo()
    spins = np.flatnonzero(varinfo["vartype"] == _SPIN)
    if len(spins):
        raise BadInputError("variable", labels[spins[0]], "MILP backends take BINARY, INTEGER or REAL variables")
    num_cols = len(labels)
    cost = np.bincount(objective._iindices(), weights=objective._ilinear(), minlength=num_cols).astype(float)

    count = len(cqm.constraints)
    indices: list[np.ndarray] = []
    values: list[np.ndarray] = []
    lengths = np.empty(count, dtype=np.int64)
    row_lower = np.empty(count)
    row_upper = np.empty(count)
    row_names: list[str] = []
    for row, (label, constraint) in enumerate(cqm.constraints.items()):
        lhs = constraint.lhs
        if lhs.num_interactions:
            return None
        rhs = float(constraint.rhs) - float(lhs.offset)
        sense = constraint.sense.value
        row_lower[row] = rhs if sense in ("==", ">=") else -INF
        row_upper[row] = rhs if sense in ("==", "<=") else INF
        # Copies: the arrays dimod returns keep a Cython memoryview alive each, and 150,000 of
        # those make the loop several times slower than copying.
        columns = np.array(lhs._iindices())
        indices.append(columns)
        values.append(np.array(lhs._ilinear()))
        lengths[row] = len(columns)
        row_names.append(str(label))
    data = np.concatenate(values).astype(float) if values else np.empty(0)
    columns = np.concatenate(indices).astype(np.int64) if indices else np.empty(0, dtype=np.int64)
    # Explicit zero biases are dropped, as the general path drops them.
    nonzero = data != 0
    if not nonzero.all():
        lengths = np.bincount(np.repeat(np.arange(count), lengths)[nonzero], minlength=count)
        data, columns = data[nonzero], columns[nonzero]
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    matrix = sp.csr_matrix((data, columns, indptr), shape=(count, num_cols))
    matrix.sort_indices()
    return LinearProgram(
        labels=labels,
        cost=cost,
        offset=float(objective.offset),
        lower=np.asarray(varinfo["lb"], dtype=float),
        upper=np.asarray(varinfo["ub"], dtype=float),
        integer=varinfo["vartype"] != _REAL,
        matrix=matrix,
        row_lower=row_lower,
        row_upper=row_upper,
        row_names=row_names,
    )


def _has_array_accessors(cqm: Any) -> bool:
    # Private dimod API (stable since 0.12.0, used by its own serialisation): checked, not assumed.
    return all(hasattr(obj, name) for obj, name in (
        (cqm, "_ivarinfo"), (cqm.objective, "_iindices"), (cqm.objective, "_ilinear")))
