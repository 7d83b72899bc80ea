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
from qseg.harness.execute import skeleton_record
from qseg.harness.runner import Progress
from qseg.harness.suite import Cell

CONNECT_TIMEOUT_S = 10


def run_one_shot(message: dict[str, Any]) -> dict[str, Any]:
    """Run one cell in a fresh worker child and return its record (timeout and crash included)."""
    spec = message["spec"]
    started = time.perf_counter_ns()
    child = subprocess.Popen(
        [sys.executable, "-m", "qseg.harness.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )
    try:
        out, _ = child.communicate(json.dumps(message) + "\n", timeout=float(spec["timeout_s"]))
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        return skeleton_record(spec, "timeout", f"cell exceeded timeout_s={spec['timeout_s']} (Dask task)")
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    lines = [line for line in out.splitlines() if line.strip()]
    if not lines:
        return skeleton_record(spec, "error", f"worker died during the cell (exit code {child.returncode})")
    record = json.loads(lines[-1])
    total = time.perf_counter_ns() - started
    record.setdefault("timing", {})["spawn_ns"] = max(0, total - record["timing"].get("total_ns", 0))
    return record


def run_dask(
    cells: list[Cell], address: str, *, on_record: Callable[[dict[str, Any]], None],
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
            client.submit(run_one_shot, {"spec": {**cell.spec, "key": cell.key},
                                         "samples_dir": str(samples_dir) if samples_dir else None},
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
