"""A store as a QOBLIB-style CSV (``qseg export --store DIR --format qoblib``): one row per scored
cell, counts over reads and runtimes in seconds (docs/architecture.md, "Records and exports")."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from qseg.files import check_output_file, replacing, spreadsheet_safe
from qseg.reports import frame as columns
from qseg.reports.frame import load_frame

QOBLIB_COLUMNS = [
    "instance", "problem", "backend", "formulation", "runs", "feasible_runs", "successful_runs", "eps",
    "best_objective", "optimality_bound", "variables", "nonzeros", "total_runtime_s", "tts_s",
    "cpu_runtime_s", "qpu_runtime_s",
]


def write_qoblib(root: Path | str, out: Path | str) -> Path:
    """Write ``qoblib_table(root)`` as CSV to ``out`` (checked first, written under a temporary
    name renamed into place); return the path."""
    target = check_output_file("out", out)
    table = qoblib_table(root)
    with replacing(target) as temporary:
        spreadsheet_safe(table).to_csv(temporary, index=False)
    return target


def qoblib_table(root: Path | str) -> pd.DataFrame:
    """Return one QOBLIB-style row per scored cell of a store (counts over reads, runtimes in s)."""
    cells = load_frame(root)
    if cells.empty:
        return pd.DataFrame(columns=QOBLIB_COLUMNS)
    reads = cells["num_reads"].fillna(0)

    def timing(name: str) -> pd.Series:
        column = columns.timing_column(name)
        return cells[column] / 1e9 if column in cells else pd.Series([None] * len(cells))

    return pd.DataFrame({
        "instance": cells["instance"], "problem": cells["problem"], "backend": cells[columns.BACKEND],
        "formulation": cells["formulation"], "runs": reads.astype(int),
        "feasible_runs": (cells["feasible_fraction"].fillna(0) * reads).round().astype(int),
        "successful_runs": (cells["success_probability"].fillna(0) * reads).round().astype(int),
        "eps": cells["eps"], "best_objective": cells["objective"], "optimality_bound": cells["bound"],
        "variables": cells["num_variables"], "nonzeros": cells["num_interactions"],
        "total_runtime_s": timing("total_ns"), "tts_s": cells["tts99_s"], "cpu_runtime_s": cells["wall_s"],
        "qpu_runtime_s": timing("qpu_access_ns"),
    })[QOBLIB_COLUMNS]
