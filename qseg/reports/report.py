"""The report of a store: ``report.md``, optionally ``report.html``, ``cells.csv`` and the
figures (nothing is re-run here).

Per problem, one row per backend x formulation over the cells it ran, ranked by the median gap
with every failure (infeasible, timeout, error) counted as an infinite gap: that median, the
feasible cells ("k of n") and rate, the median gap of the feasible cells alone (with its count),
the median wall time and the median TTS99. Repeats of one instance are first reduced to their
median, so statistics are over instances; a bootstrap 95 % interval is shown from
``MIN_INTERVAL_INSTANCES`` instances on. Then the same split by instance family (generated,
seed, library, file) when a problem has more than one, the performance-profile summary and the
problem's figures. A value is bold only when best among the series run on the same instances
(``best_positions``). docs/reports.md explains each statistic.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from qseg import metrics
from qseg.document import Align, Block, Code, Figure, Paragraph, Section, Span, Table, bold, code, markdown, marked, page
from qseg.errors import BadInputError
from qseg.files import check_no_broken_link, check_output_dir, replacing, spreadsheet_safe
from qseg.record import RandomControlDetails
from qseg.reports import performance_profiles as profiles
from qseg.reports.frame import (
    BACKEND,
    FAMILIES,
    FAMILY,
    RANDOM_CONTROL,
    SOLVER_EXTRA,
    TIMING_PREFIX,
    load_frame,
)
from qseg.reports.statistics import MIN_INTERVAL_INSTANCES, format_seconds, has_interval
from qseg.store import RunInfo, read_run

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
    """Return one row per (problem, solver, grid values, formulation) over the cells that series
    ran (skipped cells left out), best first; ``sweep`` is the grid values (empty without a grid).

    ``gap`` is the median over instances with every failure counted: an infeasible, timed-out or
    errored cell has gap +inf (repeats of one instance are first reduced to their median), so a
    series feasible on one instance in fourteen has an infinite median, never that one cell's
    gap. ``feasible_gap`` is the median over the feasible cells only (``feasible_cells`` of
    them), ``gap_worst_finite`` the largest feasible gap (a failed median reads "> that").
    ``feasible`` is the mean per-instance feasible share; ``wall`` the median wall time; ``tts``
    the median TTS99 (+inf where the reference was never reached). Each ``*_low`` / ``*_high``
    is a bootstrap 95 % interval over instances, NaN below ``MIN_INTERVAL_INSTANCES`` (and
    always for ``feasible_gap``).
    ``instance_set`` is the frozenset of instance keys the series ran on (what makes two rows
    comparable). Rows are ranked by ``gap``, then ``feasible`` (descending), then ``wall``."""
    attempted = cells[~cells["status"].isin(profiles.NOT_RUN)].copy()
    if attempted.empty:
        return pd.DataFrame()
    if "sweep" not in attempted:
        attempted["sweep"] = ""
    scored = attempted["status"].isin(SCORED)
    feasible = scored & attempted["feasible"].fillna(False).astype(bool)
    gap = pd.to_numeric(attempted["gap"], errors="coerce")
    no_reference = pd.Series(True, index=attempted.index)
    has_reference = attempted["reference"].notna() if "reference" in attempted else ~no_reference
    attempted["feasible_value"] = feasible.astype(float)
    attempted["feasible_gap"] = gap.where(feasible)
    # A failure is infinitely far from the reference; a feasible cell without a reference has no
    # gap at all (NaN: neither a success nor a failure).
    attempted["gap_value"] = gap.where(feasible, np.inf)
    attempted["instance_key"] = profiles.instance_keys(attempted)
    tts = pd.to_numeric(attempted["tts99_s"], errors="coerce") if "tts99_s" in attempted else no_reference * np.nan
    # A cell that never reached the reference (or failed) counts as infinitely slow, so a median
    # over instances does not flatter a backend that often misses.
    attempted["tts_value"] = tts.where(tts.notna() | ~has_reference, np.inf)
    attempted["wall_value"] = pd.to_numeric(attempted["wall_s"], errors="coerce")
    keys = ["problem", BACKEND, "sweep", "formulation"]
    # One grouped pass reduces repeats to their per-instance medians for every series at once; a
    # groupby per series costs a second on a 300-cell store.
    per_instance = attempted.groupby([*keys, "instance_key"], sort=True).agg(
        gap=("gap_value", "median"), feasible=("feasible_value", "mean"), wall=("wall_value", "median"),
        tts=("tts_value", "median"), feasible_gap=("feasible_gap", "median"))
    totals = attempted.groupby(keys, sort=True).agg(
        cells=("feasible_value", "size"), feasible_cells=("feasible_value", "sum"), worst=("feasible_gap", "max"))
    rows = []
    for (problem, backend, sweep, formulation), group in per_instance.groupby(level=keys, sort=True):
        total = totals.loc[(problem, backend, sweep, formulation)]
        row: dict[str, Any] = {
            "problem": problem, "backend": backend, "sweep": sweep, "formulation": formulation,
            "cells": int(total["cells"]), "feasible_cells": int(total["feasible_cells"]), "instances": len(group),
            "instance_set": frozenset(group.index.get_level_values("instance_key")),
            "gap_worst_finite": float(total["worst"])}
        for column, statistic in (("gap", np.median), ("feasible", np.mean), ("wall", np.median), ("tts", np.median),
                                  ("feasible_gap", np.median)):
            values = group[column].to_numpy(dtype=float)
            known = values[~np.isnan(values)]
            row[column] = float(statistic(known)) if known.size else float("nan")
            # The feasible cells' gap is shown with its count, never with an interval.
            shown = has_interval(known.size) and column != "feasible_gap"
            row[f"{column}_low"], row[f"{column}_high"] = (
                bootstrap_interval(known, statistic) if shown else (float("nan"), float("nan")))
        rows.append(row)
    summary = pd.DataFrame(rows)
    # Ranked by the failure-counted median gap, then feasibility, then time: a series that is
    # mostly infeasible never sits above one that is always feasible.
    order = summary.assign(_infeasible=-summary["feasible"]).sort_values(
        ["problem", "gap", "_infeasible", "wall", "backend", "formulation"], na_position="last", kind="stable")
    return summary.loc[order.index].reset_index(drop=True)


def _format(value: float, low: float, high: float, kind: str) -> str:
    if np.isnan(value):
        return "–"
    if np.isinf(value):
        return "not reached"
    text = _FORMATS[kind](value)
    if not (np.isnan(low) or np.isnan(high)) and (low != value or high != value):
        text += f" [{_bound(low, kind)}, {_bound(high, kind)}]"
    return text


def _bound(value: float, kind: str) -> str:
    return "∞" if np.isinf(value) else _FORMATS[kind](value)


_FORMATS: dict[str, Callable[[float], str]] = {
    "gap": "{:.2%}".format, "feasible": "{:.0%}".format, "wall": format_seconds, "tts": format_seconds}


def _gap_text(row: Any) -> str:
    """Return the failure-counted median gap: its value and interval, "not reached" when no
    cell was feasible, "> x" (x the worst feasible gap) when the median itself is a failure."""
    if np.isinf(row.gap) and row.feasible_cells and np.isfinite(row.gap_worst_finite):
        return f"> {row.gap_worst_finite:.2%}"
    return _format(row.gap, row.gap_low, row.gap_high, "gap")


def _feasible_text(row: Any) -> str:
    """Return "k of n" feasible cells and the per-instance feasible rate (with its interval)."""
    return f"{row.feasible_cells} of {row.cells} ({_format(row.feasible, row.feasible_low, row.feasible_high, 'feasible')})"


def _feasible_gap_text(row: Any) -> str:
    """Return the median gap over feasible cells only, always with how many cells it is over."""
    if not row.feasible_cells or np.isnan(row.feasible_gap):
        return "–"
    return f"{row.feasible_gap:.2%} (of {row.feasible_cells})"


def comparable_groups(summary: pd.DataFrame) -> list[list[int]]:
    """Return the positions of ``summary``'s rows grouped by the instance set they ran on; only
    groups of two or more rows (a series alone on its instances is compared with nothing)."""
    groups: dict[frozenset[str], list[int]] = {}
    for position, instances in enumerate(summary["instance_set"]):
        groups.setdefault(instances, []).append(position)
    return [members for members in groups.values() if len(members) > 1]


def best_positions(summary: pd.DataFrame) -> dict[str, set[int]]:
    """Return, per statistic (gap, feasible, wall, tts), the positions of the rows holding the
    best value among the rows run on the same instances. Wall time is compared only among the
    rows whose failure-counted median gap reached the target (``profiles.TARGET_GAP``): a fast
    answer far off is not the fastest to a good one. TTS99 is already a time to one target. A
    column where every comparable row ties is left unmarked."""
    best: dict[str, set[int]] = {kind: set() for kind in SUMMARY_KINDS}
    for members in comparable_groups(summary):
        group = summary.iloc[members].reset_index(drop=True)
        reached = (group["gap"] <= profiles.TARGET_GAP).to_numpy()
        for kind, pick in (("gap", np.min), ("feasible", np.max), ("wall", np.min), ("tts", np.min)):
            values = group[kind].to_numpy(dtype=float)
            pool = np.isfinite(values) & (reached if kind == "wall" else True)
            if pool.sum() < 1 or (kind == "wall" and pool.sum() < 2):
                continue
            target = pick(values[pool])
            winners = pool & (values == target)
            if winners.sum() == len(members):
                continue
            best[kind] |= {members[i] for i in np.flatnonzero(winners)}
    return best


SUMMARY_KINDS = ("gap", "feasible", "wall", "tts")
REPORT_FILES = ("cells.csv", "report.md", "report.html")
SUMMARY_COLUMNS = ("median gap, failures = ∞ [95% CI]", "feasible cells (rate [95% CI])", "median gap of feasible cells",
                   "median wall time [95% CI]", "median TTS99 [95% CI]")


def summary_rows(summary: pd.DataFrame) -> Table:
    """Return the summary of one problem (``summary_table`` rows) as a table, the best value of
    each column marked bold among the rows run on the same instances (``best_positions``); a
    sweep column appears when any row has grid values."""
    swept = "sweep" in summary and bool((summary["sweep"] != "").any())
    columns = ("backend", *(("sweep",) if swept else ()), "formulation", "cells", "instances", *SUMMARY_COLUMNS)
    first = len(columns) - len(SUMMARY_COLUMNS)
    placed = {"gap": first, "feasible": first + 1, "wall": first + 3, "tts": first + 4}
    best = best_positions(summary) if len(summary) else {}
    best_cells = frozenset((r, placed[kind]) for kind, positions in best.items() for r in positions)
    rows: list[tuple[str, ...]] = []
    for row in summary.itertuples(index=False):
        sweep = ((row.sweep or "–"),) if swept else ()
        rows.append((str(row.backend), *sweep, str(row.formulation), str(row.cells), str(row.instances),
                     _gap_text(row), _feasible_text(row), _feasible_gap_text(row),
                     _format(row.wall, row.wall_low, row.wall_high, "wall"),
                     _format(row.tts, row.tts_low, row.tts_high, "tts")))
    left: Align = "left"
    right: Align = "right"
    align = (left,) * (first - 2) + (right,) * (len(columns) - first + 2)
    return Table(columns, tuple(rows), best_cells, align)


def markdown_table(summary: pd.DataFrame) -> str:
    """Return the summary of one problem as a markdown table, best of each column in bold."""
    from qseg.document import markdown_table as render

    return render(summary_rows(summary))


def _table(columns: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Table:
    return Table(columns, tuple(rows))


def quantum_sections(cells: pd.DataFrame) -> list[Section]:
    """Return the sections for embedded (QPU-like) and QAOA cells; none when absent."""
    sections = []
    scored = cells[cells["status"].isin(SCORED)]
    if "physical_qubits" in scored and scored["physical_qubits"].notna().any():
        embedded = scored[scored["physical_qubits"].notna()]
        rows: list[tuple[str, ...]] = []
        for key, group in embedded.groupby([BACKEND, "problem", "formulation", "num_variables"]):
            qubits = group["physical_qubits"].mean()
            rows.append((str(key[0]), f"{key[1]} / {key[2]}", f"{key[3]:.0f}", f"{qubits:.0f}", f"{qubits / key[3]:.2f}",
                         f"{group['max_chain_length'].max():.0f}", f"{group['chain_break_fraction'].mean():.3f}",
                         _percent(group["gap"].median())))
        sections.append(Section("Embeddings", 2, (
            Paragraph(marked("Mean over cells. Timing of `mock-qpu` is simulated: its QPU time is never reported.")),
            _table(("backend", "problem / formulation", "variables", "physical qubits", "qubits per variable", "max chain",
                    "chain-break fraction", "median gap"), rows))))
    if "shots" in scored and scored["shots"].notna().any():
        rows = []
        qaoa = scored[scored["shots"].notna()]
        sense = qaoa["sense"] if "sense" in qaoa else pd.Series("min", index=qaoa.index)
        oriented_best = metrics.oriented_ratio(qaoa["approximation_ratio_best"], sense)
        oriented_mean = metrics.oriented_ratio(qaoa["approximation_ratio_mean"], sense)
        for position, (_, row) in enumerate(qaoa.iterrows()):
            stored = row[RANDOM_CONTROL] if RANDOM_CONTROL in row else None
            # as the solve wrote it (``Record.add_details``); a pre-typing store may lack it
            control = cast(RandomControlDetails, stored) if isinstance(stored, dict) else None
            rows.append((str(row["problem"]), f"{row['num_variables']:.0f}", f"{row['reps']:.0f}", f"{row['shots']:.0f}",
                         _number(oriented_best[position]), _number(oriented_mean[position]),
                         _number(row["success_probability"]),
                         _number(None if control is None else control["success_probability_per_shot"]),
                         _number(None if control is None else control["probability_in_shots"])))
        sections.append(Section("QAOA", 2, (
            Paragraph("Approximation ratios, oriented so that 1 is optimal and lower is worse for both senses: objective "
                      "over reference when maximising, reference over objective when minimising (the store keeps "
                      "objective over reference). Random control: the chance that as many uniformly random bitstrings "
                      "contain an optimum."),
            _table(("problem", "variables", "reps", "shots", "ratio best", "ratio mean", "success per shot",
                    "random per shot", "random within shots"), rows))))
    return sections


def solver_facts_section(cells: pd.DataFrame) -> list[Section]:
    """Return a section listing, per backend, the SolverInfo facts its cells reported: the
    timing fields (``timing.*``) and the backend's own ``extra`` facts (median over cells)."""
    scored = cells[cells["status"].isin(SCORED)]
    rows = []
    for backend, group in scored.groupby(BACKEND):
        timing = sorted(c.removeprefix(TIMING_PREFIX) for c in group.columns
                        if c.startswith(TIMING_PREFIX) and group[c].notna().any()
                        and c.removeprefix(TIMING_PREFIX) not in HARNESS_TIMING)
        extra: dict[str, list[Any]] = {}
        for facts in group[SOLVER_EXTRA] if SOLVER_EXTRA in group else ():
            for key, value in (facts if isinstance(facts, dict) else {}).items():
                extra.setdefault(str(key), []).append(value)
        extras = ", ".join(f"{key} {fact_summary(values)}" for key, values in sorted(extra.items()))
        rows.append((str(backend), ", ".join(timing), extras or "–"))
    if not rows:
        return []
    return [Section("Solver facts", 2, (
        Paragraph(marked("What each backend reported through `SolverInfo`: its timing fields (integer nanoseconds) and "
                         "its own `extra` facts over its cells: a number as its range (low–high), a pair such as "
                         "`beta_range` as the range of each end, other values as their distinct values.")),
        _table(("backend", "timing fields", "extra facts"), rows)))]


def fact_summary(values: Sequence[Any]) -> str:
    """Return one backend fact over its cells, compactly: numbers as their range (``0.1–60.9``,
    one value alone), number pairs such as ``beta_range`` as the range of each end
    (``[0.000841–0.0012, 60.9]``), anything else as its distinct values (at most three, then how
    many more)."""
    def number(value: Any) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)

    def span(numbers: Sequence[float]) -> str:
        low, high = min(numbers), max(numbers)
        return f"{low:.3g}" if f"{low:.3g}" == f"{high:.3g}" else f"{low:.3g}–{high:.3g}"

    if values and all(number(value) for value in values):
        return span(values)
    if values and all(isinstance(value, (list, tuple)) and value and all(map(number, value)) for value in values):
        width = len(values[0])
        if all(len(value) == width for value in values) and width <= 4:
            return "[" + ", ".join(span([value[i] for value in values]) for i in range(width)) + "]"
    distinct = list(dict.fromkeys(json.dumps(value, sort_keys=True, default=str) for value in values))
    shown = ", ".join(text[:40] for text in distinct[:3])
    return shown + (f" (+{len(distinct) - 3} more)" if len(distinct) > 3 else "")


def _percent(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.2%}"


def _number(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:.3g}"


def _share(value: float) -> str:
    return f"{value:.0%}"


def profile_table(cells: pd.DataFrame, kind: profiles.Kind) -> tuple[Paragraph, Table] | None:
    """Return a sentence and a table summarising one problem's performance profile of ``kind``:
    per series the share of instances on which it is best (rho(1)), close to the best and
    successful at all (rho(inf)); None when the profile has too few instances or series."""
    data = profiles.profile_data(cells, profiles.series_labels(cells), kind)
    if data is None:
        return None
    if kind == "time":
        close, names = 10.0, ("fastest", "within 10× of the fastest", f"gap ≤ {profiles.TARGET_GAP:.0%} at all")
        what, verbs = (f"time to a gap ≤ {profiles.TARGET_GAP:.0%}",
                       f"is the fastest, within 10× of the fastest, and reaches a gap ≤ {profiles.TARGET_GAP:.0%} at all")
    else:
        close, names = 1.01, ("best answer", "within 1 % of the best", "feasible at all")
        what, verbs = "solution quality (1 + gap)", "has the best answer, is within 1 % of the best, and is feasible at all"
    shares = pd.DataFrame({"best": data.rho(1.0), "close": data.rho(close), "ever": data.rho(np.inf)})
    shares = shares.sort_values(["best", "close", "ever"], ascending=False)
    top = shares.max()
    rows = [(str(name), _share(row.best), _share(row.close), _share(row.ever)) for name, row in shares.iterrows()]
    best_cells = {(r, c + 1) for r, (_, row) in enumerate(shares.iterrows()) for c, key in enumerate(("best", "close", "ever"))
            if row[key] == top[key] and row[key] > 0}
    sentence: list[str | Span] = [f"Performance profile on {what} over {len(data.ratios)} instances (Dolan & Moré): the "
                                  f"share of instances on which each series {verbs}."]
    if data.left_out:
        sentence.append(" Left out (run on too few of the instances to compare on all): ")
        for index, name in enumerate(data.left_out):
            sentence += [", "] * (index > 0) + [code(name)]
        sentence.append(".")
    return Paragraph(tuple(sentence)), Table(("series", *names), tuple(rows), frozenset(best_cells))


def problem_sections(problem: str, cells: pd.DataFrame, figures: list[Path], root: Path) -> list[Section]:
    """Return one problem's sections: its summary table, the same by instance family (when it
    has more than one), its performance-profile tables and its figures."""
    from qseg.reports import figures as plots

    summary = summary_table(cells)
    if summary.empty:
        return []
    scored = cells[cells["status"].isin(SCORED)]
    order = {family: rank for rank, family in enumerate(FAMILIES)}
    present = scored[FAMILY].dropna().unique() if FAMILY in scored else []
    families = sorted(present, key=lambda family: (order.get(family, len(order)), family))
    blocks: list[Paragraph | Table] = [summary_rows(summary)]
    if len(families) == 1:
        blocks.append(Paragraph(("Every instance is of the ", code(families[0]), " family.")))
    sections = [Section(problem, 2, tuple(blocks))]
    if len(families) > 1:
        family_blocks: list[Paragraph | Table] = []
        for family in families:
            part = summary_table(cells[cells[FAMILY] == family])
            count = profiles.instance_keys(scored[scored[FAMILY] == family]).nunique()
            family_blocks += [Paragraph((bold(family), f" ({count} instance{'s' if count != 1 else ''}):")),
                              summary_rows(part)]
        sections.append(Section(f"{problem} by instance family", 3, tuple(family_blocks)))
    profile_blocks: list[Paragraph | Table] = []
    for kind in ("time", "quality"):
        found = profile_table(cells[~cells["status"].isin(profiles.NOT_RUN)], kind)
        if found is not None:
            profile_blocks += list(found)
    if profile_blocks:
        sections.append(Section(f"{problem} performance profiles", 3, tuple(profile_blocks)))
    if figures:
        sections.append(Section(f"{problem} figures", 3, tuple(
            Figure(path.relative_to(root), f"{problem}: {plots.CAPTIONS.get(path.stem, path.stem)}") for path in figures)))
    return sections


def unscored_section(cells: pd.DataFrame) -> list[Section]:
    """Return the list of cells without a score (skipped, timed out, errored), or nothing."""
    unusual = cells[~cells["status"].isin(SCORED)]
    if unusual.empty:
        return []
    rows = [(str(row.problem), str(row.backend), str(row.formulation), str(row.instance), str(row.status),
             str(row.message or "")[:160]) for row in unusual.itertuples(index=False)]
    return [Section("Cells without a score", 2, (_table(("problem", "backend", "formulation", "instance", "status",
                                                          "message"), rows),))]


def machine_section(run: RunInfo) -> Section:
    """Return the versions and machine of the run (from ``run.json``)."""
    facts: list[tuple[str, object]] = [
        ("git revision", run["git_revision"]), ("started (UTC)", run["utc"]), ("python", run["python"]),
        ("platform", run["platform"]), ("machine", run["machine"]), ("cores", run["cpu_count"]),
        ("executor", run["executor"]), ("workers", run["workers"]), ("solver threads", run["solver_threads"]),
        ("settings", json.dumps(run["settings"]))]
    rows = [(str(name), info["package"] or "", info["version"] or "", "yes" if info["available"] else "no",
             info["reason"] or "–") for name, info in sorted(run["backends"].items())]
    blocks: list[Paragraph | Table | Code] = [_table(("fact", "value"), [(k, "–" if v is None else str(v)) for k, v in facts])]
    if rows:
        blocks.append(_table(("backend", "package", "version", "available", "reason"), rows))
    blocks.append(Code(json.dumps(run["packages"], indent=2), "json"))
    return Section("Versions and machine", 2, tuple(blocks))


def report_sections(run: RunInfo, cells: pd.DataFrame, figures: dict[str, list[Path]], root: Path) -> list[Section]:
    """Return every section of the report of a store (its ``run.json``, cells and figures)."""
    suite = run["suite"]
    intro: list[Block] = [Paragraph((
        "Suite ", code(suite["path"]), f" (sha256 {str(suite['sha256'])[:12]}), {run['cells']} cells; git "
        f"{run['git_revision']}, started {run['utc']} on {run['platform']} ({run['cpu_count']} cores), "
        f"{run['workers']} workers."))]
    sections = [Section(f"{suite['name']}: benchmark report", 1, tuple(intro))]
    if len(cells):
        counts = cells["status"].value_counts().to_dict()
        intro += [Paragraph("Cells by status: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))),
                  Paragraph("Gap: relative to the exact or published optimum (0 = optimal; best feasible read). The "
                            "median gap counts every infeasible, timed-out or errored cell as a failure (gap ∞): "
                            "\"not reached\" when no cell was feasible, \"> x\" when the median is a failure though some "
                            "cells (worst gap x) were feasible; the gap of the feasible cells alone is shown with its "
                            f"count. Intervals: bootstrap 95 % over instances, only from {MIN_INTERVAL_INSTANCES} "
                            "instances on. Bold: the best among the series run on the same instances (wall time: among "
                            f"those whose median gap is within {profiles.TARGET_GAP:.0%}). Rows are ranked by the "
                            "median gap. In every figure a backend keeps one colour and marker, and a formulation one "
                            "line style (dashed, dotted) or hatch. docs/reports.md explains each statistic.")]
        sections = [Section(sections[0].title, 1, tuple(intro))]
        for problem, group in cells.groupby("problem", sort=True):
            sections += problem_sections(str(problem), group, figures.get(str(problem), []), root)
        sections += unscored_section(cells)
        sections += quantum_sections(cells)
        sections += solver_facts_section(cells)
    sections.append(machine_section(run))
    return sections


def write_report(root: Path | str, *, html: bool = False) -> Path:
    """Write ``report.md``, ``cells.csv`` and the figures (``plots/PROBLEM/*.png``) into the
    store folder, and ``report.html`` (self-contained) when ``html``; return report.md's path.

    Each file is written under a temporary name, then renamed. Raises BadInputError (naming the
    path) when the folder is not a store or a file cannot be written there, before any figure
    is drawn when that can be seen in advance.
    """
    from qseg.reports import figures as plots

    root = Path(root)
    run = read_run(root)
    _check_writable(root)
    cells = load_frame(root)
    _write_text(root / "cells.csv", spreadsheet_safe(cells).to_csv(index=False))
    figures = plots.write_plots(cells, root / "plots") if len(cells) else {}
    sections = report_sections(run, cells, figures, root)
    path = root / "report.md"
    _write_text(path, markdown(sections))
    if html:
        _write_text(root / "report.html", page(sections[0].title, sections, lambda figure: (root / figure).read_bytes()))
    return path


def _check_writable(root: Path) -> None:
    """Raise BadInputError when the report's files cannot be written into ``root``."""
    check_output_dir("out", root)
    for name in REPORT_FILES:
        if (root / name).is_dir():
            raise BadInputError("out", str(root / name), "is a folder, not a file")
    plots = root / "plots"
    check_no_broken_link("out", plots)
    if plots.exists() and not plots.is_dir():
        raise BadInputError("out", str(plots), "is a file, not a folder")
    # The figures are written only inside the store: a plots/ (or plots/PROBLEM) symlink leading
    # out of it would have the report write over whatever it points at.
    store = root.absolute().resolve()
    for folder in [plots, *(sorted(plots.iterdir()) if plots.is_dir() else [])]:
        if folder.is_symlink() and not folder.resolve().is_relative_to(store):
            raise BadInputError("out", str(folder), f"is a symlink out of the store (to {folder.resolve()}); "
                                                    "remove it or make it a folder")


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed into place (never a torn
    report); an OSError (a full disk) names ``path`` and leaves no temporary file."""
    with replacing(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
