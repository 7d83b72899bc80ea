"""``qseg compare RUN_A RUN_B``: what changed between two runs of a suite (nothing is re-run).

Cells are matched by what defines their result: the ``CellSpec`` key recomputed from each
record's stored spec, so run settings (``timeout_s``, ``eps``: not part of any key) never split
a match, and a record of an older layout is matched on its spec without those settings. A cell
present in one run only is listed, not compared; a matched cell whose status changed is listed,
and enters the statistics only when both runs scored it (``ok`` or ``infeasible``).

Per problem x backend x formulation (x grid values): the change B - A in median gap, feasible
rate and median wall time (and the time ratio B / A), each with a paired percentile-bootstrap
interval (``BOOTSTRAP_RESAMPLES`` resamples at ``CONFIDENCE_LEVEL``, seeded) over the instances
matched in both runs; repeats of one instance are first reduced to their median (mean for the
feasible rate), as in the report, so the interval is over instances, not correlated repeats.
A change is flagged when its interval excludes 0. Fewer than ``MIN_PAIRS`` instances give no
interval and no flag: with n pairs, pure noise moves every pair the same way with chance
2 x 2^-n (over 5 % for n <= 5), and such a resample distribution always excludes 0.

Stores of schema 2 and 3 compare with each other (cell keys and identities are the same in both;
``qseg.store.schema``). Two stores of other different ``schema_version``, of different suites (``definition_sha256``) or scored
with different settings (``eps``) are refused, naming what differs; ``force`` compares the cells
that match anyway and records what differed.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd
from scipy import stats

from qseg.errors import BadInputError
from qseg.record import Status
from qseg.reports import frame as columns
from qseg.reports.frame import cell_frame
from qseg.reports.statistics import MIN_INTERVAL_INSTANCES
from qseg.store import READABLE_SCHEMAS, RunInfo, StoredCell, read_cells, read_run
from qseg.store.spec import SCORING_SETTINGS

BOOTSTRAP_RESAMPLES = 2000
CONFIDENCE_LEVEL = 0.95
BOOTSTRAP_SEED = 0
MIN_PAIRS = MIN_INTERVAL_INSTANCES  # the report's rule too (qseg.reports.statistics)
SCORED = (Status.OK.value, Status.INFEASIBLE.value)
GROUP = [columns.PROBLEM, columns.BACKEND, columns.FORMULATION, columns.SWEEP]
# Keys of a suite file that say how to run it, not what it is (qseg.harness.suite.RUN_SETTING_KEYS;
# not imported, so that comparing two stores never loads the backend registry).
SUITE_RUN_KEYS = frozenset({"timeout_s", "eps", "max_cells", "description"})
LISTED = 12  # names shown per "only in one run" line of a refusal


class ChangeJSON(TypedDict):
    """One statistic in both runs and its change B - A with the bootstrap interval; None where
    there is no value (no scored pair; fewer than ``MIN_PAIRS`` pairs: no interval)."""

    a: float | None
    b: float | None
    change: float | None
    low: float | None
    high: float | None
    pairs: int
    flagged: bool


class TimeChangeJSON(ChangeJSON):
    """The median wall time's change, plus the ratio B / A and its interval (same resamples)."""

    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None


class CompareRow(TypedDict):
    """One problem x backend x formulation (x grid values) compared across the two runs."""

    problem: str
    backend: str
    formulation: str
    sweep: str
    instances: int
    cells: int
    gap: ChangeJSON
    feasible: ChangeJSON
    time: TimeChangeJSON


class StatusChangeJSON(TypedDict):
    """A matched cell whose status differs between the runs."""

    cell: str
    a: str
    b: str


class RunJSON(TypedDict):
    """What identifies one of the two runs."""

    path: str
    suite: str | None
    definition_sha256: str | None
    schema_version: int | None
    settings: dict[str, Any]
    git_revision: str | None
    utc: str | None
    cells: int
    load_average: list[float] | None  # 1/5/15-minute load when the run started (None: not recorded)
    load_average_finished: list[float] | None  # the same when its cells were done


class BootstrapJSON(TypedDict):
    """How the intervals were computed."""

    resamples: int
    level: float
    seed: int
    method: str


class CompareJSON(TypedDict):
    """``compare.json``: the two runs, what differs between them, and the comparison."""

    run_a: RunJSON
    run_b: RunJSON
    forced: bool
    differences: list[str]
    bootstrap: BootstrapJSON
    matched: int
    scored: int
    rows: list[CompareRow]
    status_changes: list[StatusChangeJSON]
    only_in_a: list[str]
    only_in_b: list[str]


@dataclass(frozen=True)
class Run:
    """One store opened read-only: its ``run.json`` and one row per cell (``identity``, ``unit``
    the instance, ``label``, the grouping columns, ``status``, ``gap``, ``feasible``, ``wall_s``)."""

    root: Path
    info: RunInfo
    cells: pd.DataFrame

    @property
    def definition(self) -> str | None:
        """Return the suite's identity: its definition hash (its text's hash in older stores)."""
        return self.info["suite"]["definition_sha256"] or self.info["suite"]["sha256"]

    def to_json(self) -> RunJSON:
        """Return what identifies the run, JSON-ready."""
        finished = self.info["finished"]
        return {"path": str(self.root), "suite": self.info["suite"]["name"], "definition_sha256": self.definition,
                "schema_version": self.info["schema_version"], "settings": dict(self.info["settings"]),
                "git_revision": self.info["git_revision"], "utc": self.info["utc"], "cells": len(self.cells),
                "load_average": self.info["load_average"],
                "load_average_finished": None if finished is None else finished["load_average"]}


def load_note(a: RunJSON, b: RunJSON) -> str | None:
    """Return a caution when the two runs ran on a differently loaded machine (the larger 5-minute
    load at start or finish differs by over half and by over 0.5): their time changes may come
    from the machine rather than the solvers. None when the loads are alike or unknown."""
    def peak(run: RunJSON) -> float | None:
        loads = [pair[1] for pair in (run["load_average"], run["load_average_finished"]) if pair is not None]
        return max(loads) if loads else None

    load_a, load_b = peak(a), peak(b)
    if load_a is None or load_b is None:
        return None
    low, high = sorted((load_a, load_b))
    if high - low <= 0.5 or high <= 1.5 * low:
        return None
    return (f"The machine was loaded differently (5-minute load up to {load_a:.1f} in A, {load_b:.1f} in B): "
            "time changes may come from the machine, not the solvers; gap and feasibility do not depend on it.")


def open_run(root: Path | str, field: str) -> Run:
    """Return the store at ``root`` read-only; raise BadInputError naming ``field`` and the path
    when it is missing, a file, not a store or has a damaged ``run.json``."""
    path = Path(root)
    if not path.exists():
        raise BadInputError(field, str(root), "no such directory")
    if not path.is_dir():
        raise BadInputError(field, str(root), "is a file, not a store folder")
    try:
        info = read_run(path)
    except BadInputError as exc:
        raise BadInputError(field, str(root), exc.reason) from None
    stored = list(read_cells(path))
    cells = cell_frame(stored)
    kept = [*GROUP, columns.STATUS, columns.GAP, columns.FEASIBLE, columns.WALL_S]
    if cells.empty:
        return Run(path, info, pd.DataFrame(columns=["identity", "unit", "label", "instance_label", *kept]))
    identities = [cell_identity(cell) for cell in stored]
    table = pd.DataFrame(identities, columns=["identity", "unit", "label", "instance_label"])
    for column in kept:
        table[column] = cells[column].to_numpy() if column in cells else None
    table["gap"] = pd.to_numeric(table["gap"], errors="coerce").astype(float)
    table["wall_s"] = pd.to_numeric(table["wall_s"], errors="coerce").astype(float)
    table["feasible"] = table["feasible"].map({True: 1.0, False: 0.0}).astype(float)
    # A resumed store could hold one cell twice: the later record is the one a report reads last.
    return Run(path, info, table.drop_duplicates("identity", keep="last").reset_index(drop=True))


def cell_identity(cell: StoredCell) -> tuple[str, str, str, str]:
    """Return what a stored cell is matched on: (identity, instance, cell label, instance label).

    The identity is the ``CellSpec`` key recomputed from the cell's spec; a spec of an older
    layout is hashed without the run settings it carried; a cell without a spec keeps its key
    (``StoredCell.identity``).
    """
    return cell.identity, cell.unit, cell.label, cell.instance_label


def compare_runs(run_a: Path | str, run_b: Path | str, *, force: bool = False,
                 bootstrap: Bootstrap | None = None) -> CompareJSON:
    """Return the comparison of the store ``run_b`` against ``run_a`` (changes are B - A).

    Raises BadInputError when either is not a readable store and, unless ``force``, when the
    two differ in schema, suite or scoring settings (the message says what differs).
    """
    bootstrap = bootstrap or Bootstrap()
    a, b = open_run(run_a, "run_a"), open_run(run_b, "run_b")
    matched = a.cells.merge(b.cells, on="identity", suffixes=("_a", "_b"))
    differences = run_differences(a, b, len(matched))
    if not force:
        refuse_mismatch(a, b, len(matched))
    changed = matched[matched["status_a"] != matched["status_b"]]
    return {
        "run_a": a.to_json(), "run_b": b.to_json(), "forced": force, "differences": differences,
        "bootstrap": bootstrap.to_json(),
        "matched": len(matched),
        "scored": int((matched["status_a"].isin(SCORED) & matched["status_b"].isin(SCORED)).sum()),
        "rows": compare_rows(matched, bootstrap),
        "status_changes": [{"cell": cell, "a": str(sa), "b": str(sb)}
                           for cell, sa, sb in zip(changed["label_a"], changed["status_a"], changed["status_b"])],
        "only_in_a": sorted(a.cells.loc[~a.cells["identity"].isin(b.cells["identity"]), "label"]),
        "only_in_b": sorted(b.cells.loc[~b.cells["identity"].isin(a.cells["identity"]), "label"]),
    }


def refuse_mismatch(a: Run, b: Run, matched: int) -> None:
    """Raise BadInputError when the runs are not two runs of one suite scored alike: another
    ``schema_version``, another suite definition, or another scoring setting."""
    hint = f"pass --force to compare the {matched} cells that match"
    schema_a, schema_b = a.info["schema_version"], b.info["schema_version"]
    if not same_schema(schema_a, schema_b):
        raise BadInputError("schema_version", f"{schema_a} vs {schema_b}",
                            f"{a.root} and {b.root} were written by different store schemas; {hint}")
    if a.definition != b.definition:
        details = "; ".join(suite_differences(a, b)) or "their suite files define different cells"
        raise BadInputError("suite", f"{a.root} vs {b.root}",
                            f"different suites (definition {_short_hash(a.definition)} vs "
                            f"{_short_hash(b.definition)}): {details}; {hint}")
    scoring = [line for line in settings_differences(a, b) if line.split(":")[0] in SCORING_SETTINGS]
    if scoring:
        raise BadInputError("settings", "; ".join(scoring),
                            f"the runs scored their cells differently (success probability, TTS99); {hint}")


def same_schema(schema_a: int | None, schema_b: int | None) -> bool:
    """Return True when stores of these two schema versions compare cell by cell: equal, or both
    readable as this version (``READABLE_SCHEMAS``: same keys, same identities)."""
    return schema_a == schema_b or (schema_a in READABLE_SCHEMAS and schema_b in READABLE_SCHEMAS)


def run_differences(a: Run, b: Run, matched: int) -> list[str]:
    """Return one line per way the runs differ: schema, suite, settings, unmatched cells."""
    lines = []
    if a.info["schema_version"] != b.info["schema_version"]:
        lines.append(f"schema_version: {a.info['schema_version']} vs {b.info['schema_version']}")
    if a.definition != b.definition:
        lines.append(f"suite definition: {_short_hash(a.definition)} vs {_short_hash(b.definition)}")
        lines += suite_differences(a, b)
    lines += [f"settings {line}" for line in settings_differences(a, b)]
    only_a, only_b = len(a.cells) - matched, len(b.cells) - matched
    if only_a or only_b:
        lines.append(f"cells: {matched} in both, {only_a} only in A, {only_b} only in B")
    return lines


def suite_differences(a: Run, b: Run) -> list[str]:
    """Return what tells the two runs' suites apart: instances, backends and formulations found
    in one run's cells only, and the suite-file keys (run settings aside) whose values differ."""
    lines = []
    for what, column in (("instances", "instance_label"), ("backends", columns.BACKEND), ("formulations", columns.FORMULATION)):
        names_a, names_b = set(a.cells[column].astype(str)), set(b.cells[column].astype(str))
        for side, only in (("A", names_a - names_b), ("B", names_b - names_a)):
            if only:
                lines.append(f"{what} only in {side}: {_listing(sorted(only))}")
    keys = suite_key_differences(a.info["suite"]["text"], b.info["suite"]["text"])
    if keys:
        lines.append(f"suite keys that differ: {_listing(keys)}")
    return lines


def suite_key_differences(text_a: str, text_b: str) -> list[str]:
    """Return the dotted paths (``backends[0].params.num_reads``) at which two suite files'
    definitions differ; run settings (``timeout_s``, ``eps``, ...) are left out; empty when
    either text is not TOML."""
    try:
        data_a, data_b = tomllib.loads(text_a), tomllib.loads(text_b)
    except tomllib.TOMLDecodeError:
        return []
    found: list[str] = []

    def walk(left: Any, right: Any, path: str) -> None:
        if isinstance(left, dict) and isinstance(right, dict):
            for key in sorted(set(left) | set(right)):
                if path or key not in SUITE_RUN_KEYS:
                    walk(left.get(key), right.get(key), f"{path}.{key}" if path else key)
        elif isinstance(left, list) and isinstance(right, list) and len(left) == len(right) and \
                any(isinstance(item, dict) for item in left):
            for index, (item_a, item_b) in enumerate(zip(left, right)):
                walk(item_a, item_b, f"{path}[{index}]")
        elif left != right:
            found.append(path)

    walk(data_a, data_b, "")
    return found


def settings_differences(a: Run, b: Run) -> list[str]:
    """Return ``name: A -> B`` for every run setting (``run.json``'s ``settings``) that differs."""
    settings_a, settings_b = a.to_json()["settings"], b.to_json()["settings"]
    return [f"{name}: {settings_a.get(name)!r} -> {settings_b.get(name)!r}"
            for name in sorted(set(settings_a) | set(settings_b)) if settings_a.get(name) != settings_b.get(name)]


@dataclass(frozen=True)
class Bootstrap:
    """How intervals are computed: a paired percentile bootstrap of ``resamples`` resamples at
    ``level``, seeded; fewer than ``MIN_PAIRS`` pairs give no interval."""

    resamples: int = BOOTSTRAP_RESAMPLES
    level: float = CONFIDENCE_LEVEL
    seed: int = BOOTSTRAP_SEED

    def __post_init__(self) -> None:
        if isinstance(self.resamples, bool) or not isinstance(self.resamples, int) or self.resamples < 1:
            raise BadInputError("resamples", self.resamples, "must be a whole number >= 1")
        if not isinstance(self.level, int | float) or not math.isfinite(self.level) or not 0 < self.level < 1:
            raise BadInputError("level", self.level, "must be a finite number strictly between 0 and 1")

    def interval(self, left: np.ndarray, right: np.ndarray, statistic: Callable[..., Any]) -> tuple[float | None, float | None]:
        """Return the interval of ``statistic(left, right, axis)`` over pairs resampled together;
        (None, None) with fewer than ``MIN_PAIRS`` pairs."""
        if left.size < MIN_PAIRS:
            return None, None
        result = stats.bootstrap((left, right), statistic, paired=True, vectorized=True, n_resamples=self.resamples,
                                 confidence_level=self.level, method="percentile", rng=np.random.default_rng(self.seed))
        return float(result.confidence_interval.low), float(result.confidence_interval.high)

    def to_json(self) -> BootstrapJSON:
        """Return the bootstrap's settings, JSON-ready."""
        return {"resamples": self.resamples, "level": float(self.level), "seed": self.seed,
                "method": "paired percentile bootstrap over instances matched in both runs"}


def compare_rows(matched: pd.DataFrame, bootstrap: Bootstrap) -> list[CompareRow]:
    """Return one row per problem x backend x formulation x grid values of the matched cells
    (columns suffixed ``_a``/``_b``) that both runs scored."""
    scored = matched[matched["status_a"].isin(SCORED) & matched["status_b"].isin(SCORED)].copy()
    if scored.empty:
        return []
    # A gap is compared only where both runs have one (the feasible rate carries the rest).
    both = scored["gap_a"].notna() & scored["gap_b"].notna()
    scored["gap_a"], scored["gap_b"] = scored["gap_a"].where(both), scored["gap_b"].where(both)
    keys = [f"{column}_a" for column in GROUP]
    units = scored.groupby([*keys, "unit_a"], sort=True, dropna=False).agg(
        cells=("identity", "size"), gap_a=("gap_a", "median"), gap_b=("gap_b", "median"),
        feasible_a=("feasible_a", "mean"), feasible_b=("feasible_b", "mean"),
        wall_a=("wall_s_a", "median"), wall_b=("wall_s_b", "median"))
    rows: list[CompareRow] = []
    for (problem, backend, formulation, sweep), group in units.groupby(level=keys, sort=True, dropna=False):
        time = change(group["wall_a"], group["wall_b"], np.median, bootstrap)
        low_ratio, ratio, high_ratio = time_ratio(group["wall_a"], group["wall_b"], bootstrap)
        rows.append({
            "problem": str(problem), "backend": str(backend), "formulation": str(formulation),
            "sweep": "" if pd.isna(sweep) else str(sweep),
            "instances": len(group), "cells": int(group["cells"].sum()),
            "gap": change(group["gap_a"], group["gap_b"], np.median, bootstrap),
            "feasible": change(group["feasible_a"], group["feasible_b"], np.mean, bootstrap),
            "time": {**time, "ratio": ratio, "ratio_low": low_ratio, "ratio_high": high_ratio},
        })
    return rows


def change(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray, statistic: Callable[..., Any],
           bootstrap: Bootstrap) -> ChangeJSON:
    """Return ``statistic`` of ``a`` and of ``b`` (paired, same length; pairs holding a NaN
    dropped), the change B - A, its bootstrap interval and whether that excludes 0."""
    left, right = _pairs(a, b)
    if left.size == 0:
        return {"a": None, "b": None, "change": None, "low": None, "high": None, "pairs": 0, "flagged": False}
    value_a, value_b = float(statistic(left)), float(statistic(right))
    low, high = bootstrap.interval(left, right, lambda x, y, axis: statistic(y, axis=axis) - statistic(x, axis=axis))
    return {"a": value_a, "b": value_b, "change": value_b - value_a, "low": low, "high": high, "pairs": int(left.size),
            "flagged": low is not None and high is not None and (low > 0 or high < 0)}


def time_ratio(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray,
               bootstrap: Bootstrap) -> tuple[float | None, float | None, float | None]:
    """Return (low, median(B) / median(A), high) over the pairs of positive times; None where
    undefined (no such pair; too few for an interval)."""
    left, right = _pairs(a, b)
    keep = (left > 0) & (right > 0)
    left, right = left[keep], right[keep]
    if left.size == 0:
        return None, None, None
    low, high = bootstrap.interval(left, right, lambda x, y, axis: np.median(y, axis=axis) / np.median(x, axis=axis))
    return low, float(np.median(right) / np.median(left)), high


def _pairs(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the paired values of ``a`` and ``b`` as floats, pairs holding a NaN dropped."""
    left, right = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = np.isfinite(left) & np.isfinite(right)
    return left[keep], right[keep]


def _listing(names: Sequence[str]) -> str:
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def _short_hash(value: str | None) -> str:
    return "none" if value is None else value[:12]

