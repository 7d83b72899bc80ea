"""Propensity scores with observed outcomes, for propensity binning (the Smart Segment seed).

``propensity_customers(n, seed)`` draws, from one ``numpy.random.default_rng(seed)`` in this
order, propensity = clip(Gamma(shape 2, scale 2), 0, 20) / 20 and then the outcomes: by default
Bernoulli(propensity) (``outcome_model="bernoulli"``), or independent fair coin flips
(``outcome_model="random"``, what the seed's README does). ``load_propensity_csv`` reads a CSV
with a propensity column and a 0/1 outcome column (names settable). Both return a frame with
columns ``propensity`` (float in [0, 1]) and ``outcome`` (int8 0/1); ``check_propensity`` is the
one validation both go through.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qseg.errors import BadInputError
from qseg.files import read_csv

OUTCOME_MODELS = ("bernoulli", "random")
ID_COLUMNS = ("customer_id", "id")  # the first present is kept as the customers' ids
GAMMA_SHAPE, GAMMA_SCALE, CLIP = 2.0, 2.0, 20.0


def propensity_customers(n: int, seed: int, outcome_model: str = "bernoulli") -> pd.DataFrame:
    """Return ``n`` customers drawn with the seed recipe: columns ``propensity``, ``outcome``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise BadInputError("size", n, "must be an integer >= 1")
    if outcome_model not in OUTCOME_MODELS:
        raise BadInputError("outcome_model", outcome_model, f"expected one of {', '.join(OUTCOME_MODELS)}")
    rng = np.random.default_rng(seed)
    propensity = np.clip(rng.gamma(GAMMA_SHAPE, GAMMA_SCALE, int(n)), 0.0, CLIP) / CLIP
    if outcome_model == "bernoulli":
        outcome = (rng.random(int(n)) < propensity).astype(np.int8)
    else:
        outcome = rng.integers(0, 2, int(n)).astype(np.int8)
    return pd.DataFrame({"propensity": propensity, "outcome": outcome})


def load_propensity_csv(path: str | Path, propensity_column: str = "propensity",
                        outcome_column: str = "outcome") -> pd.DataFrame:
    """Return the customers of a CSV file (columns ``propensity_column``, ``outcome_column``)
    as a checked frame with columns ``propensity`` and ``outcome``, and ``customer`` holding the
    file's ``customer_id`` (or ``id``) column when it has one."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise BadInputError("data", str(path), "no such file")
    frame: pd.DataFrame = read_csv("data", file)
    for field, column in (("propensity_column", propensity_column), ("outcome_column", outcome_column)):
        if column not in frame.columns:
            raise BadInputError(field, column, f"no such column in {file.name} (columns: {', '.join(map(str, frame.columns))})")
    checked = check_propensity(frame[propensity_column].to_numpy(), frame[outcome_column].to_numpy())
    for id_column in ID_COLUMNS:
        if id_column in frame.columns:
            checked["customer"] = frame[id_column].to_numpy()
            break
    return checked


def check_propensity(propensity: Any, outcome: Any) -> pd.DataFrame:
    """Return propensities and outcomes as a frame after checking that both are 1-D, of equal
    length >= 1, propensities finite in [0, 1] and outcomes 0 or 1; BadInputError names the
    first offending entry."""
    p = _numeric("propensity", propensity)
    y = _numeric("outcome", outcome)
    if len(p) != len(y):
        raise BadInputError("outcome", f"{len(y)} values", f"length differs from propensity ({len(p)} values)")
    if len(p) < 1:
        raise BadInputError("propensity", "0 values", "needs at least one customer")
    bad = np.flatnonzero(~np.isfinite(p) | (p < 0) | (p > 1))
    if bad.size:
        raise BadInputError(f"propensity[{bad[0]}]", float(p[bad[0]]), "must be a finite number in [0, 1]")
    bad = np.flatnonzero((y != 0) & (y != 1))
    if bad.size:
        raise BadInputError(f"outcome[{bad[0]}]", float(y[bad[0]]), "must be 0 or 1")
    return pd.DataFrame({"propensity": p, "outcome": y.astype(np.int8)})


def _numeric(field: str, values: Any) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        series = pd.to_numeric(pd.Series(np.asarray(values, dtype=object).ravel()), errors="coerce")
        first = int(np.flatnonzero(series.isna().to_numpy())[0])
        raise BadInputError(f"{field}[{first}]", np.asarray(values, dtype=object).ravel()[first], "not a number") from None
    if array.ndim != 1:
        raise BadInputError(field, f"shape {array.shape}", "must be one value per customer")
    return array
