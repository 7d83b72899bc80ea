"""Helpers for the harness tests: fault plugins on PYTHONPATH, suite files, running qseg bench."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FAULTS = Path(__file__).parent / "faults"
ENTRY_POINTS = """[qseg.backends]
fault-sleep = qseg_faults:SleepyBackend
fault-raise = qseg_faults:RaisingBackend
fault-exit = qseg_faults:ExitingBackend
fault-slow = qseg_faults:SlowBackend
"""


def install_fault_plugins(site: Path) -> dict[str, str]:
    """Register the fault backends the way any third-party plugin registers (a dist-info with
    entry_points.txt) under ``site``; return an environment that sees them."""
    dist = site / "qseg_faults-0.0.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: qseg-faults\nVersion: 0.0\n")
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), str(FAULTS), env.get("PYTHONPATH")]))
    return env


THIRDPARTY = Path(__file__).parent / "thirdparty"
GREEDYFLIP_ENTRY_POINTS = """[qseg.backends]
greedy-flip = qseg_greedyflip:GreedyFlipBackend
"""


def install_greedyflip_plugin(site: Path) -> dict[str, str]:
    """Register the third-party ``greedy-flip`` backend (tests/thirdparty/qseg_greedyflip.py)
    as any plugin registers, a ``qseg_greedyflip-0.1.dist-info`` with ``entry_points.txt`` under
    ``site``; return an environment that sees it. In-process, put ``site`` and ``THIRDPARTY``
    on ``sys.path`` and call ``qseg.backends.refresh()``."""
    dist = site / "qseg_greedyflip-0.1.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: qseg-greedyflip\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(GREEDYFLIP_ENTRY_POINTS)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), str(THIRDPARTY), env.get("PYTHONPATH")]))
    return env


def write_suite(path: Path, body: str) -> Path:
    """Write a suite file and return its path."""
    path.write_text(body)
    return path


def bench(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``qseg bench ARGS`` in a subprocess and return the completed process."""
    return subprocess.run([sys.executable, "-m", "qseg", "bench", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, check=False)
