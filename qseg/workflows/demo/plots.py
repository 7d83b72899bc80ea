"""The demo's figures, the seed notebook's plots with every method compared: k-means segments
with the targeted customers marked, spend and profit per method, medoids per method, and
p-median cost per method.

Each method has one colour in every figure (``METHOD_COLOURS``, keyed by ``MethodRow.key``);
segments are drawn in light tones so that method markers stand out. Figures are drawn on
``matplotlib.figure.Figure`` with the Agg canvas (no display, no pyplot state) and carry no
date, so the same result gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qseg.style import literal_text
from qseg.workflows.demo.results import DemoResult, MedoidRow, TargetingRow, TargetingRun

SEGMENTS_FIGURE = "segments.png"
TARGETING_FIGURE = "targeting.png"
MEDOIDS_FIGURE = "medoids.png"
PMEDIAN_FIGURE = "pmedian.png"
FIGURES = (SEGMENTS_FIGURE, TARGETING_FIGURE, MEDOIDS_FIGURE, PMEDIAN_FIGURE)

EXACT_COLOUR = "#000000"
METHOD_COLOURS = {
    "milp": EXACT_COLOUR,
    "exact": EXACT_COLOUR,
    "greedy": "#7f7f7f",
    "fasterpam": "#8c564b",
    "kmeans": "#bcbd22",
    "sa/unbalanced": "#1f77b4",
    "sa/slack": "#ff7f0e",
    "sa/equality": "#d62728",
    "sa/selection": "#2ca02c",
    "sa/selection+polish": "#98df8a",
    "sa/bauckhage": "#9467bd",
    "sa/bauckhage+polish": "#c5b0d5",
    "sa/assignment": "#e377c2",
}
FALLBACK_COLOUR = "#17becf"
# Light tones for the segments (ColorBrewer Pastel1), none close to a method's colour.
SEGMENT_COLOURS = ("#fbb4ae", "#b3cde3", "#ccebc5", "#decbe4", "#fed9a6", "#ffffcc")
# Medoid markers, one shape per method so that coinciding medoids stay visible (drawn largest first).
MEDOID_MARKERS = {"exact": "o", "fasterpam": "s", "kmeans": "D", "sa/selection": "^", "sa/selection+polish": "v",
                  "sa/bauckhage": "P", "sa/bauckhage+polish": "X", "sa/assignment": "^"}
DPI = 110


def method_colour(key: str) -> str:
    """Return the fixed colour of a method key (a spare one for a key not listed)."""
    return METHOD_COLOURS.get(key, FALLBACK_COLOUR)


@literal_text
def write_figures(result: DemoResult, folder: Path) -> list[Path]:
    """Write every figure of ``result`` into ``folder`` (``FIGURES``); return their paths."""
    return [
        _save(segments_figure(result), folder / SEGMENTS_FIGURE),
        _save(targeting_figure(result.targeting), folder / TARGETING_FIGURE),
        _save(medoids_figure(result), folder / MEDOIDS_FIGURE),
        _save(pmedian_figure(result), folder / PMEDIAN_FIGURE),
    ]


def segments_figure(result: DemoResult) -> Figure:
    """Return the notebook's first plot for each budget: customers (x1, x2) coloured by k-means
    segment, the exact targeting answer's customers marked x."""
    figure = Figure(figsize=(11, 4.4))
    axes = figure.subplots(1, len(result.targeting), sharex=True, sharey=True, squeeze=False)[0]
    x, y = result.customers["x1"].to_numpy(), result.customers["x2"].to_numpy()
    for axis, run in zip(axes, result.targeting, strict=True):
        _segment_points(axis, x, y, result.segments)
        chosen = run.targeted
        exact = run.rows[0]
        axis.scatter(x[chosen], y[chosen], marker="x", s=22, linewidths=1.1, color=method_colour(exact.key),
                     label=f"targeted by {exact.method}")
        axis.set(title=f"{run.short}: {len(chosen)} targeted", xlabel="x1", ylabel="x2")
        axis.grid(alpha=0.25)
    handles, labels = _legend_entries(axes)
    figure.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False, fontsize=9)
    figure.suptitle("k-means segments (colour) and the customers the exact MILP targets (x)")
    figure.subplots_adjust(bottom=0.2, top=0.85, wspace=0.08)
    return figure


def targeting_figure(runs: Sequence[TargetingRun]) -> Figure:
    """Return spend (budget dashed) and profit (exact optimum dashed) per method, one row of
    panels per budget; an over-budget read is hatched."""
    figure = Figure(figsize=(11, 2.2 + 2.0 * len(runs)))
    axes = figure.subplots(len(runs), 2, squeeze=False)
    for (spend_axis, profit_axis), run in zip(axes, runs, strict=True):
        rows = list(run.rows)
        positions = np.arange(len(rows))[::-1]
        colours = [method_colour(row.key) for row in rows]
        over = [row.spend > run.budget * (1 + 1e-9) for row in rows]
        bars = spend_axis.barh(positions, [row.spend for row in rows], color=colours)
        _hatch(bars, over)
        spend_axis.axvline(run.budget, color="#444444", linestyle="--", linewidth=1)
        spend_axis.set(title=f"{run.short}: spend (budget dashed)", xlabel="spend")
        bars = profit_axis.barh(positions, [row.profit for row in rows], color=colours)
        _hatch(bars, over)
        profit_axis.axvline(run.optimum, color="#444444", linestyle="--", linewidth=1)
        profit_axis.set(title=f"{run.short}: profit (exact optimum {run.optimum:,.1f} dashed)", xlabel="profit")
        profit_axis.set_xlim(min(0.0, *(row.profit for row in rows)), run.optimum * 1.16)
        for axis in (spend_axis, profit_axis):
            axis.set_yticks(positions, [row.method for row in rows] if axis is spend_axis else [""] * len(rows))
            axis.grid(axis="x", alpha=0.3)
            axis.set_axisbelow(True)
        for position, row in zip(positions, rows, strict=True):
            profit_axis.annotate(_gap_label(row), (max(row.profit, 0.0), position), xytext=(3, 0),
                                 textcoords="offset points", va="center", fontsize=8)
    figure.suptitle("Targeting: spend and profit per method (hatched: over budget)")
    figure.tight_layout()
    return figure


def medoids_figure(result: DemoResult) -> Figure:
    """Return the notebook's second plot: customers (x1, x2) coloured by the exact p-median
    clusters with each method's medoids marked, for seed-000 and for the prefix the notebook's
    assignment QUBO ran on."""
    kmedoids = result.kmedoids
    figure = Figure(figsize=(12, 4.6))
    full, prefix = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1]})
    x, y = result.customers["x1"].to_numpy(), result.customers["x2"].to_numpy()
    _segment_points(full, x, y, kmedoids.clusters, label=None)
    _medoid_markers(full, x, y, kmedoids.rows)
    full.set(title=f"seed-000, N = {kmedoids.rows[0].customers}, K = {kmedoids.k}", xlabel="x1", ylabel="x2")
    n = kmedoids.prefix
    _segment_points(prefix, x[:n], y[:n], kmedoids.prefix_clusters, label=None)
    _medoid_markers(prefix, x, y, kmedoids.prefix_rows)
    prefix.set(title=f"first {n} customers (assignment QUBO)", xlabel="x1")
    for axis in (full, prefix):
        axis.grid(alpha=0.25)
    handles, labels = _legend_entries([full, prefix])
    figure.legend(handles, labels, loc="center right", frameon=False, fontsize=9, title="medoids of", title_fontsize=9)
    figure.suptitle("k-medoids: customers coloured by the exact p-median's segments, each method's medoids marked")
    figure.subplots_adjust(left=0.06, right=0.8, bottom=0.12, top=0.86, wspace=0.15)
    return figure


def pmedian_figure(result: DemoResult) -> Figure:
    """Return the p-median cost per method (exact optimum dashed, gap written beside each bar),
    for seed-000 and for the assignment QUBO's prefix."""
    kmedoids = result.kmedoids
    figure = Figure(figsize=(11, 3.8))
    full, prefix = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    for axis, rows, optimum, title in (
        (full, kmedoids.rows, kmedoids.optimum, f"seed-000, N = {kmedoids.rows[0].customers}"),
        (prefix, kmedoids.prefix_rows, kmedoids.prefix_optimum, f"first {kmedoids.prefix}"),
    ):
        positions = np.arange(len(rows))[::-1]
        costs = [row.cost if row.cost is not None else 0.0 for row in rows]
        bars = axis.barh(positions, costs, color=[method_colour(row.key) for row in rows])
        _hatch(bars, [not row.feasible for row in rows])
        axis.axvline(optimum, color="#444444", linestyle="--", linewidth=1)
        axis.set_yticks(positions, [row.method for row in rows])
        for position, row in zip(positions, rows, strict=True):
            axis.annotate(_gap_label(row), (row.cost or 0.0, position), xytext=(3, 0), textcoords="offset points",
                          va="center", fontsize=8)
        axis.set(title=f"{title}: optimum {optimum:,.2f}", xlabel="p-median cost (lower is better)")
        axis.set_xlim(0, max(costs) * 1.25 if max(costs) > 0 else 1.0)
        axis.grid(axis="x", alpha=0.3)
        axis.set_axisbelow(True)
    figure.suptitle("k-medoids: p-median cost of each method's medoids (optimum dashed; hatched: not K medoids)")
    figure.tight_layout()
    return figure


def _segment_points(axis: Any, x: np.ndarray, y: np.ndarray, labels: np.ndarray, label: str | None = "segment") -> None:
    for segment in np.unique(labels).tolist():
        members = labels == segment
        axis.scatter(x[members], y[members], s=16, color=SEGMENT_COLOURS[segment % len(SEGMENT_COLOURS)],
                     edgecolors="#888888", linewidths=0.3, label=None if label is None else f"{label} {segment}")


def _medoid_markers(axis: Any, x: np.ndarray, y: np.ndarray, rows: Sequence[MedoidRow]) -> None:
    drawn = [row for row in rows if row.medoids]
    for rank, row in enumerate(drawn):
        size = 190 - 120 * rank / max(len(drawn) - 1, 1)  # largest first: coinciding medoids nest
        marker = MEDOID_MARKERS.get(row.key, "o")
        axis.scatter(x[list(row.medoids)], y[list(row.medoids)], s=size, marker=marker, facecolors="none",
                     edgecolors=method_colour(row.key), linewidths=1.6, label=row.method, zorder=3 + rank)


def _hatch(bars: Any, flags: Sequence[bool]) -> None:
    for bar, flagged in zip(bars, flags, strict=True):
        if flagged:
            bar.set_hatch("///")
            bar.set_edgecolor("white")


def _gap_label(row: TargetingRow | MedoidRow) -> str:
    if not row.feasible or row.gap is None:
        return "infeasible"
    return f"gap {row.gap:.1%}" if row.gap >= 0.0005 else "optimal"


def _legend_entries(axes: Sequence[Any]) -> tuple[list[Any], list[str]]:
    """Return the legend handles and labels of ``axes``, each label once, in first-seen order."""
    seen: dict[str, Any] = {}
    for axis in axes:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    return list(seen.values()), list(seen)


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=DPI, metadata={"Software": None})
    return path
