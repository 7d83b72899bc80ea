"""The results store: what a cell is (``spec``: the typed ``CellSpec`` and run settings) and the
append-only folder a suite run writes (``folder``: ``run.json`` and ``cells.jsonl``).

Nothing here imports a problem, a backend or the harness: the store is read by ``qseg.reports``
and written by ``qseg.harness`` (docs/architecture.md, "Layers").
"""

from qseg.store.folder import (
    CELLS_FILE,
    FAMILIES,
    RUN_FILE,
    SCHEMA_VERSION,
    Store,
    StoreError,
    frame,
    load,
    read_records,
    read_run,
)

__all__ = [
    "CELLS_FILE", "FAMILIES", "RUN_FILE", "SCHEMA_VERSION", "Store", "StoreError", "frame", "load", "read_records", "read_run",
]
