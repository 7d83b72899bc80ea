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


def install_plugin(site: Path, name: str, version: str, entry_points: str, code: Path) -> dict[str, str]:
    """Register a plugin distribution the way any third-party plugin registers, a
    ``NAME-VERSION.dist-info`` holding ``entry_points.txt`` under ``site``, its modules in
    ``code``; return an environment whose PYTHONPATH sees both."""
    dist = site / f"{name.replace('-', '_')}-{version}.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (dist / "entry_points.txt").write_text(entry_points)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), str(code), env.get("PYTHONPATH")]))
    return env


def install_fault_plugins(site: Path) -> dict[str, str]:
    """Register the fault backends (tests/faults) under ``site``; return an environment that
    sees them."""
    return install_plugin(site, "qseg-faults", "0.0", ENTRY_POINTS, FAULTS)


THIRDPARTY = Path(__file__).parent / "thirdparty"
GREEDYFLIP_ENTRY_POINTS = """[qseg.backends]
greedy-flip = qseg_greedyflip:GreedyFlipBackend
"""


def install_greedyflip_plugin(site: Path) -> dict[str, str]:
    """Register the third-party ``greedy-flip`` backend (tests/thirdparty/qseg_greedyflip.py)
    as any plugin registers, a ``qseg_greedyflip-0.1.dist-info`` with ``entry_points.txt`` under
    ``site``; return an environment that sees it. In-process, put ``site`` and ``THIRDPARTY``
    on ``sys.path`` and call ``qseg.backends.refresh()``."""
    return install_plugin(site, "qseg-greedyflip", "0.1", GREEDYFLIP_ENTRY_POINTS, THIRDPARTY)


def knapsack_suite(name: str, *backends: str, params: dict[str, dict[str, object]] | None = None,
                   sizes: list[int] | None = None, seeds: list[int] | None = None, timeout_s: float = 60,
                   reference: str = "none") -> str:
    """Return the text of a small harness-test suite: generated knapsack instances on the
    ``unbalanced`` QUBO and one ``[[backends]]`` table per name (``params`` by backend name)."""
    tables = []
    for backend in backends:
        options = (params or {}).get(backend)
        table = f'[[backends]]\nname = "{backend}"\n'
        if options:
            table += "params = { " + ", ".join(f"{k} = {v!r}" for k, v in options.items()) + " }\n"
        tables.append(table)
    return (f'name = "{name}"\ntimeout_s = {timeout_s}\nreference = "{reference}"\nformulations = ["unbalanced"]\n\n'
            f'[[instances]]\nproblem = "knapsack"\nsizes = {sizes or [8]}\nseeds = {seeds or [1]}\n\n' + "\n".join(tables))


def write_suite(path: Path, body: str) -> Path:
    """Write a suite file and return its path."""
    path.write_text(body)
    return path


def bench(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``qseg bench ARGS`` in a subprocess and return the completed process."""
    return subprocess.run([sys.executable, "-m", "qseg", "bench", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, check=False)
