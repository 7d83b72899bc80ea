"""``qseg solve --out DIR``: the decision of the best feasible read as CSV tables and one JSON.

The folder is checked before any work (not a file, writable, and holding none of the inputs, whose
namesakes the outputs could replace) and written atomically (``files.publish_folder``). Cells that
come from the user's data (customer ids, bands) are escaped against spreadsheet formulas.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qseg.errors import BadInputError
from qseg.files import check_output_dir, publish_folder, spreadsheet_safe
from qseg.problems.decision import Decision
from qseg.record import Record

JSON_FILE = "decision.json"
OWNED = (JSON_FILE, "customers.csv", "medoids.csv", "bins.csv", "plan.csv")
_RFM_PREFIX = "rfm:"


def input_files(data: str | None) -> list[Path]:
    """Return the files a ``--data`` value reads (``rfm:PATH``, ``FILE#NAME``, a path), none for
    a named dataset or generated data."""
    if not data:
        return []
    text = data[len(_RFM_PREFIX):] if data.startswith(_RFM_PREFIX) else data
    path = Path(text.split("#", 1)[0]).expanduser()
    return [path] if path.is_file() else []


def check_out(out: str, data: str | None, field: str = "out") -> Path:
    """Return ``out`` when the decision (or with ``field="analysis"`` the analysis) can be
    written there; BadInputError naming ``field`` and the path when it is a file, unwritable, a
    broken symlink, or a folder holding one of the inputs (compared resolved)."""
    target = check_output_dir(field, out)
    folder = target.expanduser().absolute().resolve()
    for path in input_files(data):
        if path.absolute().resolve().is_relative_to(folder):
            raise BadInputError(field, out, f"holds the input {path}; write to another folder")
    return target


def best_sample(problem: Any, sampleset: Any, *, polish: bool) -> dict[Any, float] | None:
    """Return the best feasible read of ``sampleset`` as a sample over the problem's read labels
    (after the polish when asked, as the record scored it); None when no read is feasible."""
    from qseg.metrics import best_feasible

    if sampleset is None or not len(sampleset):
        return None
    reads = problem.evaluate_reads(sampleset)
    if polish:
        reads = problem.polish_reads(reads)
    best = best_feasible(reads.minimised, reads.feasible)
    return None if best is None else dict(zip(reads.labels, reads.states[best].tolist(), strict=True))


def decision_of(problem: Any, sampleset: Any, *, polish: bool) -> Decision | None:
    """Return the decision of the best feasible read (None when no read is feasible); for the
    assignment problem the plan ``--analysis`` writes, with the plan's figures."""
    if problem.name == "assignment":
        from qseg.workflows.retention import best_actions
        from qseg.workflows.retention.tables import plan_table

        actions = best_actions(problem, sampleset, polish=polish) if sampleset is not None else None
        if actions is None:
            return None
        facts = problem.summary(actions)
        line = (f"plan       {facts['treated']:,} of {problem.size:,} customers treated, spend "
                f"{facts['spend']:,.2f}, expected net value {facts['expected_net_value']:,.2f}")
        return Decision({"plan": plan_table(problem, actions)}, facts, (line,))
    sample = best_sample(problem, sampleset, polish=polish)
    if sample is None:
        return None
    with warnings.catch_warnings():
        # A decision's warnings are among its printed lines ("warning    ..."); Python's own
        # rendering would say the same again with a source line.
        warnings.simplefilter("ignore", UserWarning)
        decision: Decision = problem.decision(sample)
    return decision


def write_decision(decision: Decision, record: Record, out: Path | str) -> list[Path]:
    """Write each table as ``NAME.csv`` (formula-escaped) and ``decision.json`` (the record's
    identity, the facts and every table as records) into ``out``; return the files written."""
    head = {
        "problem": record.problem, "instance": record.instance, "backend": record.backend,
        "formulation": record.formulation, "status": str(record.status), "objective": record.objective,
        "sense": record.sense, **decision.facts,
    }
    tables = {name: _records(table) for name, table in decision.tables.items()}
    text = json.dumps({**head, "tables": tables}, default=_jsonable, allow_nan=False)

    def write(staging: Path) -> None:
        for name, table in decision.tables.items():
            spreadsheet_safe(table).to_csv(staging / f"{name}.csv", index=False)
        (staging / JSON_FILE).write_text(text + "\n", encoding="utf-8")

    return publish_folder(out, write, owned=OWNED)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the rows of ``table`` as dicts of Python values, NaN as None (JSON null); floats
    keep every digit (pandas' own JSON writer rounds to 15)."""
    missing = table.isna()
    if missing.to_numpy().any():
        table = table.astype(object).where(~missing, None)
    return [{str(k): v for k, v in row.items()} for row in table.to_dict(orient="records")]


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
