"""A long-lived cell worker: ``python -m qseg.harness.worker``.

Cell specs arrive as JSON lines on stdin; one record per cell leaves as a JSON line on the
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

PR_SET_PDEATHSIG = 1


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
    from qseg.harness.execute import execute

    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        samples = Path(message["samples_dir"]) if message.get("samples_dir") else None
        record = execute(message["spec"], samples)
        protocol.write(json.dumps(record, separators=(",", ":"), default=str) + "\n")
        protocol.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
