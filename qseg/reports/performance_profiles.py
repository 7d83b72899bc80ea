"""Per-problem cost matrices from a store's cells, for performance profiles (Dolan & Moré 2002).

One row per instance, one column per series (solver, grid values, formulation), each entry the
median over the instance's cells (repeats) of a cost: the time to a gap <= 1 % (``time``), or
1 + gap (``quality``). A cell that ran and failed (infeasible, timeout, error, gap above the
target) costs +inf; a series that never ran on an instance is left out, never counted as a
failure (``metrics.complete_block`` keeps the instances every kept series ran on). The
arithmetic itself is in ``qseg.metrics``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from qseg import metrics
from qseg.reports.frame import BACKEND

TARGET_GAP = 0.01
SCORED = ("ok", "infeasible")
NOT_RUN = ("skipped",)
Kind = Literal["time", "quality"]


@dataclass(frozen=True)
class ProfileData:
    """A complete cost matrix and its performance ratios.

    ``costs`` and ``ratios`` share their index (instances) and columns (series); ``left_out``
    names the series that ran on too few of the problem's instances to be compared on all."""

    kind: Kind
    costs: pd.DataFrame
    ratios: pd.DataFrame
    left_out: tuple[str, ...]

    def rho(self, tau: float) -> pd.Series:
        """Return, per series, the fraction of instances on which it is within ``tau`` of the best."""
        return pd.Series(metrics.profile(self.ratios.to_numpy(), [tau])[0], index=self.ratios.columns)


def series_labels(cells: pd.DataFrame) -> pd.Series:
    """Return one series label per cell: solver, grid values when swept, formulation
    (``sa / unbalanced``, ``sa num_sweeps=100 / unbalanced``)."""
    sweep = cells["sweep"].astype(str) if "sweep" in cells else pd.Series("", index=cells.index)
    solver = cells[BACKEND].astype(str).where(sweep == "", cells[BACKEND].astype(str) + " " + sweep)
    return solver + " / " + cells["formulation"].astype(str)


def instance_keys(cells: pd.DataFrame) -> pd.Series:
    """Return one key per cell naming its instance: the instance's spec (data, size, seed and
    generator parameters: ``seed-000`` at N = 50 and at N = 250 are two instances, as is one
    budget and another), else its name, size and seed. Never missing: a missing key would make
    grouping drop the cell."""
    if "spec.instance" in cells:
        specs = [json.dumps(spec, sort_keys=True, default=str) if isinstance(spec, dict) else None
                 for spec in cells["spec.instance"]]
        spec_keys = pd.Series(specs, index=cells.index, dtype=object)
    else:
        spec_keys = pd.Series(None, index=cells.index, dtype=object)
    size = pd.to_numeric(cells["size"], errors="coerce") if "size" in cells else pd.Series(np.nan, index=cells.index)
    seed = pd.to_numeric(cells["seed"], errors="coerce") if "seed" in cells else pd.Series(np.nan, index=cells.index)
    fallback = (cells["instance"].astype(str) + "/n=" + size.astype("Int64").astype(str).fillna("-")
                + "/seed=" + seed.astype("Int64").astype(str).fillna("-"))
    return (cells["instance"].astype(str) + " " + spec_keys.fillna(fallback).astype(str)).astype(object)


def cell_costs(cells: pd.DataFrame, kind: Kind, target: float = TARGET_GAP) -> pd.Series:
    """Return each cell's cost for a profile of ``kind``, +inf for a failure and NaN where the
    cell cannot be compared (not run, or no reference to measure a gap against)."""
    ran = ~cells["status"].isin(NOT_RUN)
    scored = cells["status"].isin(SCORED)
    feasible = scored & cells["feasible"].fillna(False).astype(bool)
    gap = pd.to_numeric(cells["gap"], errors="coerce")
    has_reference = cells["reference"].notna() if "reference" in cells else pd.Series(False, index=cells.index)
    if kind == "time":
        cost = metrics.time_to_gap(cells["wall_s"].fillna(np.inf), gap, feasible, target)
    else:
        cost = np.where(feasible, 1.0 + gap.clip(lower=-1.0), np.inf)
    # A feasible answer without a reference has no gap: neither a success nor a failure.
    comparable = ran & (has_reference | ~feasible)
    return pd.Series(np.where(comparable, cost, np.nan), index=cells.index)


def profile_data(cells: pd.DataFrame, labels: pd.Series, kind: Kind, min_coverage: float = 0.5) -> ProfileData | None:
    """Return the profile of ``kind`` for one problem's cells, each cell's series in ``labels``;
    None when fewer than two instances or two series remain comparable."""
    frame = pd.DataFrame({"instance": instance_keys(cells), "label": labels, "cost": cell_costs(cells, kind)})
    frame = frame[frame["cost"].notna()]
    if frame.empty:
        return None
    costs = frame.pivot_table(index="instance", columns="label", values="cost", aggfunc="median")
    instances, series = metrics.complete_block(costs.notna().to_numpy(), min_coverage)
    left_out = tuple(str(label) for label in costs.columns[~series])
    costs = costs.loc[instances, series]
    if costs.shape[0] < 2 or costs.shape[1] < 2:
        return None
    ratios = pd.DataFrame(metrics.performance_ratios(costs.to_numpy()), index=costs.index, columns=costs.columns)
    return ProfileData(kind, costs, ratios, left_out)
