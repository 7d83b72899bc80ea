"""``compare.png``: per problem (one row of panels each), the time ratio B / A, the change in
median gap and in feasible rate per backend and formulation, with their bootstrap intervals."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from qseg.reports.compare import CompareJSON, CompareRow
from qseg.style import literal_text

# Per panel: title, the line of no change, the row's statistic, its value, interval ends, scale
# (gaps and rates are shown in percentage points).
PANELS: tuple[tuple[str, float, Callable[[CompareRow], Mapping[str, Any]], str, str, str, float], ...] = (
    ("median wall time, B / A", 1.0, lambda row: row["time"], "ratio", "ratio_low", "ratio_high", 1.0),
    ("median gap, B − A (pp)", 0.0, lambda row: row["gap"], "change", "low", "high", 100.0),
    ("feasible rate, B − A (pp)", 0.0, lambda row: row["feasible"], "change", "low", "high", 100.0),
)
# Ratio ticks by how many decades each side the axis spans (finer ticks would overlap).
RATIO_TICKS = ((0.35, (0.5, 0.8, 1.0, 1.25, 2.0)), (1.2, (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)),
               (math.inf, tuple(10.0 ** power for power in range(-6, 7))))


def _label(row: CompareRow) -> str:
    sweep = f" {row['sweep']}" if row["sweep"] else ""
    return f"{row['backend']}{sweep} / {row['formulation']}"


@literal_text
def plot_comparison(comparison: CompareJSON, path: Path, colour: Callable[[str], str]) -> Path | None:
    """Write the comparison figure to ``path`` (colours from ``colour(backend)``; a filled
    marker means the interval excludes no change); return it, or None with no row to plot."""
    rows = comparison["rows"]
    if not rows:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    problems = sorted({row["problem"] for row in rows})
    by_problem = {problem: [row for row in rows if row["problem"] == problem] for problem in problems}
    counts = [len(by_problem[problem]) for problem in problems]
    fig, axes = plt.subplots(len(problems), len(PANELS), squeeze=False, sharey="row",
                             figsize=(12, 1.2 + 0.8 * len(problems) + 0.26 * sum(counts)),
                             gridspec_kw={"height_ratios": [count + 1.5 for count in counts]})
    for problem, panel_row in zip(problems, axes):
        problem_rows = by_problem[problem]
        positions = list(range(len(problem_rows)))[::-1]  # first row on top
        for column, (ax, (title, reference, statistic, value, low, high, scale)) in enumerate(zip(panel_row, PANELS)):
            for y, row in zip(positions, problem_rows):
                _point(ax, y, statistic(row), value, low, high, scale, colour(row["backend"]))
            ax.axvline(reference, color="#444444", linewidth=0.8, zorder=0)
            ax.grid(axis="x", color="#dddddd", linewidth=0.6)
            ax.set_ylim(-0.7, len(problem_rows) - 0.3)
            ax.set_title(f"{problem}: {title}", fontsize=9, loc="left")
            ax.tick_params(labelsize=8)
            if column == 0:
                ax.set_xscale("log")
                ax.set_yticks(positions, [_label(row) for row in problem_rows])
        _limits(panel_row, problem_rows)
    backends = sorted({_legend_name(row["backend"]) for row in rows})
    handles = [Line2D([], [], marker="o", linestyle="", color=colour(name), label=name.removesuffix(":*"))
               for name in backends]
    handles += [Line2D([], [], marker="o", linestyle="", color="#444444", label="interval excludes no change"),
                Line2D([], [], marker="o", linestyle="", color="#444444", markerfacecolor="white",
                       label="interval includes no change")]
    a, b = comparison["run_a"]["path"], comparison["run_b"]["path"]
    bootstrap = comparison["bootstrap"]
    fig.suptitle(f"B = {b} against A = {a}: {bootstrap['level']:.0%} paired bootstrap intervals over instances",
                 fontsize=10)
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _point(ax: Any, y: float, stat: Mapping[str, Any], value: str, low: str, high: str, scale: float, colour: str) -> None:
    """Draw one statistic at height ``y``: its value and, when there is one, its interval."""
    if stat.get(value) is None:
        return
    centre = stat[value] * scale
    if stat.get(low) is not None and stat.get(high) is not None:
        ax.errorbar(centre, y, xerr=[[centre - stat[low] * scale], [stat[high] * scale - centre]], fmt="none",
                    ecolor=colour, elinewidth=1.4, capsize=2.5)
    ax.plot(centre, y, marker="o", markersize=6, color=colour, markeredgewidth=1.4,
            markerfacecolor=colour if stat["flagged"] else "white", linestyle="")


def _legend_name(backend: str) -> str:
    """Return the legend entry of a backend: polished runs share it, baselines share one."""
    name = backend.removesuffix("+polish")
    return "baseline:*" if name.startswith("baseline:") else name


def _limits(panels: Any, rows: list[CompareRow]) -> None:
    """Centre each panel on its line of no change, wide enough for every value and interval
    (at least x1.2 for the ratio, +-1 pp otherwise), so that no change reads as a centred point."""
    for ax, (_, reference, statistic, value, low, high, scale) in zip(panels, PANELS):
        values = [stat[key] * scale for row in rows if (stat := statistic(row)) for key in (value, low, high)
                  if stat.get(key) is not None]
        if reference == 1.0:
            spread = max([abs(math.log10(v)) for v in values if v > 0] + [math.log10(1.2)]) * 1.15
            ax.set_xlim(10 ** -spread, 10 ** spread)
            candidates = next(ticks for decades, ticks in RATIO_TICKS if spread < decades)
            ticks = [tick for tick in candidates if 10 ** -spread <= tick <= 10 ** spread]
            ax.set_xticks(ticks, [f"×{tick:g}" for tick in ticks])
            ax.set_xticks([], minor=True)
        else:
            spread = max([abs(v) for v in values] + [1.0]) * 1.15
            ax.set_xlim(-spread, spread)
