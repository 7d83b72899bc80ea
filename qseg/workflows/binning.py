"""The binning analysis: the best feasible read's bins as a CSV, a JSON bin set (for
``qseg.problems.binning.assign``) and the seed's chart (customers per bin as bars coloured by
conversion rate, conversions as a line, net per customer above each bar)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dimod
import numpy as np
import pandas as pd

from qseg.files import check_output_dir, replacing, spreadsheet_safe
from qseg.metrics import best_feasible
from qseg.problems.binning import BinningProblem, save_bins
from qseg.style import literal_text

FILES = ("bins.csv", "bins.json", "bins.png")


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
    """Draw customers per bin (bars, coloured by conversion rate), conversions (line, right
    axis) and net per customer (above each bar) into ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rate = table["conversion_rate"].astype(float).to_numpy()
    colours = plt.get_cmap("viridis")(rate)
    fig, ax = plt.subplots(figsize=(max(8.0, 0.9 * len(table) + 3), 5.5))
    x = np.arange(len(table))
    bars = ax.bar(x, table["customers"], color=colours, edgecolor="black", linewidth=0.5, label="customers")
    for bar, value in zip(bars, table["net_per_customer"]):
        money = f"{'-' if value < 0 else ''}${abs(value):,.2f}"
        ax.annotate(money, (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                    va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(x, table["band"], rotation=35, ha="right", fontsize=8)
    ax.set_xlabel("propensity band")
    ax.set_ylabel("customers")
    ax.margins(y=0.15)
    line_ax = ax.twinx()
    (line,) = line_ax.plot(x, table["conversions"], color="tab:red", marker="o", label="conversions")
    line_ax.set_ylabel("conversions")
    line_ax.set_ylim(bottom=0)
    scale = plt.cm.ScalarMappable(cmap="viridis", norm=matplotlib.colors.Normalize(0, 1))
    fig.colorbar(scale, ax=line_ax, pad=0.12, label="conversion rate")
    ax.set_title(f"{title}: customers, conversions and net per customer by bin", fontsize=10)
    fig.legend(handles=[bars, line], labels=["customers (bars; colour = conversion rate)", "conversions"], loc="upper center",
               bbox_to_anchor=(0.45, 0.0), ncol=2, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    with replacing(path) as temporary:
        fig.savefig(temporary, dpi=120, bbox_inches="tight")
    plt.close(fig)
