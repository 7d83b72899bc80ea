"""Segment profiles (size, shares, mean features) and rule-based business labels.

``segment_profiles`` gives one row per segment (index = segment label; -1 = noise when present),
in ascending label order, with columns

* ``customers``, ``customer_share`` (of all customers) and ``revenue_share`` (the segment's
  share of the summed ``Monetary``);
* for each feature F: ``F`` (the segment mean), ``F_z`` (that mean standardised against the whole
  customer base: (mean - base mean) / base std, 0 for a constant feature) and ``F_pct`` (the
  percentile of the segment mean among all customers' values: the share below it plus half the
  share equal to it, in 0..1).

``name_segments`` (and ``label_segments``, its names as a dict) reads the ``_pct`` columns, the
revenue and customer shares and the mean Frequency, so every rule is relative to the whole
customer base and insensitive to the heavy tails of spend. Rules, first match wins (R, F, M, Q the
Recency, Frequency, Monetary and TotalQuantity percentiles; value = revenue share / customer share):

1. label -1: "unsegmented" (HDBSCAN's noise);
2. "lapsed": R >= 0.75 (long since the last purchase) and few purchases (F <= 0.5 or a mean
   Frequency under 2: one-time buyers);
3. "at risk": R >= 0.75 (repeat buyers gone quiet);
4. "high-value loyal": R <= 0.5 (recent) and F >= 0.75 and M >= 0.75;
5. "big spenders": value >= 2 (twice the revenue per customer of the base);
6. "bulk buyers": Q >= 0.6 and F <= 0.5 (much per visit, few visits);
7. "recent low spenders": R <= 0.5 and M <= 0.5;
8. "core customers": the segment with the largest revenue share of all, when rules 2-7 did not
   name it (so the segment earning most is never "regular");
9. otherwise "regular".

Segments that get the same name are told apart by the feature (Recency, Frequency or Monetary)
whose percentiles differ most among them (revenue share when none differs): "at risk, higher
spend" / "at risk, lower spend" for two; "highest spend", "2nd by spend", ..., "lowest spend" for
more. Names are therefore never repeated, and
``name_segments`` shows, per segment, the rule that fired with the percentiles behind it.
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


RULE_COLUMNS = ("Recency", "Frequency", "Monetary", "TotalQuantity")
ONE_TIME = 2.0  # a mean Frequency under this: one-time buyers
BIG_SPENDERS = 2.0  # revenue share / customer share at or above: big spenders
# For a name shared by segments: the feature that tells them apart, and the words for its two ends
# (its high percentile first). A high Recency percentile means long ago.
QUALIFIERS = {"Monetary": ("spend", "higher spend", "lower spend"),
              "Frequency": ("frequency", "more frequent", "less frequent"),
              "Recency": ("recency", "less recent", "more recent")}


def _rule(row: pd.Series, columns: dict[str, str]) -> tuple[str, str]:
    """Return (name, the rule with its percentiles) of one profile row by rules 2-7 and 9 of
    the module docstring (rule 8 needs every row: ``name_segments``)."""
    r, f, m, q = (float(row[f"{columns[role]}_pct"]) for role in RULE_COLUMNS)
    value = float(row["revenue_share"]) / float(row["customer_share"]) if float(row["customer_share"]) > 0 else 0.0
    mean_frequency = float(row[columns["Frequency"]]) if columns["Frequency"] in row.index else float("inf")
    if r >= LAPSED and (f <= LOW or mean_frequency < ONE_TIME):
        few = f"F pct {f:.2f} <= {LOW}" if f <= LOW else f"mean Frequency {mean_frequency:.2f} < {ONE_TIME:g}"
        return "lapsed", f"R pct {r:.2f} >= {LAPSED} and {few}"
    if r >= LAPSED:
        return "at risk", f"R pct {r:.2f} >= {LAPSED} and F pct {f:.2f} > {LOW}"
    if r <= RECENT and f >= HIGH and m >= HIGH:
        return "high-value loyal", f"R pct {r:.2f} <= {RECENT}, F pct {f:.2f} >= {HIGH}, M pct {m:.2f} >= {HIGH}"
    if value >= BIG_SPENDERS:
        return "big spenders", f"revenue share / customer share {value:.2f} >= {BIG_SPENDERS:g}"
    if q >= BULK_QUANTITY and f <= LOW:
        return "bulk buyers", f"Q pct {q:.2f} >= {BULK_QUANTITY} and F pct {f:.2f} <= {LOW}"
    if r <= RECENT and m <= LOW:
        return "recent low spenders", f"R pct {r:.2f} <= {RECENT} and M pct {m:.2f} <= {LOW}"
    return "regular", f"no rule above (R pct {r:.2f}, F pct {f:.2f}, M pct {m:.2f}, value {value:.2f})"


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _told_apart(profiles: pd.DataFrame, segments: list[int], columns: dict[str, str]) -> dict[int, str]:
    """Return a distinct qualifier per segment of ``segments`` (which share a name), from the
    feature whose percentiles spread most among them, ranked high to low (ties by label)."""
    spreads = {role: float(np.ptp(profiles.loc[segments, f"{columns[role]}_pct"].to_numpy(dtype=float)))
               for role in ("Monetary", "Frequency", "Recency")}
    role = max(spreads, key=lambda key: spreads[key])  # first listed wins a tie: spend
    if spreads[role] > 0:
        noun, high, low = QUALIFIERS[role]
        pct = profiles.loc[segments, f"{columns[role]}_pct"].to_numpy(dtype=float)
    else:  # the same percentiles throughout: told apart by revenue share
        noun, high, low = "revenue share", "larger revenue share", "smaller revenue share"
        pct = profiles.loc[segments, "revenue_share"].to_numpy(dtype=float)
    ranked = [segments[i] for i in np.argsort(-pct, kind="stable")]
    if len(ranked) == 2:
        return {ranked[0]: high, ranked[1]: low}
    last = len(ranked) - 1
    top = high.replace("higher", "highest").replace("more", "most").replace("larger", "largest")
    bottom = low.replace("lower", "lowest").replace("less", "least").replace("smaller", "smallest")
    return {segment: top if i == 0 else bottom if i == last else f"{_ordinal(i + 1)} by {noun}"
            for i, segment in enumerate(ranked)}


def name_segments(profiles: pd.DataFrame, *, recency: str = "Recency", frequency: str = "Frequency",
                  monetary: str = "Monetary", quantity: str = "TotalQuantity") -> pd.DataFrame:
    """Return one row per segment of ``profiles`` (from ``segment_profiles``): ``name`` (distinct),
    ``rule`` (the rule that fired, with the percentiles behind it) and the columns the rules read;
    the rules are those of the module docstring, the feature names say which column holds which role."""
    columns = dict(zip(RULE_COLUMNS, (recency, frequency, monetary, quantity)))
    needed: Sequence[str] = [f"{name}_pct" for name in columns.values()] + ["revenue_share", "customer_share"]
    missing = [name for name in needed if name not in profiles.columns]
    if missing:
        raise BadInputError("profiles", missing[0], "missing column; expected a table from segment_profiles")
    named = {int(segment): (NOISE_NAME, "label -1 (noise)") if int(segment) == -1 else _rule(row, columns)
             for segment, row in profiles.iterrows()}
    top = int(profiles["revenue_share"].idxmax())
    if named[top][0] == "regular":
        share = float(profiles.loc[top, "revenue_share"])
        named[top] = ("core customers", f"the largest revenue share ({share:.1%}), no rule above")
    names = {segment: name for segment, (name, _) in named.items()}
    for name in set(names.values()):
        sharing = sorted(segment for segment, given in names.items() if given == name)
        if len(sharing) > 1:
            for segment, qualifier in _told_apart(profiles, sharing, columns).items():
                names[segment] = f"{name}, {qualifier}"
    table = profiles[needed].copy()
    table.insert(0, "rule", [named[int(segment)][1] for segment in profiles.index])
    table.insert(0, "name", [names[int(segment)] for segment in profiles.index])
    return table


def label_segments(profiles: pd.DataFrame, *, recency: str = "Recency", frequency: str = "Frequency",
                   monetary: str = "Monetary", quantity: str = "TotalQuantity") -> dict[int, str]:
    """Return a distinct business name per segment of ``profiles`` (from ``segment_profiles``) by
    the rules of the module docstring (``name_segments`` gives the rule behind each)."""
    table = name_segments(profiles, recency=recency, frequency=frequency, monetary=monetary, quantity=quantity)
    return {int(segment): str(name) for segment, name in sorted(table["name"].items())}
