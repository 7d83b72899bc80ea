"""Exports: a model as LP or serialised dimod BQM/CQM, a store as a QOBLIB-style CSV (DESIGN §9)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from qseg import store
from qseg.errors import BadInputError
from qseg.files import check_output_file, replacing

MODEL_FORMATS = ("lp", "bqm", "cqm")
QOBLIB_COLUMNS = [
    "instance", "problem", "backend", "formulation", "runs", "feasible_runs", "successful_runs", "eps",
    "best_objective", "optimality_bound", "variables", "nonzeros", "total_runtime_s", "tts_s",
    "cpu_runtime_s", "qpu_runtime_s",
]


def check_model_format(fmt: str) -> str:
    """Return ``fmt`` when it is a model format (``lp``, ``bqm``, ``cqm``), else BadInputError."""
    if fmt not in MODEL_FORMATS:
        raise BadInputError("format", fmt, f"model formats: {', '.join(MODEL_FORMATS)}")
    return fmt


def export_model(problem: Any, fmt: str, out: Path, formulation: str | None = None) -> Path:
    """Write the problem's CQM (``lp``/``cqm``) or a QUBO (``bqm``) to ``out``; return the path.

    ``out`` is checked (a writable folder, not a folder itself: BadInputError) before the model is
    built, and written under a temporary name renamed into place (an OSError naming ``out`` on a
    full disk, with nothing left behind)."""
    import dimod

    check_model_format(fmt)
    out = check_output_file("out", out)
    if fmt == "lp":
        model = _lp_names(problem)
        with replacing(out) as temporary, open(temporary, "w") as stream:
            dimod.lp.dump(model, stream)
        return out
    model = problem.cqm() if fmt == "cqm" else problem.bqm(formulation)
    with model.to_file() as source, replacing(out) as temporary, open(temporary, "wb") as target:
        shutil.copyfileobj(source, target)
    return out


def write_qoblib(root: Path | str, out: Path | str) -> Path:
    """Write ``qoblib_table(root)`` as CSV to ``out`` (checked first, written under a temporary
    name renamed into place); return the path."""
    target = check_output_file("out", out)
    table = qoblib_table(root)
    with replacing(target) as temporary:
        table.to_csv(temporary, index=False)
    return target


def _lp_names(problem: Any) -> Any:
    """Return the CQM with names the LP format accepts: integer variable labels become
    ``problem.variable_name(i)`` and constraint labels starting with a digit, '.', 'e' or 'E'
    (LP reads those as numbers) get a ``c_`` prefix."""
    cqm = problem.cqm()
    integers = {v: problem.variable_name(v) for v in cqm.variables if isinstance(v, int)}
    clashing = {c: f"c_{c}" for c in cqm.constraints if str(c)[:1] in ".0123456789Ee"}
    if integers or clashing:
        cqm = cqm.relabel_variables(integers, inplace=False) if integers else cqm.copy()
        cqm.relabel_constraints(clashing)
    return cqm


def qoblib_table(root: Path | str) -> pd.DataFrame:
    """Return one QOBLIB-style row per scored cell of a store (counts over reads, runtimes in s)."""
    cells = store.load(root)
    if cells.empty:
        return pd.DataFrame(columns=QOBLIB_COLUMNS)
    reads = cells["num_reads"].fillna(0)

    def timing(name: str) -> pd.Series:
        column = f"timing.{name}"
        return cells[column] / 1e9 if column in cells else pd.Series([None] * len(cells))

    return pd.DataFrame({
        "instance": cells["instance"], "problem": cells["problem"], "backend": cells["solver"],
        "formulation": cells["formulation"], "runs": reads.astype(int),
        "feasible_runs": (cells["feasible_fraction"].fillna(0) * reads).round().astype(int),
        "successful_runs": (cells["success_probability"].fillna(0) * reads).round().astype(int),
        "eps": cells["eps"], "best_objective": cells["objective"], "optimality_bound": cells["bound"],
        "variables": cells["num_variables"], "nonzeros": cells["num_interactions"],
        "total_runtime_s": timing("total_ns"), "tts_s": cells["tts99_s"], "cpu_runtime_s": cells["wall_s"],
        "qpu_runtime_s": timing("qpu_access_ns"),
    })[QOBLIB_COLUMNS]
