"""Run one cell (a ``CellSpec``) to the ``StoredCell`` the store keeps: never raises."""

from __future__ import annotations

import dataclasses
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from qseg.errors import InfeasibleModelError, QsegError
from qseg.files import replacing
from qseg.record import Record, Status
from qseg.store.schema import StoredCell
from qseg.store.spec import NO_REFERENCE, CellSpec, RunSettings


def skeleton_record(cell: CellSpec, status: Status, message: str) -> StoredCell:
    """Return the stored record of a cell that produced no result of its own (timeout, crash,
    a failure before solving started)."""
    meta = cell.meta
    record = Record(
        problem=cell.instance.problem, instance=meta.instance if meta else (cell.instance.data or ""),
        formulation=cell.formulation, backend=cell.backend, size=meta.size if meta else (cell.instance.size or 0),
        seed=cell.instance.seed, status=status, sense=meta.sense if meta else "", message=message,
        params=dict(cell.params),
    )
    return stored(record, cell)


def stored(record: Record, cell: CellSpec) -> StoredCell:
    """Return ``record`` as the store keeps it: with the cell's key and spec."""
    return StoredCell(record=dataclasses.replace(record, key=cell.key), key=cell.key, spec=cell)


def run_cell(cell: CellSpec, settings: RunSettings, samples_dir: Path | None = None) -> StoredCell:
    """Build, solve and evaluate one cell; return it as the store keeps it. Errors become records."""
    from qseg.problems import build_problem
    from qseg.solving.solve import solve, solve_baseline

    started = time.perf_counter()
    # qseg.solve's ``reference``: the exact backend's name, or False for none
    reference: bool | str = False if cell.reference_backend == NO_REFERENCE else cell.reference_backend
    try:
        problem = build_problem(cell.instance.problem, size=cell.instance.size, seed=cell.instance.seed,
                                data=cell.instance.data, params=dict(cell.instance.params))
        if cell.is_baseline:
            record = solve_baseline(problem, cell.baseline, reference=reference, eps=settings.eps)
        else:
            record, sampleset = solve(
                problem, cell.backend, formulation=cell.formulation, reference=reference,
                penalties=dict(cell.penalties) or None, eps=settings.eps, repeat=cell.repeat,
                polish=cell.polish, params=cell.params, keep_sampleset=True, penalty_tuning=cell.penalty_tuning,
                max_qpu_s=None,  # the suite's total was checked against --max-qpu-s before any cell ran
            )
            if samples_dir is not None and sampleset is not None:
                save_samples(samples_dir / f"{cell.key}.npz", sampleset)
        return stored(record, cell)
    except InfeasibleModelError as exc:
        return skeleton_record(cell, Status.INFEASIBLE_MODEL, str(exc))
    except QsegError as exc:
        return skeleton_record(cell, Status.ERROR, f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - a cell must end in a record whatever the backend does
        tail = traceback.format_exc(limit=-3).strip().splitlines()[-1]
        return skeleton_record(cell, Status.ERROR,
                               f"{type(exc).__name__}: {exc} [{tail}] after {time.perf_counter() - started:.1f} s")


def save_samples(path: Path, sampleset: Any) -> None:
    """Write a SampleSet's states, energies, counts and labels to a compressed ``.npz`` (under a
    temporary name renamed into place: a full disk leaves no partial file)."""
    with replacing(path) as temporary:
        np.savez_compressed(
            temporary,
            states=sampleset.record.sample.astype(np.int8),
            energy=sampleset.record.energy,
            num_occurrences=sampleset.record.num_occurrences,
            variables=np.array([str(v) for v in sampleset.variables]),
        )
