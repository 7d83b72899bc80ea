"""Customers for segmentation from a CSV: feature columns, or a precomputed distance matrix.

A points file has one row per customer and numeric feature columns; an ``id`` column is kept as
the customer id (duplicates are refused) and a ``label`` column, when present, is the reference
labelling used for the adjusted Rand index. A distance file (``metric=precomputed``) holds an
N x N matrix, with or without a header row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from qseg.errors import BadInputError
from qseg.files import header_names, read_csv

ID_COLUMN = "id"
LABEL_COLUMN = "label"


@dataclass(frozen=True)
class PointsTable:
    """Features (or None), distances (or None), reference labels (or None) and customer ids (the
    ``id`` column, or None) read from a CSV."""

    name: str
    points: np.ndarray | None
    distances: np.ndarray | None
    labels: np.ndarray | None
    ids: np.ndarray | None = None


def load_points_csv(path: Path, *, precomputed: bool = False) -> PointsTable:
    """Return the points (or the distance matrix when ``precomputed``) in the CSV at ``path``.

    Raises BadInputError naming the column (or cell) and value that cannot be used.
    """
    frame: pd.DataFrame = read_csv("data", path, header=None if precomputed else "infer")
    if precomputed:
        matrix = frame.apply(pd.to_numeric, errors="coerce")
        if matrix.iloc[0].isna().all():  # a header row
            matrix, frame = matrix.iloc[1:], frame.iloc[1:]
        return PointsTable(path.stem, None, _numeric(matrix, frame, "distances"), None)
    header_names("data", path, frame.columns)  # an ' id ' beside id must not pass as a feature
    labels = frame.pop(LABEL_COLUMN).to_numpy() if LABEL_COLUMN in frame else None
    ids = None
    if ID_COLUMN in frame:
        ids = frame.pop(ID_COLUMN)
        duplicated = ids[ids.duplicated()]
        if len(duplicated):
            raise BadInputError(ID_COLUMN, duplicated.iloc[0], "duplicate customer id")
    if frame.shape[1] == 0:
        raise BadInputError("data", str(path), "no feature columns")
    for column in frame.columns:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = np.flatnonzero(values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan)))
        if bad.size:
            raise BadInputError(f"{column}[{bad[0]}]", frame[column].iloc[bad[0]], "must be a finite number")
    return PointsTable(path.stem, frame.to_numpy(dtype=float), None, labels, None if ids is None else ids.to_numpy())


def _numeric(matrix: pd.DataFrame, raw: pd.DataFrame, field: str) -> np.ndarray:
    """Return ``matrix`` as floats; a cell that is not a number is named with its text in ``raw``."""
    values: np.ndarray = matrix.to_numpy(dtype=float, na_value=np.nan)
    bad = np.argwhere(np.isnan(values))
    if bad.size:
        row, column = bad[0]
        raise BadInputError(f"{field}[{row}][{column}]", raw.iat[row, column], "must be a number")
    return values
