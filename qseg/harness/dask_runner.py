"""Cells on an existing Dask cluster: each task launches a one-shot worker child.

Dask workers are daemonic, so ``multiprocessing`` pools cannot start there; ``subprocess`` can.
Each task runs ``python -m qseg.harness.worker`` for exactly one cell, in its own process group,
and kills that group at the cell's timeout. The import cost is paid per cell (reported as
``timing.spawn_ns`` on the records): that is the price of running anywhere on a cluster.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qseg.errors import BadInputError
from qseg.harness.cell import StoredRecord, skeleton_record
from qseg.harness.record import Status
from qseg.harness.runner import Progress
from qseg.harness.spec import CellSpec, RunSettings
from qseg.harness.worker import message

CONNECT_TIMEOUT_S = 10


def run_one_shot(cell_json: dict[str, Any], settings_json: dict[str, Any], samples_dir: str | None) -> StoredRecord:
    """Run one cell in a fresh worker child and return its record (timeout and crash included)."""
    cell, settings = CellSpec.from_json(cell_json), RunSettings.from_json(settings_json)
    started = time.perf_counter_ns()
    child = subprocess.Popen(
        [sys.executable, "-m", "qseg.harness.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )
    try:
        out, _ = child.communicate(message(cell, settings, Path(samples_dir) if samples_dir else None),
                                   timeout=settings.timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        return skeleton_record(cell, Status.TIMEOUT, f"cell exceeded timeout_s={settings.timeout_s} (Dask task)")
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    lines = [line for line in out.splitlines() if line.strip()]
    if not lines:
        return skeleton_record(cell, Status.ERROR, f"worker died during the cell (exit code {child.returncode})")
    record: StoredRecord = json.loads(lines[-1])
    total = time.perf_counter_ns() - started
    record.setdefault("timing", {})["spawn_ns"] = max(0, total - record["timing"].get("total_ns", 0))
    return record


def run_dask(
    cells: list[CellSpec], address: str, *, settings: RunSettings, on_record: Callable[[StoredRecord], None],
    samples_dir: Path | None = None, on_progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Run ``cells`` on the Dask cluster at ``address``; call ``on_record`` as each finishes.

    Raises BadInputError naming the address when the cluster cannot be reached.
    """
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise BadInputError("dask", address, f"Dask is not installed ({exc}); pip install 'qseg[dask]'") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise BadInputError("dask", address, f"cannot reach the Dask scheduler ({type(exc).__name__})") from None
    progress = Progress(total=len(cells))
    try:
        futures = [
            client.submit(run_one_shot, cell.to_json(), settings.to_json(), str(samples_dir) if samples_dir else None,
                          key=f"qseg-cell-{cell.key}", pure=False)
            for cell in cells
        ]
        for future in as_completed(futures):
            record = future.result()
            on_record(record)
            progress.update(record)
            if on_progress:
                on_progress(progress)
    finally:
        client.close()
    return progress
