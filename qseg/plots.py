"""Figures from a store's cells (matplotlib, written as PNG; nothing is re-run here)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from qseg.files import replacing

TARGET_GAP = 0.01


def _pyplot() -> ModuleType:
    """Return matplotlib's pyplot on the file-only Agg backend (no display is ever needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _label(frame: pd.DataFrame) -> pd.Series:
    """Return one series label per cell: solver, grid values when swept, formulation."""
    sweep = frame["sweep"].astype(str) if "sweep" in frame else pd.Series("", index=frame.index)
    solver = frame["solver"].astype(str).where(sweep == "", frame["solver"].astype(str) + " " + sweep)
    return solver + " / " + frame["formulation"].astype(str)


def write_plots(cells: pd.DataFrame, folder: Path) -> list[Path]:
    """Write every plot for ``cells`` into ``folder``; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    scored = cells[cells["status"].isin(("ok", "infeasible"))].copy()
    if scored.empty:
        return []
    scored["label"] = _label(scored)
    writers = (gap_vs_time, feasibility, time_vs_size, tts99, time_to_target, embedding_scaling)
    written = [path for writer in writers if (path := writer(scored, folder)) is not None]
    return written + sweep_plots(scored, folder)


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    with replacing(path) as temporary:
        fig.savefig(temporary, dpi=110)
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


def swept_keys(cells: pd.DataFrame) -> list[str]:
    """Return the grid keys that take more than one value among ``cells``' sweeps, sorted."""
    if "spec.sweep" not in cells:
        return []
    values: dict[str, set[str]] = {}
    for sweep in cells["spec.sweep"]:
        for key, value in (sweep if isinstance(sweep, dict) else {}).items():
            values.setdefault(key, set()).add(repr(value))
    return sorted(key for key, seen in values.items() if len(seen) > 1)


def sweep_plots(cells: pd.DataFrame, folder: Path) -> list[Path]:
    """Write ``sweep_PROBLEM.png`` per problem with a parameter grid: median gap (and the
    feasible rate) against each swept value, one line per backend/formulation (with the other
    swept values in its label). Returns the files written."""
    written = []
    for problem, group in cells.groupby("problem"):
        keys = swept_keys(group)
        if not keys:
            continue
        plt = _pyplot()
        fig, axes = plt.subplots(2, len(keys), figsize=(6 * len(keys), 6.5), squeeze=False, sharex="col")
        for column, key in enumerate(keys):
            data = group[group["spec.sweep"].map(lambda s, k=key: isinstance(s, dict) and k in s)].copy()
            data["value"] = data["spec.sweep"].map(lambda s, k=key: s[k])
            others = data["spec.sweep"].map(lambda s, k=key: " ".join(f"{o}={s[o]}" for o in sorted(s) if o != k))
            data["series"] = data["solver"].astype(str) + " / " + data["formulation"].astype(str)
            data["series"] = data["series"].where(others == "", data["series"] + " " + others)
            numeric = pd.api.types.is_numeric_dtype(data["value"])
            order = sorted(data["value"].unique()) if numeric else list(dict.fromkeys(data["value"]))
            for series, points in data.groupby("series"):
                stats = points.groupby("value").agg(gap=("gap", "median"), feasible=("feasible", "mean")).reindex(order)
                x = stats.index.to_numpy() if numeric else np.arange(len(order))
                axes[0][column].plot(x, stats["gap"].to_numpy(dtype=float) * 100, marker="o", label=series)
                axes[1][column].plot(x, stats["feasible"].to_numpy(dtype=float) * 100, marker="o", label=series)
            for row, ylabel in ((0, "median gap to reference (%)"), (1, "cells with a feasible answer (%)")):
                ax = axes[row][column]
                ax.set_ylabel(ylabel)
                if numeric and min(order) > 0 and max(order) / min(order) >= 100:
                    ax.set_xscale("log")
                if not numeric:
                    ax.set_xticks(np.arange(len(order)), [str(v) for v in order])
            axes[0][column].set_title(f"{problem}: quality against {key}")
            axes[1][column].set_xlabel(key)
            axes[1][column].set_ylim(-2, 102)
        handles, labels = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=min(3, len(labels)), fontsize=8)
        fig.set_layout_engine("constrained")
        path = folder / f"sweep_{problem}.png"
        with replacing(path) as temporary:
            fig.savefig(temporary, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
