"""Input checks shared by the segmentation modules: each returns the clean value or raises
BadInputError naming the field, before any heavy work starts."""

from __future__ import annotations

from typing import Any

import numpy as np

from qseg.errors import BadInputError


def check_points(points: Any, field: str = "points") -> np.ndarray:
    """Return ``points`` as a finite 2-D float array with at least one row and one column."""
    try:
        array = np.asarray(points, dtype=float)
    except (TypeError, ValueError):
        raise BadInputError(field, type(points).__name__, "expected a numeric 2-D array (rows = customers)") from None
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise BadInputError(field, array.shape, "expected a non-empty 2-D array (rows = customers, columns = features)")
    if not np.isfinite(array).all():
        row = int(np.flatnonzero(~np.isfinite(array).all(axis=1))[0])
        raise BadInputError(field, f"row {row}", "contains NaN or infinity")
    return array


def check_labels(labels: Any, n: int, field: str = "labels") -> np.ndarray:
    """Return ``labels`` as an int array of length ``n`` (-1 = noise, other labels >= 0)."""
    array = np.asarray(labels)
    if array.ndim != 1 or len(array) != n:
        raise BadInputError(field, array.shape, f"expected one label per customer ({n})")
    if array.dtype.kind not in "iu":
        if array.dtype.kind != "f" or not np.isfinite(array).all() or not (array == np.round(array)).all():
            raise BadInputError(field, str(array.dtype), "expected whole-number labels")
    array = array.astype(np.int64)
    if (array < -1).any():
        raise BadInputError(field, int(array.min()), "labels are >= 0, or -1 for noise")
    return array


def check_rows(rows: Any, n: int, field: str = "medoid_rows") -> np.ndarray:
    """Return ``rows`` as a non-empty 1-D int array of distinct row indices into ``n`` customers."""
    array = np.asarray(rows)
    if array.ndim != 1 or len(array) == 0:
        raise BadInputError(field, array.shape, "expected a non-empty 1-D array of row indices")
    if array.dtype.kind not in "iu":
        raise BadInputError(field, str(array.dtype), "expected integer row indices")
    array = array.astype(np.int64)
    if array.min() < 0 or array.max() >= n:
        raise BadInputError(field, int(array.min() if array.min() < 0 else array.max()), f"row outside 0..{n - 1}")
    if len(np.unique(array)) != len(array):
        raise BadInputError(field, array.tolist(), "medoid rows repeat")
    return array


def whole(field: str, value: Any, *, low: int, high: int | None = None) -> int:
    """Return ``value`` as an int in ``low..high`` (``high`` None = unbounded); a bool, a
    fraction, NaN or a string that is no number is refused."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer | float | np.floating):
        raise BadInputError(field, value, "expected a whole number")
    if not np.isfinite(value) or float(value) != int(value):
        raise BadInputError(field, value, "expected a whole number")
    number = int(value)
    if number < low or (high is not None and number > high):
        bound = f">= {low}" if high is None else f"in {low}..{high}"
        raise BadInputError(field, value, f"must be {bound}")
    return number


def check_seed(seed: Any) -> int:
    """Return ``seed`` as an int in 0..2**32 - 1 (what numpy and scikit-learn accept)."""
    return whole("seed", seed, low=0, high=2**32 - 1)
