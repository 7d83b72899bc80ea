"""A long-lived cell worker: ``python -m qseg.harness.worker``.

Cells arrive as JSON lines on stdin (``{"cell": CellSpec.to_json(), "settings":
RunSettings.to_json(), "samples_dir": str | null}``, see ``message``); one ``StoredCell`` per cell leaves as a
JSON line (``StoredCell.to_json``) on the
original stdout, which the worker keeps for itself (fd 1 is pointed at stderr, so a solver that
prints cannot corrupt the protocol). The worker leads its own process group; when its parent
dies (Linux ``PR_SET_PDEATHSIG``, or stdin closing) it kills that group, solver children
included, so a killed run leaves no orphans.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from qseg.store.spec import CellSpec, RunSettings

PR_SET_PDEATHSIG = 1


def message(cell: CellSpec, settings: RunSettings, samples_dir: Path | None) -> str:
    """Return the JSON line that hands ``cell`` to a worker."""
    return json.dumps({"cell": cell.to_json(), "settings": settings.to_json(),
                       "samples_dir": str(samples_dir) if samples_dir else None}) + "\n"


def _kill_own_group(*_: Any) -> None:
    os.killpg(os.getpgid(0), signal.SIGKILL)


def _die_with_parent() -> None:
    signal.signal(signal.SIGTERM, _kill_own_group)
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: stdin closing below still ends the worker
    if os.getppid() == 1:  # the parent died before prctl took effect
        _kill_own_group()


def main() -> int:
    """Serve cell specs from stdin until it closes; return the exit status."""
    _die_with_parent()
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    from qseg.harness.cell import run_cell

    for line in sys.stdin:
        if not line.strip():
            continue
        received = json.loads(line)
        samples = Path(received["samples_dir"]) if received.get("samples_dir") else None
        record = run_cell(CellSpec.from_json(received["cell"]), RunSettings.from_json(received["settings"]), samples)
        protocol.write(json.dumps(record.to_json(), separators=(",", ":"), default=str) + "\n")
        protocol.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
