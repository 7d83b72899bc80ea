"""The binning analysis: the best feasible read's bins as a CSV, a JSON bin set (for
``qseg.problems.binning.assign``) and the chart in optbinning's layout: customers per bin as bars
(converted stacked on not converted), the conversion (event) rate on a second axis as a line
with markers, net per customer (revenue less cost) above each bar. The bars and their labels keep to the lower
``BAR_BAND`` of the plot and the rate line to the band above, so no label sits under the line.
Colours are ``qseg.style``'s (``NON_EVENT_COLOUR``, ``EVENT_COLOUR``, ``RATE_COLOUR``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dimod
import numpy as np
import pandas as pd

from qseg import style
from qseg.files import check_output_dir, replacing, spreadsheet_safe
from qseg.metrics import best_feasible
from qseg.problems.binning import BinningProblem, save_bins
from qseg.style import literal_text

FILES = ("bins.csv", "bins.json", "bins.png")
# Share of the plot's height the tallest bar reaches (its labels sit just above it), and the
# band (bottom, top, as shares of the height) the rate line is scaled into, clear above them.
BAR_BAND = 0.52
RATE_BAND = (0.7, 0.92)


def best_bins(problem: BinningProblem, sampleset: dimod.SampleSet, *, polish: bool = False) -> dict[str, Any] | None:
    """Return the bin set of the best feasible read (after the polish when asked), None when no
    read is feasible."""
    reads = problem.evaluate_reads(sampleset)
    if polish:
        reads = problem.polish_reads(reads)
    best = best_feasible(reads.minimised, reads.feasible)
    if best is None:
        return None
    return problem.decode(dict(zip(reads.labels, reads.states[best].tolist())))


def write_binning_analysis(problem: BinningProblem, bins: dict[str, Any], out: str | Path) -> list[Path]:
    """Write bins.csv, bins.json and bins.png into ``out``; return the paths written."""
    folder = check_output_dir("analysis", out)
    folder.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(bins["bins"])
    with replacing(folder / "bins.csv") as temporary:
        spreadsheet_safe(table).to_csv(temporary, index=False)
    save_bins(bins, folder / "bins.json")
    chart(table, f"{problem.name} {problem.instance}", folder / "bins.png")
    return [folder / name for name in FILES]


@literal_text
def chart(table: pd.DataFrame, title: str, path: Path) -> None:
    """Draw ``table``'s bins into ``path`` in optbinning's layout: customers per bin as bars
    (converted stacked on not converted), the conversion rate (right axis) as a line with
    markers and its value beside each marker, net per customer (revenue less cost) above each bar."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    customers = table["customers"].astype(float).to_numpy()
    converted = table["conversions"].astype(float).to_numpy()
    rate = table["conversion_rate"].astype(float).to_numpy()
    x = np.arange(len(table))
    figure = Figure(figsize=(max(8.0, 0.9 * len(table) + 3), 5.5))
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    kept = ax.bar(x, customers - converted, color=style.NON_EVENT_COLOUR, edgecolor="#333333", linewidth=0.5)
    won = ax.bar(x, converted, bottom=customers - converted, color=style.EVENT_COLOUR, edgecolor="#333333", linewidth=0.5)
    for position, height, value in zip(x, customers, table["net_per_customer"], strict=True):
        if pd.notna(value):
            money = f"{'-' if value < 0 else ''}${abs(value):,.2f}"
            ax.annotate(money, (position, height), ha="center", va="bottom", fontsize=8, xytext=(0, 2),
                        textcoords="offset points")
    ax.set_xticks(x, table["band"], rotation=35, ha="right", fontsize=8)
    ax.set_xlabel("propensity band")
    ax.set_ylabel("customers")
    ax.set_ylim(0, max(float(np.nanmax(customers, initial=0.0)), 1.0) / BAR_BAND)
    ax.set_xlim(-0.6, len(table) - 0.4)
    rate_ax = ax.twinx()
    (line,) = rate_ax.plot(x, rate, color=style.RATE_COLOUR, marker="o", markersize=5, linewidth=1.5)
    known = rate[np.isfinite(rate)]
    low, high = (float(known.min()), float(known.max())) if known.size else (0.0, 1.0)
    span = max(high - low, 0.05 * max(abs(high), 0.01))
    per_share = span / (RATE_BAND[1] - RATE_BAND[0])
    rate_ax.set_ylim(low - per_share * RATE_BAND[0], high + per_share * (1 - RATE_BAND[1]))
    ticks = [t for t in MaxNLocator(4).tick_values(low, high) if low - 0.05 * span <= t <= high + 0.05 * span and t >= 0]
    rate_ax.set_yticks(ticks)
    rate_ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1 if span < 0.05 else 0))
    rate_ax.set_ylabel("conversion rate")
    for position, value in zip(x, rate, strict=True):
        if np.isfinite(value):
            rate_ax.annotate(f"{value:.1%}", (position, value), ha="center", va="bottom", fontsize=7.5,
                             xytext=(0, 5), textcoords="offset points", color=style.RATE_COLOUR)
    ax.set_title(f"{title}: customers and conversion rate by bin (net per customer above each bar)", fontsize=10)
    figure.legend(handles=[kept, won, line], labels=["customers not converted", "customers converted",
                                                    "conversion rate (right axis)"],
                  loc="lower center", ncol=3, frameon=False, fontsize=9)
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    with replacing(path) as temporary:
        figure.savefig(temporary, dpi=120, format="png")
