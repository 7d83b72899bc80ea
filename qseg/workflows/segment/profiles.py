"""Segment profiles (size, shares, mean features) and rule-based business labels.

``segment_profiles`` gives one row per segment (index = segment label; -1 = noise when present),
in ascending label order, with columns

* ``customers``, ``customer_share`` (of all customers) and ``revenue_share`` (the segment's
  share of the summed ``Monetary``);
* for each feature F: ``F`` (the segment mean), ``F_z`` (that mean standardised against the whole
  customer base: (mean - base mean) / base std, 0 for a constant feature) and ``F_pct`` (the
  percentile of the segment mean among all customers' values: the share below it plus half the
  share equal to it, in 0..1).

``label_segments`` reads only the ``_pct`` columns, so every rule is relative to the whole customer
base and insensitive to the heavy tails of spend. Rules, first match wins:

1. label -1: "unsegmented" (HDBSCAN's noise);
2. "high-value loyal": Recency pct <= 0.5 (recent) and Frequency pct >= 0.75 and Monetary
   pct >= 0.75;
3. "at risk": Recency pct >= 0.75 (long since the last purchase);
4. "bulk buyers": TotalQuantity pct >= 0.6 and Frequency pct <= 0.5 (much per visit, few visits);
5. "recent low spenders": Recency pct <= 0.5 and Monetary pct <= 0.5;
6. otherwise "regular".

Segments that get the same label are numbered by revenue share, largest first: "regular (1)",
"regular (2)"; a label used once stays plain.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from qseg.errors import BadInputError
from qseg.workflows.segment.checks import check_labels

RECENT = 0.5  # Recency pct at or below: recent
LAPSED = 0.75  # Recency pct at or above: at risk
HIGH = 0.75  # Frequency and Monetary pct at or above: high
BULK_QUANTITY = 0.6  # TotalQuantity pct at or above, with Frequency pct at or below LOW: bulk
LOW = 0.5  # Frequency and Monetary pct at or below: low
NOISE_NAME = "unsegmented"


def _percentile_of(values: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Return, for each of ``points``, the share of ``values`` below it plus half the share equal."""
    ordered = np.sort(values)
    below = np.searchsorted(ordered, points, side="left")
    upto = np.searchsorted(ordered, points, side="right")
    return np.asarray((below + upto) / (2.0 * len(ordered)))


def segment_profiles(features: pd.DataFrame, labels: Any, *, revenue: str = "Monetary") -> pd.DataFrame:
    """Return the profile table described in the module docstring: one row per segment of
    ``labels`` (one per row of ``features``), every column of ``features`` profiled."""
    if not isinstance(features, pd.DataFrame) or features.empty:
        raise BadInputError("features", type(features).__name__, "expected a non-empty DataFrame of customer features")
    if revenue not in features.columns:
        raise BadInputError("revenue", revenue, f"no such feature; features: {', '.join(map(str, features.columns))}")
    values = features.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(values).all():
        column = features.columns[int(np.flatnonzero(~np.isfinite(values).all(axis=0))[0])]
        raise BadInputError(str(column), "NaN", "features must be finite numbers")
    segment = check_labels(labels, len(features))
    grouped = pd.DataFrame(values, columns=features.columns).groupby(segment, sort=True)
    means = grouped.mean()
    sizes = grouped.size()
    total_revenue = float(values[:, features.columns.get_loc(revenue)].sum())
    if total_revenue <= 0:
        raise BadInputError(revenue, total_revenue, "the revenue shares need a positive total")
    table = pd.DataFrame({"customers": sizes, "customer_share": sizes / len(features),
                          "revenue_share": grouped[revenue].sum() / total_revenue}, index=means.index)
    base_mean, base_std = values.mean(axis=0), values.std(axis=0)
    for position, name in enumerate(features.columns):
        mean = means[name].to_numpy()
        spread = base_std[position]
        table[name] = mean
        table[f"{name}_z"] = (mean - base_mean[position]) / spread if spread > 0 else 0.0
        table[f"{name}_pct"] = _percentile_of(values[:, position], mean)
    table.index.name = "segment"
    return table


def _rule(row: pd.Series, recency: str, frequency: str, monetary: str, quantity: str) -> str:
    r, f, m, q = (row[f"{name}_pct"] for name in (recency, frequency, monetary, quantity))
    if r <= RECENT and f >= HIGH and m >= HIGH:
        return "high-value loyal"
    if r >= LAPSED:
        return "at risk"
    if q >= BULK_QUANTITY and f <= LOW:
        return "bulk buyers"
    if r <= RECENT and m <= LOW:
        return "recent low spenders"
    return "regular"


def label_segments(profiles: pd.DataFrame, *, recency: str = "Recency", frequency: str = "Frequency",
                   monetary: str = "Monetary", quantity: str = "TotalQuantity") -> dict[int, str]:
    """Return a unique business label per segment of ``profiles`` (from ``segment_profiles``) by
    the rules of the module docstring; the feature names say which columns hold which role."""
    needed: Sequence[str] = [f"{name}_pct" for name in (recency, frequency, monetary, quantity)] + ["revenue_share"]
    missing = [name for name in needed if name not in profiles.columns]
    if missing:
        raise BadInputError("profiles", missing[0], "missing column; expected a table from segment_profiles")
    names = {int(segment): NOISE_NAME if int(segment) == -1 else _rule(row, recency, frequency, monetary, quantity)
             for segment, row in profiles.iterrows()}
    by_revenue = profiles["revenue_share"].sort_values(ascending=False, kind="stable").index
    counts = pd.Series(names).value_counts()
    seen: dict[str, int] = {}
    for segment in map(int, by_revenue):
        name = names[segment]
        if counts[name] > 1:
            seen[name] = seen.get(name, 0) + 1
            names[segment] = f"{name} ({seen[name]})"
    return dict(sorted(names.items()))
