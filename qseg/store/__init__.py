"""The results store: what a cell is (``spec``: the typed ``CellSpec`` and run settings), what a
store holds (``schema``: ``RunInfo`` for ``run.json``, ``StoredCell`` for a line of
``cells.jsonl``, and the reading of older layouts) and the append-only folder a suite run writes
(``folder``).

Nothing here imports data, a problem, a backend, a solve, the harness, the reports or a workflow
(an import-linter contract): the store is written by ``qseg.harness`` and read by
``qseg.reports``, whose ``qseg.reports.frame.load_frame`` turns a store into the report's
DataFrame (docs/architecture.md, "Layers").
"""

from qseg.errors import StoreError
from qseg.store.folder import (
    CELLS_FILE,
    RUN_FILE,
    BadLine,
    Repair,
    Store,
    read_cells,
    read_records,
    read_run,
    repair_cells,
    scan_cells,
)
from qseg.store.schema import READABLE_SCHEMAS, SCHEMA_VERSION, RunInfo, StoredCell

__all__ = [
    "CELLS_FILE", "READABLE_SCHEMAS", "RUN_FILE", "SCHEMA_VERSION", "BadLine", "Repair", "RunInfo", "Store",
    "StoreError", "StoredCell", "read_cells", "read_records", "read_run", "repair_cells", "scan_cells",
]
