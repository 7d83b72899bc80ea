"""Tables from a store: ``report.md`` and ``cells.csv`` (nothing is re-run here).

Per problem, one row per backend x formulation: median gap, feasible rate, median wall time and
median TTS99, each with a bootstrap 95 % interval over instances (repeats of one instance are
first reduced to their median, so the interval is over seeds, not over correlated repeats).
The best value of each column is marked in bold.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qseg import store
from qseg.files import replacing

BOOTSTRAP_SAMPLES = 2000
# Timing fields the harness itself measures; every other ``timing.*`` field came from a backend.
HARNESS_TIMING = {"build_ns", "reference_ns", "evaluate_ns", "polish_ns", "total_ns", "spawn_ns", "dispatch_ns"}
SCORED = ("ok", "infeasible")


def bootstrap_interval(values: np.ndarray, statistic: Callable[..., Any] = np.median, seed: int = 0) -> tuple[float, float]:
    """Return the 95 % percentile-bootstrap interval of ``statistic`` (NaN, NaN with no data)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    draws = rng.choice(values, size=(BOOTSTRAP_SAMPLES, values.size), replace=True)
    estimates = statistic(draws, axis=1)
    # No interpolation: TTS99 holds +inf for "never reached", and inf - inf is NaN.
    return float(np.percentile(estimates, 2.5, method="lower")), float(np.percentile(estimates, 97.5, method="higher"))


def summary_table(cells: pd.DataFrame) -> pd.DataFrame:
    """Return one row per (problem, solver, grid values, formulation) with medians, rates and
    intervals; ``sweep`` is the grid values (empty without a grid)."""
    scored = cells[cells["status"].isin(SCORED)].copy()
    if "sweep" not in scored:
        scored["sweep"] = ""
    scored["feasible_value"] = scored["feasible"].astype(float)
    scored["instance_key"] = scored["instance"].astype(str) + "/" + scored["seed"].astype(str)
    # A cell that never reached the reference has no TTS99: it counts as infinitely slow, so a
    # median over instances does not flatter a backend that often misses.
    scored["tts_value"] = scored["tts99_s"].astype(float).where(
        scored["tts99_s"].notna() | scored["reference"].isna(), np.inf)
    rows = []
    for (problem, backend, sweep, formulation), group in scored.groupby(["problem", "solver", "sweep", "formulation"],
                                                                         sort=True):
        per_instance = group.groupby("instance_key").agg(
            gap=("gap", "median"), feasible=("feasible_value", "mean"), wall=("wall_s", "median"),
            tts=("tts_value", "median"))
        row = {"problem": problem, "backend": backend, "sweep": sweep, "formulation": formulation,
               "cells": len(group), "instances": len(per_instance)}
        for column, statistic in (("gap", np.median), ("feasible", np.mean), ("wall", np.median), ("tts", np.median)):
            values = per_instance[column].to_numpy(dtype=float)
            known = values[~np.isnan(values)]
            row[column] = float(statistic(known)) if known.size else float("nan")
            row[f"{column}_low"], row[f"{column}_high"] = bootstrap_interval(values, statistic)
        rows.append(row)
    return pd.DataFrame(rows)


def _format(value: float, low: float, high: float, kind: str) -> str:
    if np.isnan(value):
        return "–"
    if np.isinf(value):
        return "not reached"
    fmt = {"gap": "{:.2%}", "feasible": "{:.0%}", "wall": "{:.3g} s", "tts": "{:.3g} s"}[kind]
    text = fmt.format(value)
    if not (np.isnan(low) or np.isnan(high)) and (low != value or high != value):
        text += f" [{_bound(low, fmt)}, {_bound(high, fmt)}]"
    return text


def _bound(value: float, fmt: str) -> str:
    return "∞" if np.isinf(value) else fmt.format(value)


def markdown_table(summary: pd.DataFrame) -> str:
    """Return the summary of one problem as a markdown table, best of each column in bold."""
    best = {
        "gap": summary["gap"].min(skipna=True), "feasible": summary["feasible"].max(skipna=True),
        "wall": summary["wall"].min(skipna=True), "tts": summary["tts"].min(skipna=True),
    }
    swept = "sweep" in summary and bool((summary["sweep"] != "").any())
    header = ("| backend | " + ("sweep | " if swept else "") + "formulation | cells | median gap [95% CI] "
              "| feasible rate [95% CI] | median wall time [95% CI] | median TTS99 [95% CI] |")
    lines = [header, "|---|" + ("---|" if swept else "") + "---|---|---|---|---|---|"]
    for row in summary.itertuples(index=False):
        cells = []
        for kind in ("gap", "feasible", "wall", "tts"):
            value = getattr(row, kind)
            text = _format(value, getattr(row, f"{kind}_low"), getattr(row, f"{kind}_high"), kind)
            cells.append(f"**{text}**" if np.isfinite(value) and value == best[kind] else text)
        sweep = f"{row.sweep or '–'} | " if swept else ""
        lines.append(f"| {row.backend} | {sweep}{row.formulation} | {row.cells} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def quantum_sections(cells: pd.DataFrame) -> list[str]:
    """Return markdown sections for embedded (QPU-like) and QAOA cells; none when absent."""
    lines: list[str] = []
    scored = cells[cells["status"].isin(SCORED)]
    if "physical_qubits" in scored and scored["physical_qubits"].notna().any():
        embedded = scored[scored["physical_qubits"].notna()]
        lines += ["## Embeddings", "", "Mean over cells. Timing of `mock-qpu` is simulated: its QPU time is "
                  "never reported.", "",
                  *_table_head("backend", "problem / formulation", "variables", "physical qubits", "qubits per variable",
                               "max chain", "chain-break fraction", "median gap")]
        keys = ["solver", "problem", "formulation", "num_variables"]
        for key, group in embedded.groupby(keys):
            qubits = group["physical_qubits"].mean()
            lines.append(f"| {key[0]} | {key[1]} / {key[2]} | {key[3]:.0f} | {qubits:.0f} | {qubits / key[3]:.2f} "
                         f"| {group['max_chain_length'].max():.0f} | {group['chain_break_fraction'].mean():.3f} "
                         f"| {_percent(group['gap'].median())} |")
        lines.append("")
    if "shots" in scored and scored["shots"].notna().any():
        qaoa = scored[scored["shots"].notna()]
        lines += ["## QAOA", "", "Approximation ratios: objective over the reference, natural sense (1 = optimal). "
                  "Random control: the chance that as many uniformly random bitstrings contain an optimum.", "",
                  *_table_head("problem", "variables", "reps", "shots", "ratio best", "ratio mean", "success per shot",
                               "random per shot", "random within shots")]
        for _, row in qaoa.iterrows():
            control = row.get("details.random_control")
            control = control if isinstance(control, dict) else {}
            lines.append(f"| {row['problem']} | {row['num_variables']:.0f} | {row['reps']:.0f} | {row['shots']:.0f} "
                         f"| {_number(row['approximation_ratio_best'])} | {_number(row['approximation_ratio_mean'])} "
                         f"| {_number(row['success_probability'])} | {_number(control.get('success_probability_per_shot'))} "
                         f"| {_number(control.get('probability_in_shots'))} |")
        lines.append("")
    return lines


def solver_facts_section(cells: pd.DataFrame) -> list[str]:
    """Return a markdown section listing, per backend, the SolverInfo facts its cells reported:
    the timing fields (``timing.*``) and the backend's own ``extra`` facts (median over cells)."""
    scored = cells[cells["status"].isin(SCORED)]
    rows = []
    for solver, group in scored.groupby("solver"):
        timing = sorted(c.removeprefix("timing.") for c in group.columns
                        if c.startswith("timing.") and group[c].notna().any()
                        and c.removeprefix("timing.") not in HARNESS_TIMING)
        extra: dict[str, list[float]] = {}
        for facts in group.get("details.extra", pd.Series(dtype=object)):
            for key, value in (facts if isinstance(facts, dict) else {}).items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    extra.setdefault(key, []).append(float(value))
        extras = ", ".join(f"{key} (median {np.median(values):.4g})" for key, values in sorted(extra.items()))
        rows.append(f"| {solver} | {', '.join(timing)} | {extras or '–'} |")
    if not rows:
        return []
    return ["## Solver facts", "", "What each backend reported through `SolverInfo`: its timing fields "
            "(integer nanoseconds) and its own `extra` facts.", "",
            *_table_head("backend", "timing fields", "extra facts"), *rows, ""]


def _table_head(*columns: str) -> list[str]:
    """Return a markdown table's header row and rule for ``columns``."""
    return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]


def _percent(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.2%}"


def _number(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.3g}"


def write_report(root: Path | str) -> Path:
    """Write ``report.md``, ``cells.csv`` and the plots into the store folder; return report.md."""
    from qseg import plots

    root = Path(root)
    run = store.read_run(root)
    cells = store.load(root)
    with replacing(root / "cells.csv") as temporary:
        cells.to_csv(temporary, index=False)
    figures = plots.write_plots(cells, root / "plots") if len(cells) else []
    lines = [f"# {run['suite']['name']}: benchmark report", ""]
    lines += [f"Suite `{run['suite']['path']}` (sha256 {run['suite']['sha256'][:12]}), {run.get('cells')} cells; "
              f"git {run.get('git_revision')}, started {run.get('utc')} on {run.get('platform')} "
              f"({run.get('cpu_count')} cores), {run.get('workers')} workers.", ""]
    if len(cells):
        counts = cells["status"].value_counts().to_dict()
        lines += ["Cells by status: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), ""]
        summary = summary_table(cells)
        lines += ["Gap: relative to the exact or published optimum (0 = optimal; best feasible read). "
                  "Intervals: bootstrap 95 % over instances. Best per column in bold.", ""]
        for problem, table in summary.groupby("problem"):
            lines += [f"## {problem}", "", markdown_table(table), ""]
        unusual = cells[~cells["status"].isin(SCORED)]
        if len(unusual):
            lines += ["## Cells without a score", "", *_table_head("backend", "formulation", "instance", "status", "message")]
            for row in unusual.itertuples(index=False):
                message = str(row.message or "").replace("|", "/")[:160]
                lines.append(f"| {row.backend} | {row.formulation} | {row.instance} | {row.status} | {message} |")
            lines.append("")
        lines += quantum_sections(cells)
        lines += solver_facts_section(cells)
        lines += ["## Plots", ""] + [f"![{f.stem}](plots/{f.name})" for f in figures] + [""]
    lines += ["## Versions", "", "```json", json.dumps(run.get("packages", {}), indent=2), "```", ""]
    path = root / "report.md"
    with replacing(path) as temporary:
        temporary.write_text("\n".join(lines))
    return path
