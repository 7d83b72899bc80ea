"""``qseg bench``: validate a suite, open its store, fill references, run what is missing."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qseg.environment import provenance
from qseg.errors import StoreError
from qseg.harness.runner import Progress, run_local
from qseg.harness.spend import DEFAULT_MAX_QPU_S, check_spend, estimate_charges
from qseg.harness.suite import Suite, load_suite
from qseg.solving.reference import reference_for
from qseg.store import SCHEMA_VERSION, Repair, RunInfo, Store
from qseg.store.spec import NO_REFERENCE, CellSpec, RunSettings

DEFAULT_SUITE = Path(__file__).resolve().parents[2] / "benchmarks" / "suites" / "default.toml"


@dataclass
class BenchResult:
    """What a bench run did: cells in the suite, already stored, run now, and their counts."""

    store: Path
    total: int
    already: int
    progress: Progress | None
    repaired: Repair | None = None  # what ``repair=True`` moved out of cells.jsonl


def run_info(suite: Suite, *, workers: int, executor: str) -> RunInfo:
    """Return the ``run.json`` payload: suite text and hashes, run settings, provenance and
    execution settings."""
    from qseg.backends import list_backends

    backends = sorted({c.backend for c in suite.cells if not c.is_baseline})
    listing = {info.name: info for info in list_backends()}
    facts = provenance()
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": {"path": str(suite.path), "name": suite.name, "sha256": suite.sha256,
                  "definition_sha256": suite.definition_sha256, "text": suite.text},
        "settings": suite.settings.to_json(),
        "cells": len(suite.cells),
        "executor": executor,
        "workers": workers,
        "solver_threads": 1 if workers > 1 else None,
        "backends": {name: {"package": listing[name].package, "version": listing[name].version,
                            "available": listing[name].available, "reason": listing[name].reason}
                     for name in backends if name in listing},
        "utc": facts["utc"], "git_revision": facts["git_revision"], "python": facts["python"],
        "platform": facts["platform"], "machine": facts["machine"], "cpu_count": facts["cpu_count"],
        "load_average": facts["load_average"], "packages": facts["packages"],
        "resumed": [],
        "finished": None,
        "cell_keys": [cell.key for cell in suite.cells],
    }


def check_resumable(stored: RunInfo, suite: Suite) -> None:
    """Raise StoreError unless the stored run can be finished by ``suite``: same schema, same
    suite definition, and no changed setting that would change stored results (``eps``). A
    changed timeout is fine: it applies to the cells still to run."""
    schema = stored["schema_version"]
    if schema != SCHEMA_VERSION:
        raise StoreError("store schema_version", schema,
                         f"this qseg writes schema_version {SCHEMA_VERSION}; pass --overwrite to start again")
    if stored["suite"]["definition_sha256"] != suite.definition_sha256:
        raise StoreError("out", stored["suite"]["path"],
                         "store belongs to a different suite (its instances, backends or parameters differ)")
    changes = suite.settings.scoring_changes(RunSettings.from_json(stored["settings"]))
    if changes:
        raise StoreError("settings", "; ".join(changes),
                         "the stored cells were scored with the old value; restore it, or pass --overwrite")


def prefill_references(suite: Suite, cells: list[CellSpec]) -> None:
    """Compute (and cache) each instance's exact reference once, before cells fan out."""
    if suite.reference_backend == NO_REFERENCE:
        return
    seen: set[str] = set()
    for cell in cells:
        if cell.instance.key not in seen:
            seen.add(cell.instance.key)
            reference_for(suite.problem(cell), suite.reference_backend)


def run_bench(
    suite_path: Path | str, out: Path | str, *, workers: int | None = None, resume: bool = False,
    overwrite: bool = False, keep_samples: bool = False, dask: str | None = None,
    on_progress: Callable[[Progress], None] | None = None, max_qpu_s: float = DEFAULT_MAX_QPU_S,
    repair: bool = False,
) -> BenchResult:
    """Run every cell of the suite that the store at ``out`` does not hold yet, locally on
    ``workers`` processes or on the Dask cluster at ``dask``; return the counts.

    Before the store is touched, the cells' estimated QPU/hybrid charge is checked against
    ``max_qpu_s`` (BadInputError when over; resumed runs count only what is still missing).
    A resumed store with a line that is no cell of this suite (not JSON, a duplicate, another
    suite's) is refused (StoreError naming the line) unless ``repair``, which moves such lines
    out first, keeping the original file beside the store's ``cells.jsonl``.
    """
    suite = load_suite(suite_path)
    if not resume:
        check_spend(estimate_charges(suite), max_qpu_s)
    workers = workers or os.cpu_count() or 1
    executor = f"dask {dask}" if dask else "local"
    info = run_info(suite, workers=workers, executor=executor)
    with Store.open(out, info, resume=resume, overwrite=overwrite,
                    check=lambda stored: check_resumable(stored, suite)) as store:
        done = store.finished_keys({cell.key for cell in suite.cells}, repair=repair)
        missing = [cell for cell in suite.cells if cell.key not in done]
        if not missing:
            return BenchResult(store.root, len(suite.cells), len(done), None, store.repaired)
        if resume:
            check_spend(estimate_charges(suite, missing), max_qpu_s)
            store.note_resumed(info)
        prefill_references(suite, missing)
        samples_dir = store.samples_dir() if keep_samples else None
        if dask:
            from qseg.harness.dask_runner import run_dask

            progress = run_dask(missing, dask, settings=suite.settings, on_record=store.append,
                                samples_dir=samples_dir, on_progress=on_progress)
        else:
            progress = run_local(missing, settings=suite.settings, workers=workers, on_record=store.append,
                                 samples_dir=samples_dir, log_path=store.root / "workers.log",
                                 on_progress=on_progress)
        store.note_finished()
    return BenchResult(store.root, len(suite.cells), len(suite.cells) - len(missing), progress, store.repaired)


def terminal_progress() -> tuple[Callable[[Progress], None] | None, Callable[[], None]]:
    """Return (update, close) for a rich progress bar on a terminal; (None, no-op) otherwise."""
    if not sys.stdout.isatty():
        return None, lambda: None
    from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    bar = Bar(TextColumn("cells"), BarColumn(), MofNCompleteColumn(), TextColumn("failed {task.fields[failed]}"),
              TimeRemainingColumn())
    task: TaskID | None = None

    def update(progress: Progress) -> None:
        nonlocal task
        if task is None:
            bar.start()
            task = bar.add_task("cells", total=progress.total, failed=0)
        bar.update(task, completed=progress.done, failed=progress.failed)

    return update, bar.stop
