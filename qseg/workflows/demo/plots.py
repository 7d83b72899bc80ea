"""The demo's figures, the seed notebook's plots with every method compared: k-means segments
with the targeted customers marked, spend and profit per method, medoids per method, and
p-median cost per method.

Each method has the colour the report gives it (``qseg.style.method_style`` of ``MethodRow.key``;
the exact rows take their exact backend's, cbc's or highs', as in a report) and a QUBO row its
formulation's hatch; segments are drawn in light tints of ``qseg.style``'s segment colours so that
method markers stand out. An over-budget or not-K-medoids answer is drawn as an outlined bar
(``INFEASIBLE_ALPHA``), so hatches keep meaning formulations. Figures are drawn on
``matplotlib.figure.Figure`` with the Agg canvas (no display, no pyplot state) and carry no
date, so the same result gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from qseg import style
from qseg.style import literal_text
from qseg.workflows.demo.results import DemoResult, DemoSettings, MedoidRow, TargetingRow, TargetingRun

SEGMENTS_FIGURE = "segments.png"
TARGETING_FIGURE = "targeting.png"
MEDOIDS_FIGURE = "medoids.png"
PMEDIAN_FIGURE = "pmedian.png"
FIGURES = (SEGMENTS_FIGURE, TARGETING_FIGURE, MEDOIDS_FIGURE, PMEDIAN_FIGURE)

# An infeasible answer's bar: its method's colour faded, with a solid edge of that colour.
INFEASIBLE_ALPHA = 0.3
# Panels per row of the medoids figure.
MEDOID_COLUMNS = 4
DPI = 110


def method_name(key: str, settings: DemoSettings) -> str:
    """Return the name ``qseg.style`` knows the method ``key`` by: the exact rows (``milp``,
    ``exact``) as the backend that solved them, every other key as it is (``greedy``,
    ``kmeans``, ``sa/selection+polish``)."""
    return {"milp": settings.targeting_exact, "exact": settings.pmedian_exact}.get(key, key)


def method_style(key: str, settings: DemoSettings) -> style.MethodStyle:
    """Return the style of the method ``key`` (``method_name``), the one every figure of qseg
    gives it."""
    return style.method_style(method_name(key, settings))


@literal_text
def write_figures(result: DemoResult, folder: Path) -> list[Path]:
    """Write every figure of ``result`` into ``folder`` (``FIGURES``); return their paths."""
    return [
        _save(segments_figure(result), folder / SEGMENTS_FIGURE),
        _save(targeting_figure(result.targeting, result.settings), folder / TARGETING_FIGURE),
        _save(medoids_figure(result), folder / MEDOIDS_FIGURE),
        _save(pmedian_figure(result), folder / PMEDIAN_FIGURE),
    ]


def segments_figure(result: DemoResult) -> Figure:
    """Return the notebook's first plot for each budget: customers (x1, x2) coloured by k-means
    segment, the exact targeting answer's customers marked x in its method's colour."""
    figure = Figure(figsize=(11, 4.4))
    axes = figure.subplots(1, len(result.targeting), sharex=True, sharey=True, squeeze=False)[0]
    x, y = result.customers["x1"].to_numpy(), result.customers["x2"].to_numpy()
    for axis, run in zip(axes, result.targeting, strict=True):
        _segment_points(axis, x, y, result.segments)
        chosen = run.targeted
        exact = run.rows[0]
        axis.scatter(x[chosen], y[chosen], marker="x", s=30, linewidths=1.6,
                     color=method_style(exact.key, result.settings).colour, label=f"targeted by {exact.method}")
        axis.set(title=f"{run.short}: {len(chosen)} targeted", xlabel="x1", ylabel="x2")
        axis.grid(alpha=0.25)
    handles, labels = _legend_entries(axes)
    figure.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False, fontsize=9)
    figure.suptitle("k-means segments (colour) and the customers the exact MILP targets (x)")
    figure.subplots_adjust(bottom=0.2, top=0.85, wspace=0.08)
    return figure


def targeting_figure(runs: Sequence[TargetingRun], settings: DemoSettings) -> Figure:
    """Return spend (budget dashed) and profit (exact optimum dashed) per method, one row of
    panels per budget; an over-budget read is a faded, outlined bar."""
    figure = Figure(figsize=(11, 2.2 + 2.0 * len(runs)))
    axes = figure.subplots(len(runs), 2, squeeze=False)
    for (spend_axis, profit_axis), run in zip(axes, runs, strict=True):
        rows = list(run.rows)
        positions = np.arange(len(rows))[::-1]
        styles = [method_style(row.key, settings) for row in rows]
        over = [row.spend > run.budget * (1 + 1e-9) for row in rows]
        _bars(spend_axis, positions, [row.spend for row in rows], styles, over)
        spend_axis.axvline(run.budget, color=style.REFERENCE_COLOUR, linestyle="--", linewidth=1)
        spend_axis.set(title=f"{run.short}: spend (budget dashed)", xlabel="spend")
        _bars(profit_axis, positions, [row.profit for row in rows], styles, over)
        profit_axis.axvline(run.optimum, color=style.REFERENCE_COLOUR, linestyle="--", linewidth=1)
        profit_axis.set(title=f"{run.short}: profit (exact optimum {run.optimum:,.1f} dashed)", xlabel="profit")
        profit_axis.set_xlim(min(0.0, *(row.profit for row in rows)), run.optimum * 1.16)
        for axis in (spend_axis, profit_axis):
            axis.set_yticks(positions, [row.method for row in rows] if axis is spend_axis else [""] * len(rows))
            axis.grid(axis="x", alpha=0.3)
            axis.set_axisbelow(True)
        for position, row, flagged in zip(positions, rows, over, strict=True):
            profit_axis.annotate("over budget" if flagged else _gap_label(row), (max(row.profit, 0.0), position),
                                 xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    figure.suptitle("Targeting: spend and profit per method (faded, dashed outline: over budget)")
    figure.tight_layout()
    return figure


def medoids_figure(result: DemoResult) -> Figure:
    """Return the notebook's second plot as small multiples, one panel per method: customers
    (x1, x2) tinted by the exact p-median's segments, the exact medoids as black rings and the
    panel's method's medoids as filled markers in its colour; seed-000's methods first, then the
    prefix the notebook's assignment QUBO ran on. One panel per method because the methods
    mostly agree: stacked on one panel their markers cover each other at the same points."""
    kmedoids, settings = result.kmedoids, result.settings
    columns = MEDOID_COLUMNS
    full_rows = -(-len(kmedoids.rows) // columns)
    figure = Figure(figsize=(3.0 * columns, 2.9 * (full_rows + 1) + 0.9))
    full_figure, prefix_figure = np.asarray(figure.subfigures(2, 1, height_ratios=[full_rows, 1.2])).tolist()
    x, y = result.customers["x1"].to_numpy(), result.customers["x2"].to_numpy()
    for panel_figure, rows, clusters, shown, title in (
        (full_figure, kmedoids.rows, kmedoids.clusters, len(x),
         f"k-medoids on seed-000 (N = {kmedoids.rows[0].customers}, K = {kmedoids.k}): each method's medoids "
         "(filled) against the exact p-median's (rings)"),
        (prefix_figure, kmedoids.prefix_rows, kmedoids.prefix_clusters, kmedoids.prefix,
         f"the assignment QUBO on the first {kmedoids.prefix} customers of seed-000 (K = {kmedoids.k})"),
    ):
        axes = panel_figure.subplots(-(-len(rows) // columns), columns, sharex=True, sharey=True, squeeze=False)
        exact = rows[0]
        for axis, row in zip(axes.flat, rows, strict=False):
            _segment_points(axis, x[:shown], y[:shown], clusters, label=None)
            _medoid_panel(axis, x, y, row, exact, method_style(row.key, settings))
        for axis in list(axes.flat)[len(rows):]:
            axis.set_axis_off()
        for axis in axes[-1]:
            axis.set_xlabel("x1")
        for axis in axes[:, 0]:
            axis.set_ylabel("x2")
        panel_figure.suptitle(title, fontsize=10.5)
        last = panel_figure is prefix_figure
        panel_figure.subplots_adjust(left=0.06, right=0.98, top=0.8 if last else 0.87, bottom=0.3 if last else 0.08,
                                     wspace=0.08, hspace=0.4)
    legend = [
        Line2D([], [], linestyle="none", marker="o", markersize=10, markerfacecolor="none", markeredgecolor="black",
               markeredgewidth=1.4, label="exact p-median's medoids (reference, every panel)"),
        Line2D([], [], linestyle="none", marker="o", markersize=7, markerfacecolor="#777777", markeredgecolor="black",
               label="the panel's method's medoids (its colour and marker)"),
        Line2D([], [], linestyle="none", marker="o", markersize=6, markerfacecolor=style.segment_colour(0, light=True),
               markeredgecolor="#888888", label="customers, tinted by the exact p-median's segment"),
    ]
    figure.legend(handles=legend, loc="lower center", ncol=3, frameon=False, fontsize=8.5)
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
        _bars(axis, positions, costs, [method_style(row.key, result.settings) for row in rows],
              [not row.feasible for row in rows])
        axis.axvline(optimum, color=style.REFERENCE_COLOUR, linestyle="--", linewidth=1)
        axis.set_yticks(positions, [row.method for row in rows])
        for position, row in zip(positions, rows, strict=True):
            axis.annotate(_gap_label(row), (row.cost or 0.0, position), xytext=(3, 0), textcoords="offset points",
                          va="center", fontsize=8)
        axis.set(title=f"{title}: optimum {optimum:,.2f}", xlabel="p-median cost (lower is better)")
        axis.set_xlim(0, max(costs) * 1.25 if max(costs) > 0 else 1.0)
        axis.grid(axis="x", alpha=0.3)
        axis.set_axisbelow(True)
    figure.suptitle("k-medoids: p-median cost of each method's medoids (optimum dashed; faded: not K medoids)")
    figure.tight_layout()
    return figure


def _segment_points(axis: Any, x: np.ndarray, y: np.ndarray, labels: np.ndarray, label: str | None = "segment") -> None:
    for segment in np.unique(labels).tolist():
        members = labels == segment
        axis.scatter(x[members], y[members], s=16, color=style.segment_colour(segment, light=True),
                     edgecolors="#888888", linewidths=0.3, label=None if label is None else f"{label} {segment}")


def _medoid_panel(axis: Any, x: np.ndarray, y: np.ndarray, row: MedoidRow, exact: MedoidRow,
                  drawn: style.MethodStyle) -> None:
    """Draw the exact medoids as rings and ``row``'s medoids as filled markers in its style,
    titled by the method, its gap and how many of its medoids the exact answer shares."""
    reference = list(exact.medoids)
    axis.scatter(x[reference], y[reference], s=170, marker="o", facecolors="none", edgecolors="black",
                 linewidths=1.4, zorder=3)
    medoids = list(row.medoids)
    if medoids:
        axis.scatter(x[medoids], y[medoids], s=60, marker=drawn.marker, color=drawn.colour, edgecolors="black",
                     linewidths=0.6, zorder=4)
        shared = f"{len(set(medoids) & set(reference))} of {len(reference)} medoids exact"
    else:
        shared = "no medoid set found"
        axis.text(0.5, 0.5, shared, transform=axis.transAxes, ha="center", va="center", fontsize=9)
    axis.set_title(f"{row.method}\n{_gap_label(row)}; {shared}", fontsize=8.5, color="black")
    axis.grid(alpha=0.25)


def _bars(axis: Any, positions: np.ndarray, values: Sequence[float], styles: Sequence[style.MethodStyle],
          infeasible: Sequence[bool]) -> None:
    """Draw one horizontal bar per method in its colour and formulation hatch; an infeasible
    answer's bar faded with a dashed edge in its colour."""
    for position, value, drawn, flagged in zip(positions, values, styles, infeasible, strict=True):
        if flagged:
            axis.barh(position, value, color=to_rgba(drawn.colour, INFEASIBLE_ALPHA), edgecolor=drawn.colour,
                      linewidth=1.2, linestyle="--", hatch=drawn.hatch)
        else:
            axis.barh(position, value, color=drawn.colour, edgecolor="#333333", linewidth=0.6, hatch=drawn.hatch)


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
