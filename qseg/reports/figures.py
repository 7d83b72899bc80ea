"""Figures from a store's cells, one file per problem and figure: ``plots/PROBLEM/NAME.png``
(matplotlib, Agg; nothing is re-run here).

Every series is one solver (with its grid values when swept) on one formulation. Its colour and
marker come from its backend and its line style, hatch and marker fill from its formulation
(``qseg.style``), the same in every figure of a report. Figures are 800 px wide with the
legend below the axes, laid out by hand: matplotlib's layout engines cost twice the drawing.
"""

from __future__ import annotations

import functools
import math
import multiprocessing
import os
import re
import sys
import textwrap
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qseg import metrics
from qseg import style as plot_style
from qseg.files import replacing
from qseg.reports import performance_profiles as profiles
from qseg.reports.frame import BACKEND, FAMILY

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

TARGET_GAP = profiles.TARGET_GAP
SCORED = profiles.SCORED
# Every figure a problem can have, in the order a report shows them.
FIGURES = ("feasibility", "gap_vs_time", "time_to_target", "profile_time", "profile_quality", "time_vs_size",
           "tts99", "embedding_scaling", "sweep")
CAPTIONS = {
    "feasibility": "share of cells whose best read is feasible, and the feasible share of every cell's reads",
    "gap_vs_time": "gap to the reference against wall time, one point per cell (optimal cells spread under 0, counted)",
    "time_to_target": f"time to target: share of cells within {TARGET_GAP:.0%} of the reference by each time budget",
    "profile_time": f"performance profile: share of instances on which a series reaches a gap ≤ {TARGET_GAP:.0%} "
                    "within a factor of the fastest",
    "profile_quality": "performance profile: share of instances on which each series' answer is within a margin of the best",
    "time_vs_size": "median wall time against the model's variables, one panel per instance family",
    "tts99": "TTS99 where it was reached",
    "embedding_scaling": "physical qubits per variable on the QPU graph",
    "sweep": "median gap and feasible rate against each swept parameter",
}
# The pooled figures of the layout before one folder per problem; removed when a report runs.
OLD_FIGURES = ("gap_vs_time", "feasibility", "time_vs_size", "tts99", "time_to_target", "embedding_scaling")
WIDTH_IN, DPI = 8.0, 100  # 800 px: the README's width
# The band under 0 (in % gap) where gap_vs_time spreads the optimal cells; symlog is linear there.
OPTIMAL_BAND = (0.02, 0.08)
DODGE = 0.006  # vertical shift between the curves of a profile: 2 px at the axes' height
CHAR_IN = 0.068  # width of one legend or tick character at 8 pt, inches
NOTE_CHARACTERS = 150  # characters per line of a note at 7 pt across the 8-inch figure
RC = {"font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8, "xtick.labelsize": 8,
      "ytick.labelsize": 8, "axes.grid": True, "grid.alpha": 0.3, "axes.axisbelow": True, **plot_style.LITERAL_TEXT}


@dataclass(frozen=True)
class SeriesStyle:
    """How one series is drawn: its backend's colour and marker, its formulation's line style,
    hatch and marker fill."""

    colour: str
    marker: str
    linestyle: str | tuple[int, tuple[int, ...]]
    hatch: str
    fillstyle: str

    def line(self) -> dict[str, Any]:
        """Return keyword arguments for ``Axes.plot`` / ``Axes.step`` drawing this series."""
        return {"color": self.colour, "marker": self.marker, "linestyle": self.linestyle, "fillstyle": self.fillstyle,
                "markeredgecolor": self.colour, "markersize": 5}


@dataclass(frozen=True)
class ProblemCells:
    """One problem's cells as every figure writer reads them."""

    problem: str
    attempted: pd.DataFrame  # every cell that ran (not skipped), with its ``label``
    scored: pd.DataFrame  # the cells with an answer to score (ok, infeasible)
    styles: Mapping[str, SeriesStyle]
    folder: Path


@functools.cache
def _pyplot() -> ModuleType:
    """Return matplotlib's pyplot on the file-only Agg backend (no display is ever needed);
    cached, since ``matplotlib.use`` costs tens of milliseconds even when nothing changes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _natural(text: str) -> list[Any]:
    """Return a sort key that orders ``n=10`` after ``n=9``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def series_styles(frame: pd.DataFrame) -> dict[str, SeriesStyle]:
    """Return the style of every series among ``frame``'s cells (with ``label``, ``solver``,
    ``sweep``, ``formulation``): grid values of one solver and formulation are told apart by
    lighter shades of the backend's colour, in natural order of the values."""
    rows = frame[["label", BACKEND, "sweep", "formulation"]].drop_duplicates("label")
    styles = {}
    for (solver, formulation), group in rows.groupby([BACKEND, "formulation"]):
        backend = plot_style.backend_style(str(solver))
        shape = plot_style.formulation_style(str(formulation))
        for step, row in enumerate(sorted(group.itertuples(index=False), key=lambda r: _natural(str(r.sweep)))):
            styles[str(row.label)] = SeriesStyle(plot_style.shade(backend.colour, step), backend.marker,
                                                 shape.linestyle, shape.hatch, shape.fillstyle)
    return styles


def write_plots(cells: pd.DataFrame, folder: Path, workers: int | None = None) -> dict[str, list[Path]]:
    """Write every figure of every problem among ``cells`` into ``folder/PROBLEM/``; return, per
    problem (sorted), the files written in ``FIGURES`` order. Figures of these names that this
    run did not write (and the pooled files of the old layout) are removed, so the folder never
    shows a stale picture.

    Figures are drawn by up to ``workers`` forked processes (default: up to 2, the cores there
    are; 1 draws in this process); drawing text is most of a report's time.
    """
    folder.mkdir(parents=True, exist_ok=True)
    attempted = cells[~cells["status"].isin(profiles.NOT_RUN)].copy() if len(cells) else cells
    written: dict[str, list[Path]] = {}
    if len(attempted):
        attempted["label"] = profiles.series_labels(attempted)
        styles = series_styles(attempted)
        _PROBLEMS.clear()
        for problem, group in attempted.groupby("problem", sort=True):
            target = folder / _safe(str(problem))
            target.mkdir(exist_ok=True)
            _PROBLEMS[str(problem)] = ProblemCells(str(problem), group, group[group["status"].isin(SCORED)], styles, target)
        tasks = [(problem, name) for problem in _PROBLEMS for name in FIGURES]
        try:
            for (problem, _), path in zip(tasks, _run(tasks, workers)):
                if path is not None:
                    written.setdefault(problem, []).append(path)
        finally:
            _PROBLEMS.clear()
    _remove_stale(folder, {path for paths in written.values() for path in paths})
    return written


# The problems being drawn, read by forked workers from the copy of this module they inherit
# (so no frame is pickled); filled and emptied by ``write_plots``.
_PROBLEMS: dict[str, ProblemCells] = {}


def _draw(task: tuple[str, str]) -> Path | None:
    """Draw figure ``task[1]`` of problem ``task[0]``; return its file, None when it does not apply."""
    problem, name = task
    with _pyplot().rc_context(RC):
        return WRITERS[name](_PROBLEMS[problem])


def _run(tasks: list[tuple[str, str]], workers: int | None) -> list[Path | None]:
    """Return ``_draw`` of every task, in order, in ``workers`` forked processes when more than one
    (fork only: a spawned worker would re-import everything and have no ``_PROBLEMS``)."""
    count = min(2, os.cpu_count() or 1) if workers is None else workers
    if count < 2 or len(tasks) < 2 or "fork" not in multiprocessing.get_all_start_methods() or sys.platform != "linux":
        return [_draw(task) for task in tasks]
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
    try:
        return list(pool.map(_draw, tasks))
    except BaseException:
        # Ctrl-C, SIGTERM or a failing figure: end the workers now, not after the queued figures
        # (they would go on writing into the store after the command has gone).
        for process in list((pool._processes or {}).values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _safe(name: str) -> str:
    """Return ``name`` usable as a folder name (letters, digits, ``-``, ``_``, ``.``)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "_"


def _remove_stale(folder: Path, written: set[Path]) -> None:
    """Delete the report's own figure files in ``folder`` that this run did not write."""
    old = [folder / f"{name}.png" for name in OLD_FIGURES] + sorted(folder.glob("sweep_*.png"))
    current = [path for name in FIGURES for path in folder.glob(f"*/{name}.png")]
    for path in old + current:
        if path not in written and path.is_file():
            path.unlink()


def _columns(entries: Sequence[str]) -> int:
    """Return how many legend columns fit the figure's width for ``entries``."""
    longest = max((len(entry) for entry in entries), default=1)
    return max(1, min(3, int((WIDTH_IN - 0.4) // (CHAR_IN * longest + 0.7))))


def _canvas(entries: Sequence[str], plot_height: float = 3.4, left: float = 0.8,
            note: str = "") -> tuple[Figure, Axes]:
    """Return a figure 800 px wide with one axes, room above for the title, below for the x
    label, a legend of ``entries`` (none when empty) and a ``note`` under it (wrapped to the
    width, never cut), and ``left`` inches for the y labels."""
    plt = _pyplot()
    rows = math.ceil(len(entries) / _columns(entries)) if entries else 0
    legend = 0.15 + 0.19 * rows if rows else 0.0
    note = textwrap.fill(note, NOTE_CHARACTERS) if note else ""
    below = 0.1 + 0.12 * (note.count("\n") + 1) if note else 0.0
    top, bottom = 0.35, 0.5
    height = top + plot_height + bottom + legend + below
    fig = plt.figure(figsize=(WIDTH_IN, height))
    ax = fig.add_axes((left / WIDTH_IN, (bottom + legend + below) / height, (WIDTH_IN - left - 0.25) / WIDTH_IN,
                       plot_height / height))
    if note:
        fig.text(0.5, 0.08 / height, note, ha="center", va="bottom", fontsize=7, color="#444444")
    return fig, ax


def _legend_below(fig: Figure, ax: Axes) -> None:
    """Put ``ax``'s legend under its x label, across the figure's width, outside the data (and
    above a note the canvas reserved room for)."""
    handles, names = ax.get_legend_handles_labels()
    if handles:
        note = any(text.get_text() for text in fig.texts)
        lines = sum(text.get_text().count("\n") + 1 for text in fig.texts)
        above = 0.18 + 0.12 * lines if note else 0.05
        fig.legend(handles, names, loc="lower center", bbox_to_anchor=(0.5, above / fig.get_figheight()),
                   ncol=_columns(names), frameon=False, handlelength=3)


def _save(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as PNG under a temporary name, then rename it to ``path``; return ``path``.
    The temporary name is unique per process and call (``files.replacing``): reports drawn at
    once into one store never write one temporary file."""
    try:
        with replacing(path) as temporary:
            # zlib level 1: some 20 ms less per figure than the default level 6, files 6 % larger
            fig.savefig(temporary, dpi=DPI, pil_kwargs={"compress_level": 1})
    finally:
        _pyplot().close(fig)
    return path


def _tick(value: float, _position: object = None) -> str:
    """Return a tick label as plain text (``0.01``, ``1e+03``): matplotlib's default ``10^k``
    labels go through mathtext, which costs more than drawing the rest of the figure."""
    return f"{value:g}"


def _plain_ticks(ax: Axes) -> None:
    """Label ``ax``'s log or symlog axes with plain text at the major ticks, without minor ticks
    (a quarter of a log figure's drawing time goes to them)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    for axis, scale, limits in ((ax.xaxis, ax.get_xscale(), ax.get_xlim()), (ax.yaxis, ax.get_yscale(), ax.get_ylim())):
        if scale in ("log", "symlog"):
            axis.set_major_formatter(FuncFormatter(_tick))
            axis.set_minor_locator(NullLocator())
        base = getattr(axis.get_transform(), "base", 10)
        if scale == "log" and base == 10 and min(limits) > 0 and math.log10(max(limits) / min(limits)) < 3.5:
            # Over fewer than four decades a tick per decade is too few to read a value off.
            axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))


def _steps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return an ECDF's points with each repeated x reduced to its last (highest) y, so a
    marker sits once on every step, never stacked on a tie."""
    last = np.r_[x[1:] != x[:-1], True] if x.size else np.zeros(0, dtype=bool)
    return x[last], y[last]


def _marks(steps: int, most: int = 8) -> list[int]:
    """Return which points of a step curve (its first point is the start at 0) carry a marker:
    up to ``most`` steps, spread evenly, so a series is known by its marker without a marker
    on every one of its steps."""
    if steps == 0:
        return []
    return sorted({int(round(i)) for i in np.linspace(1, steps, min(steps, most))})


def _ordered(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """Return ``frame``'s series in natural label order, so legends list them alike everywhere."""
    return sorted(((str(label), group) for label, group in frame.groupby("label")), key=lambda item: _natural(item[0]))


def feasibility(data: ProblemCells) -> Path | None:
    """Two panels with the series on one axis: left, bars of the share of cells whose best read
    is feasible; right, each cell's feasible share of all its reads (one point per cell, spread
    vertically, the median a black tick). The best read hides what tells formulations apart: a
    QUBO whose every second read breaks a constraint still has a feasible best read."""
    if data.scored.empty:
        return None
    rate = data.scored.groupby("label")["feasible"].apply(lambda f: f.fillna(False).astype(bool).mean()).sort_values()
    counts = data.scored.groupby("label").size()
    names = [str(label) for label in rate.index]
    left = CHAR_IN * max(map(len, names)) + 0.3
    plot_height = 0.26 * len(rate) + 0.3
    height = 0.6 + plot_height + 0.5
    fig = _pyplot().figure(figsize=(WIDTH_IN, height))
    width = (WIDTH_IN - left - 0.5) / 2
    bottom = 0.5 / height
    ax = fig.add_axes((left / WIDTH_IN, bottom, width / WIDTH_IN, plot_height / height))
    reads = fig.add_axes(((left + width + 0.25) / WIDTH_IN, bottom, width / WIDTH_IN, plot_height / height), sharey=ax)
    bars = ax.barh(names, rate.to_numpy() * 100, color=[data.styles[n].colour for n in names], edgecolor="#333333",
                   linewidth=0.5)
    for bar, name in zip(bars, names):
        bar.set_hatch(data.styles[name].hatch)
        ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, f"{bar.get_width():.0f} % of {counts[name]}",
                va="center", fontsize=7)
    ax.set_xlim(0, 140)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("cells whose best read is feasible (%)")
    ax.set_title("best read", fontsize=9)
    fraction = pd.to_numeric(data.scored.get("feasible_fraction"), errors="coerce") if "feasible_fraction" in data.scored \
        else pd.Series(np.nan, index=data.scored.index)
    rng = np.random.default_rng(0)
    for position, name in enumerate(names):
        values = fraction[data.scored["label"] == name].dropna().to_numpy() * 100
        if values.size == 0:
            reads.text(2, position, "not recorded", va="center", fontsize=7, color="#666666")
            continue
        style = data.styles[name]
        jitter = rng.uniform(-0.28, 0.28, values.size) if values.size > 1 else np.zeros(1)
        reads.plot(values, position + jitter, linestyle="none", marker=style.marker, color=style.colour,
                   fillstyle=style.fillstyle, markeredgecolor=style.colour, markersize=4, alpha=0.75)
        reads.plot([np.median(values)] * 2, [position - 0.38, position + 0.38], color="black", linewidth=1.4)
    reads.set_xlim(-3, 103)
    reads.set_xticks(range(0, 101, 20))
    reads.set_xlabel("feasible share of each cell's reads (%)")
    reads.set_title("every read (one point per cell, black: median)", fontsize=9)
    reads.tick_params(labelleft=False)
    fig.suptitle(f"{data.problem}: feasibility", fontsize=10, y=1 - 0.08 / height)
    _plain_ticks(ax)
    return _save(fig, data.folder / "feasibility.png")


def gap_vs_time(data: ProblemCells) -> Path | None:
    """Scatter of each cell's gap against its wall time (log x, symmetric-log y)."""
    cells = data.scored[data.scored["gap"].notna() & (data.scored["wall_s"] > 0)]
    if cells.empty:
        return None
    series = _ordered(cells)
    optimal = int((cells["gap"] <= 0).sum())
    note = (f"{optimal} of {len(cells)} cells are optimal (gap 0): drawn spread out in the shaded band under 0, so "
            "that each shows and none is read as a small gap (the legend counts each series' optimal cells)") if optimal else ""
    labels = {name: f"{name} ({int((group['gap'] <= 0).sum())} optimal)" for name, group in series}
    fig, ax = _canvas(list(labels.values()), note=note)
    rng = np.random.default_rng(0)
    for name, group in series:
        gaps = group["gap"].to_numpy(dtype=float) * 100
        zero = gaps <= 0
        gaps = np.where(zero, rng.uniform(-OPTIMAL_BAND[1], -OPTIMAL_BAND[0], gaps.size), gaps)
        ax.plot(group["wall_s"], gaps, label=labels[name], alpha=0.8, **{**data.styles[name].line(), "linestyle": "none"})
    ax.set_xscale("log")
    ax.set_yscale("symlog", linthresh=0.1)
    # Room under 0 (not a decade of negatives) and above the worst point, in symlog's terms.
    ax.set_ylim(min(-OPTIMAL_BAND[1] * 1.3, float(cells["gap"].min()) * 120), max(1.0, float(cells["gap"].max()) * 100) * 2)
    if optimal:
        ax.axhspan(-OPTIMAL_BAND[1] * 1.1, -OPTIMAL_BAND[0] * 0.5, color="#2a7a2a", alpha=0.1, linewidth=0)
        ax.text(0.005, -sum(OPTIMAL_BAND) / 2, "optimal", transform=ax.get_yaxis_transform(), fontsize=7,
                color="#2a7a2a", va="center")
    ax.set_xlabel("wall time per cell (s, log)")
    ax.set_ylabel("gap to reference (%, log above 0.1)")
    ax.set_title(f"{data.problem}: solution quality against time")
    _legend_below(fig, ax)
    _plain_ticks(ax)
    return _save(fig, data.folder / "gap_vs_time.png")


def time_to_target(data: ProblemCells, target: float = TARGET_GAP) -> Path | None:
    """Empirical distribution of the time to a gap <= ``target``: per series, the fraction of its
    cells (failures and misses included) that reached it within each time budget."""
    cells = data.attempted
    if "reference" not in cells or cells["reference"].isna().all():
        return None
    cost = profiles.cell_costs(cells, "time", target)
    cells = cells.assign(cost=cost)[cost.notna()]
    series = _ordered(cells)
    entries = []
    single = {name: profiles.instance_keys(group).nunique() == 1 for name, group in series}
    fig, ax = _canvas([f"{name} (00 of 00)" + ", one instance" * single[name] for name, _ in series])
    for name, group in series:
        x, y = metrics.ecdf(group["cost"].to_numpy())
        label = f"{name} ({x.size} of {len(group)})"
        x, y = _steps(x, y)
        entries.append(label)
        if x.size == 0:
            ax.plot([], [], label=label, **data.styles[name].line())
            continue
        if single[name]:
            # One instance is no distribution: its cells are points, not a staircase to 1.
            ax.plot(x, y, label=label + ", one instance", **{**data.styles[name].line(), "linestyle": "none",
                                                              "markersize": 7})
            continue
        ax.step(np.concatenate([[x[0]], x]), np.concatenate([[0.0], y]), where="post", label=label,
                markevery=_marks(x.size), **data.styles[name].line())
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("time budget (s, log)")
    ax.set_ylabel(f"cells within {target:.0%} of the reference")
    ax.set_title(f"{data.problem}: time to target (ECDF over cells, gap ≤ {target:.0%})")
    _legend_below(fig, ax)
    _plain_ticks(ax)
    return _save(fig, data.folder / "time_to_target.png")


def _profile(data: ProblemCells, kind: profiles.Kind) -> Path | None:
    """Dolan & Moré performance profile of ``kind`` over the problem's instances."""
    profile = profiles.profile_data(data.attempted, data.attempted["label"], kind)
    if profile is None:
        return None
    names = sorted(map(str, profile.ratios.columns), key=_natural)
    note = "left out (run on too few of the instances): " + ", ".join(profile.left_out) if profile.left_out else ""
    fig, ax = _canvas(names, note=note)
    finite = profile.ratios.to_numpy()[np.isfinite(profile.ratios.to_numpy())]
    if kind == "time":
        right = max(2.0, float(finite.max()) * 1.5) if finite.size else 2.0
        scale: Callable[[np.ndarray], np.ndarray] = lambda tau: tau  # noqa: E731
    else:
        right = max(1.0, (float(finite.max()) - 1) * 100 * 1.5) if finite.size else 1.0
        scale = lambda tau: (tau - 1) * 100  # noqa: E731
    left = scale(np.array([1.0]))[0]
    for order, name in enumerate(names):
        x, y = _steps(*metrics.ecdf(profile.ratios[name].to_numpy()))
        xs = np.concatenate([[left], scale(x), [right]]) if x.size else np.array([left, right])
        ys = np.concatenate([[0.0], y, [y[-1]]]) if x.size else np.zeros(2)
        # Ties are the rule here (every exact solver is at 1 from the start): each series is
        # shifted by DODGE x its place, so tied curves run side by side instead of hiding.
        shift = DODGE * (order - (len(names) - 1) / 2)
        ax.step(xs, ys + shift, where="post", label=name, markevery=_marks(x.size), linewidth=1.6,
                **data.styles[name].line())
    ax.set_ylim(-0.03 - DODGE * len(names) / 2, 1.03 + DODGE * len(names) / 2)
    ax.set_ylabel(f"share of instances (ties offset ≤ ±{DODGE * (len(names) - 1) / 2:.2f})")
    count = f"{len(profile.ratios)} instances"
    if kind == "time":
        ax.set_xscale("log", base=2)
        ax.set_xlim(1, right)
        ax.set_xlabel(f"at most this many times slower than the fastest series to reach a gap ≤ {TARGET_GAP:.0%} (log 2)")
        ax.set_title(f"{data.problem}: performance profile, time ({count})")
    else:
        ax.set_xscale("symlog", linthresh=0.01)
        ax.set_xlim(0, right)
        ax.set_xlabel("answer at most this much worse than the best series' answer on the instance (%, 1 + gap)")
        ax.set_title(f"{data.problem}: performance profile, solution quality ({count})")
    _legend_below(fig, ax)
    _plain_ticks(ax)
    return _save(fig, data.folder / f"profile_{kind}.png")


def profile_time(data: ProblemCells) -> Path | None:
    """Performance profile on the time to a gap <= 1 % (failures count as never)."""
    return _profile(data, "time")


def profile_quality(data: ProblemCells) -> Path | None:
    """Performance profile on 1 + gap (infeasible or failed cells count as never)."""
    return _profile(data, "quality")


CANDIDATES = "details.candidates"


def candidate_route(cells: pd.DataFrame) -> pd.Series:
    """Return, per cell, whether its model was built over fewer candidate sites than customers
    (``details.candidates`` below ``size``): a smaller model of another regime, never on one line
    with the full models."""
    if CANDIDATES not in cells:
        return pd.Series(False, index=cells.index)
    candidates = pd.to_numeric(cells[CANDIDATES], errors="coerce")
    return (candidates < pd.to_numeric(cells["size"], errors="coerce")).fillna(False).astype(bool)


def time_vs_size(data: ProblemCells) -> Path | None:
    """Median wall time against the model's variables (log-log), one panel per instance family
    and one line per series and regime: cells whose model is built over fewer candidates than
    customers are drawn as separate, ringed points, so no line joins two regimes or families."""
    cells = data.scored[(data.scored["wall_s"] > 0) & (data.scored["num_variables"] > 0)]
    if cells.empty:
        return None
    cells = cells.assign(candidate=candidate_route(cells), panel=cells[FAMILY] if FAMILY in cells else "all")
    # A panel shows scaling only where some series ran at two model sizes or more.
    panels = [(str(family), group) for family, group in cells.groupby("panel", sort=True)
              if (group.groupby("label")["num_variables"].nunique() >= 2).any()]
    if not panels:
        return None
    plt = _pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.ticker import LogLocator

    names = [name for name, _ in _ordered(cells[cells["panel"].isin([family for family, _ in panels])])]
    ringed = bool(cells["candidate"].any())
    rows = math.ceil(len(names) / _columns(names))
    legend = 0.15 + 0.19 * rows
    below = 0.25 if ringed else 0.0
    top = 0.6
    height = top + 3.2 + 0.5 + legend + below
    fig, axes = plt.subplots(1, len(panels), figsize=(WIDTH_IN, height), sharey=True, squeeze=False)
    fig.subplots_adjust(left=0.8 / WIDTH_IN, right=1 - 0.2 / WIDTH_IN, top=1 - top / height,
                        bottom=(0.5 + legend + below) / height, wspace=0.08)
    for ax, (family, group) in zip(axes[0], panels):
        for name, series in _ordered(group):
            style = data.styles[name]
            for candidate, regime in series.groupby("candidate"):
                medians = regime.groupby("num_variables")["wall_s"].median()
                if candidate:
                    ax.plot(medians.index, medians.to_numpy(), **{**style.line(), "linestyle": "none"})
                    ax.plot(medians.index, medians.to_numpy(), linestyle="none", marker="o", markersize=12,
                            fillstyle="none", color="#222222", markeredgewidth=0.8)
                else:
                    ax.plot(medians.index, medians.to_numpy(), **style.line())
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{family} instances", fontsize=9)
        ax.set_xlabel("variables in the model (log)")
        _plain_ticks(ax)
        # Panels are narrow: one tick per decade, or the labels run into each other.
        ax.xaxis.set_major_locator(LogLocator(base=10))
    axes[0][0].set_ylabel("median wall time (s, log)")
    handles = [Line2D([], [], **data.styles[name].line()) for name in names]
    fig.legend(handles, names, loc="lower center", bbox_to_anchor=(0.5, (0.05 + below) / height),
               ncol=_columns(names), frameon=False, handlelength=3)
    if ringed:
        fig.text(0.5, 0.08 / height, "Ringed points: a model built over fewer candidate sites than customers (another "
                 "regime: never joined to the others by a line).", ha="center", va="bottom", fontsize=7, color="#444444")
    fig.suptitle(f"{data.problem}: scaling with the model's size, per instance family", fontsize=10,
                 y=1 - 0.1 / height)
    return _save(fig, data.folder / "time_vs_size.png")


def tts99(data: ProblemCells) -> Path | None:
    """Box plot of time-to-solution (99 %) per series, over the cells where it was reached."""
    cells = data.scored[data.scored["tts99_s"].notna() & (data.scored["tts99_s"] > 0)]
    if cells.empty:
        return None
    totals = data.scored.groupby("label").size()
    groups = sorted(_ordered(cells), key=lambda item: item[1]["tts99_s"].median())
    names = [f"{name} ({len(group)} of {totals[name]})" for name, group in groups]
    fig, ax = _canvas([], plot_height=0.3 * len(groups) + 0.3, left=CHAR_IN * max(map(len, names)) + 0.3)
    boxes = ax.boxplot([group["tts99_s"].to_numpy() for _, group in groups], orientation="horizontal",
                       tick_labels=names, patch_artist=True, widths=0.6, medianprops={"color": "black"})
    for box, (name, _) in zip(boxes["boxes"], groups):
        box.set(facecolor=data.styles[name].colour, hatch=data.styles[name].hatch, alpha=0.85, edgecolor="#333333")
    ax.set_xscale("log")
    ax.set_xlabel("TTS99 (s, log): time to reach the reference with 99 % confidence")
    ax.set_title(f"{data.problem}: time to solution (cells where it was reached)")
    _plain_ticks(ax)
    return _save(fig, data.folder / "tts99.png")


def embedding_scaling(data: ProblemCells) -> Path | None:
    """Physical qubits per logical variable against model size, for embedded (QPU-like) cells."""
    if "physical_qubits" not in data.scored:
        return None
    cells = data.scored[data.scored["physical_qubits"].notna() & (data.scored["num_variables"] > 0)]
    if cells.empty:
        return None
    cells = cells.assign(ratio=cells["physical_qubits"] / cells["num_variables"])
    series = _ordered(cells)
    fig, ax = _canvas([name for name, _ in series])
    for name, group in series:
        mean = group.groupby("num_variables")["ratio"].mean()
        ax.plot(mean.index, mean.to_numpy(), label=name, **data.styles[name].line())
    ax.set_ylim(0, float(cells["ratio"].max()) * 1.25)  # the ratio is >= 1: show it against 0, not magnified
    if cells["num_variables"].nunique() == 1:
        ax.set_xlim(0, float(cells["num_variables"].iloc[0]) * 2)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # a count of variables has no 8.5
    ax.set_xlabel("logical variables")
    ax.set_ylabel("physical qubits per variable")
    ax.set_title(f"{data.problem}: embedding size on the QPU graph")
    _legend_below(fig, ax)
    _plain_ticks(ax)
    return _save(fig, data.folder / "embedding_scaling.png")


def swept_keys(cells: pd.DataFrame) -> list[str]:
    """Return the grid keys that take more than one value among ``cells``' sweeps, sorted."""
    if "spec.sweep" not in cells:
        return []
    values: dict[str, set[str]] = {}
    for sweep in cells["spec.sweep"]:
        for key, value in (sweep if isinstance(sweep, dict) else {}).items():
            values.setdefault(key, set()).add(repr(value))
    return sorted(key for key, seen in values.items() if len(seen) > 1)


def sweep(data: ProblemCells) -> Path | None:
    """Median gap (top) and feasible rate (bottom) against each swept value, one line per
    solver / formulation (the other swept values in its label, in lighter shades)."""
    keys = swept_keys(data.scored)
    if not keys:
        return None
    plt = _pyplot()
    fig, axes = plt.subplots(2, len(keys), figsize=(max(WIDTH_IN, 5.0 * len(keys)), 6.5), squeeze=False, sharex="col")
    for column, key in enumerate(keys):
        cells = data.scored[data.scored["spec.sweep"].map(lambda s, k=key: isinstance(s, dict) and k in s)].copy()
        cells["value"] = cells["spec.sweep"].map(lambda s, k=key: s[k])
        others = cells["spec.sweep"].map(lambda s, k=key: " ".join(f"{o}={s[o]}" for o in sorted(s) if o != k))
        base = cells[BACKEND].astype(str) + " / " + cells["formulation"].astype(str)
        cells["series"] = base.where(others == "", base + " " + others)
        numeric = pd.api.types.is_numeric_dtype(cells["value"])
        order = sorted(cells["value"].unique()) if numeric else list(dict.fromkeys(cells["value"]))
        shades: dict[str, int] = {}
        for series, points in sorted(cells.groupby("series"), key=lambda item: _natural(str(item[0]))):
            first = points.iloc[0]
            backend = plot_style.backend_style(str(first[BACKEND]))
            shape = plot_style.formulation_style(str(first["formulation"]))
            step = shades.setdefault(str(base[points.index[0]]), 0)
            shades[str(base[points.index[0]])] = step + 1
            style = SeriesStyle(plot_style.shade(backend.colour, step), backend.marker, shape.linestyle, shape.hatch,
                                shape.fillstyle)
            stats = points.groupby("value").agg(gap=("gap", "median"), feasible=("feasible", "mean")).reindex(order)
            x = stats.index.to_numpy() if numeric else np.arange(len(order))
            axes[0][column].plot(x, stats["gap"].to_numpy(dtype=float) * 100, label=str(series), **style.line())
            axes[1][column].plot(x, stats["feasible"].to_numpy(dtype=float) * 100, label=str(series), **style.line())
        for row, ylabel in ((0, "median gap to reference (%)"), (1, "cells with a feasible answer (%)")):
            ax = axes[row][column]
            ax.set_ylabel(ylabel)
            if numeric and min(order) > 0 and max(order) / min(order) >= 100:
                ax.set_xscale("log")
            if not numeric:
                ax.set_xticks(np.arange(len(order)), [str(v) for v in order])
        axes[0][column].set_title(f"{data.problem}: quality against {key}")
        axes[1][column].set_xlabel(key)
        axes[1][column].set_ylim(-2, 102)
    handles, names = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=_columns(names), frameon=False, handlelength=3)
    fig.set_layout_engine("constrained")
    for ax in axes.flat:
        _plain_ticks(ax)
    return _save(fig, data.folder / "sweep.png")


WRITERS: dict[str, Callable[[ProblemCells], Path | None]] = {
    "feasibility": feasibility, "gap_vs_time": gap_vs_time, "time_to_target": time_to_target,
    "profile_time": profile_time, "profile_quality": profile_quality, "time_vs_size": time_vs_size, "tts99": tts99,
    "embedding_scaling": embedding_scaling, "sweep": sweep,
}
