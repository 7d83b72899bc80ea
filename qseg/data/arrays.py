"""Customers given in memory: a numpy array or a pandas DataFrame passed as ``data=`` to
``qseg.problem`` (k-medoids points, binning propensities and outcomes), checked into plain arrays.

Errors name the field and describe the data by type and shape, never by its repr (a DataFrame's
repr runs to many lines).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from qseg.data.propensity import check_propensity
from qseg.errors import BadInputError


def _ids(frame: pd.DataFrame | pd.Series) -> np.ndarray | None:
    """Return a DataFrame's index as customer ids, None for the default 0..N-1 index."""
    index = frame.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return None
    return np.asarray(index.to_numpy())


def points_of(data: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Return (points as an N × F float matrix, customer ids or None) of a 2-D array or a DataFrame
    of numeric columns (its index, unless the default 0..N-1, gives the ids); BadInputError names
    a non-numeric column, a NaN or infinite entry, or a wrong shape."""
    ids = None
    if isinstance(data, pd.DataFrame):
        ids = _ids(data)
        for column in data.columns:
            if not pd.api.types.is_numeric_dtype(data[column]) or pd.api.types.is_bool_dtype(data[column]):
                raise BadInputError(f"data[{column!r}]", str(data[column].dtype), "k-medoids points must be numeric columns")
        matrix = data.to_numpy(dtype=float)
    else:
        try:
            matrix = np.asarray(data, dtype=float)
        except (TypeError, ValueError):
            raise BadInputError("data", f"array of dtype {np.asarray(data).dtype}", "expected numbers") from None
    if matrix.ndim == 1:
        raise BadInputError("data", f"1-D array of shape {matrix.shape}", "expected a 2-D array, one row per customer "
                            "(reshape(-1, 1) for a single feature)")
    if matrix.ndim != 2 or matrix.shape[0] < 1 or matrix.shape[1] < 1:
        raise BadInputError("data", f"array of shape {matrix.shape}", "expected a 2-D array with at least one row and column")
    bad = np.argwhere(~np.isfinite(matrix))
    if bad.size:
        i, j = bad[0]
        raise BadInputError(f"data[{i}][{j}]", float(matrix[i, j]), "must be a finite number (NaN and infinity are not)")
    return matrix, ids


def propensity_of(data: Any, propensity_column: str = "propensity",
                  outcome_column: str = "outcome") -> tuple[pd.DataFrame, np.ndarray | None]:
    """Return (the checked frame with columns ``propensity`` and ``outcome``, customer ids or None)
    of a DataFrame holding the two named columns (its index, unless the default, gives the ids)
    or an N × 2 array (propensity, outcome); BadInputError names a missing column or a bad entry."""
    if isinstance(data, pd.DataFrame):
        for field, column in (("propensity_column", propensity_column), ("outcome_column", outcome_column)):
            if column not in data.columns:
                listed = ", ".join(map(str, data.columns[:20]))
                raise BadInputError(field, column, f"no such column in the DataFrame (columns: {listed})")
        return check_propensity(data[propensity_column].to_numpy(), data[outcome_column].to_numpy()), _ids(data)
    matrix = np.asarray(data)
    if matrix.ndim != 2 or matrix.shape[1] != 2:
        raise BadInputError("data", f"array of shape {matrix.shape}", "expected N × 2 (propensity, outcome) or a DataFrame")
    return check_propensity(matrix[:, 0], matrix[:, 1]), None
