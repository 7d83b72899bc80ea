"""Figures from a store's cells (matplotlib, written as PNG; nothing is re-run here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

TARGET_GAP = 0.01


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _label(frame: pd.DataFrame) -> pd.Series:
    return frame["solver"].astype(str) + " / " + frame["formulation"].astype(str)


def write_plots(cells: pd.DataFrame, folder: Path) -> list[Path]:
    """Write every plot for ``cells`` into ``folder``; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    scored = cells[cells["status"].isin(("ok", "infeasible"))].copy()
    if scored.empty:
        return []
    scored["label"] = _label(scored)
    writers = (gap_vs_time, feasibility, time_vs_size, tts99, time_to_target, embedding_scaling)
    return [path for writer in writers if (path := writer(scored, folder)) is not None]


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def gap_vs_time(cells: pd.DataFrame, folder: Path) -> Path | None:
    """Scatter of gap against wall time (log x), one colour per backend/formulation."""
    data = cells[cells["gap"].notna() & (cells["wall_s"] > 0)]
    if data.empty:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, group in data.groupby("label"):
        ax.scatter(group["wall_s"], group["gap"] * 100, label=label, s=18, alpha=0.75)
    ax.set_xscale("log")
    ax.set_xlabel("wall time per cell (s, log)")
    ax.set_ylabel("gap to reference (%)")
    ax.set_title("Solution quality against time")
    ax.legend(fontsize=7, loc="best")
    return _save(fig, folder / "gap_vs_time.png")


def feasibility(cells: pd.DataFrame, folder: Path) -> Path | None:
    """Bar chart of the fraction of cells whose best read is feasible."""
    rate = cells.groupby("label")["feasible"].mean().sort_values()
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(rate) + 1.5))
    ax.barh(rate.index, rate.to_numpy() * 100)
    ax.set_xlabel("cells with a feasible answer (%)")
    ax.set_xlim(0, 100)
    ax.set_title("Feasibility rate")
    return _save(fig, folder / "feasibility.png")


def time_vs_size(cells: pd.DataFrame, folder: Path) -> Path | None:
    """Median wall time against problem size (log-log): how each backend scales."""
    data = cells[(cells["wall_s"] > 0) & (cells["size"] > 0)]
    if data["size"].nunique() < 2:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, group in data.groupby("label"):
        medians = group.groupby("size")["wall_s"].median()
        ax.plot(medians.index, medians.to_numpy(), marker="o", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("customers (log)")
    ax.set_ylabel("median wall time (s, log)")
    ax.set_title("Scaling")
    ax.legend(fontsize=7)
    return _save(fig, folder / "time_vs_size.png")


def tts99(cells: pd.DataFrame, folder: Path) -> Path | None:
    """Box plot of time-to-solution (99 %) per backend/formulation, where it was reached."""
    data = cells[cells["tts99_s"].notna() & (cells["tts99_s"] > 0)]
    if data.empty:
        return None
    groups = sorted(data.groupby("label"), key=lambda item: item[1]["tts99_s"].median())
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(groups) + 1.5))
    ax.boxplot([g["tts99_s"].to_numpy() for _, g in groups], orientation="horizontal", tick_labels=[name for name, _ in groups])
    ax.set_xscale("log")
    ax.set_xlabel("TTS99 (s, log): time to reach the reference with 99 % confidence")
    ax.set_title("Time to solution")
    return _save(fig, folder / "tts99.png")


def time_to_target(cells: pd.DataFrame, folder: Path, target: float = TARGET_GAP) -> Path | None:
    """Fraction of cells solved within ``target`` gap against time: backends at equal budgets."""
    data = cells[cells["reference"].notna()]
    if data.empty:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for label, group in data.groupby("label"):
        solved = group["feasible"].astype(bool) & (group["gap"].fillna(np.inf) <= target)
        times = np.sort(group.loc[solved, "wall_s"].to_numpy())
        if times.size == 0:
            continue
        fraction = np.arange(1, times.size + 1) / len(group)
        ax.step(np.concatenate([[times[0]], times]), np.concatenate([[0], fraction]), where="post", label=label)
    ax.set_xscale("log")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("time budget (s, log)")
    ax.set_ylabel(f"fraction of cells within {target:.0%} of the reference")
    ax.set_title("Time to target")
    ax.legend(fontsize=7, loc="lower right")
    return _save(fig, folder / "time_to_target.png")


def embedding_scaling(cells: pd.DataFrame, folder: Path) -> Path | None:
    """Physical qubits per logical variable against model size, for embedded (QPU-like) cells."""
    if "physical_qubits" not in cells:
        return None
    data = cells[cells["physical_qubits"].notna() & (cells["num_variables"] > 0)]
    if data.empty:
        return None
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    data = data.assign(ratio=data["physical_qubits"] / data["num_variables"],
                       model=data["problem"].astype(str) + " / " + data["formulation"].astype(str))
    for label, group in data.groupby("model"):
        mean = group.groupby("num_variables")["ratio"].mean()
        ax.plot(mean.index, mean.values, marker="o", label=label)
    ax.set_xlabel("logical variables")
    ax.set_ylabel("physical qubits per variable")
    ax.set_title("Embedding size on the QPU graph")
    ax.legend(fontsize=7, loc="best")
    return _save(fig, folder / "embedding_scaling.png")
