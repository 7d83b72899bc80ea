"""Provenance for results: package versions, machine, git revision, UTC time."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

TRACKED_PACKAGES = (
    "qseg", "qseg-dwave", "qseg-mip", "qseg-qiskit", "dimod", "dwave-samplers", "dwave-system",
    "dwave-optimization", "dwave-cloud-client", "minorminer", "qiskit", "qiskit-aer", "qiskit-optimization",
    "pulp", "highspy", "numpy", "scipy", "pandas",
)


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str | None]:
    """Return installed versions of ``names`` (None for a package that is not installed)."""
    found: dict[str, str | None] = {}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = None
    return found


def git_revision(path: Path | None = None) -> str | None:
    """Return the checkout's commit (with ``-dirty`` when it has changes), or None outside git."""
    where = path or Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=where, capture_output=True,
            text=True, timeout=10, check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if dirty else commit


def provenance() -> dict[str, Any]:
    """Return what a result needs to be reproduced: versions, machine, git revision, UTC time."""
    return {
        "utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_revision": git_revision(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average": load_average(),
        "packages": package_versions(),
    }


def load_average() -> list[float] | None:
    """Return the machine's 1, 5 and 15 minute load averages (None where the OS has none): on a
    shared machine, what a timing was measured next to."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (OSError, AttributeError):
        return None


# Work is refused, with its estimate, when it would need more than this share of available memory.
MEMORY_FRACTION = 0.5


def memory_refusal(needed: int, what: str) -> str:
    """Return "" when ``needed`` bytes fit in ``MEMORY_FRACTION`` of the memory available now (or
    memory is unknown), else one line: ``what``, the estimate and the limit."""
    return memory_refusal_at(needed, what, available_memory())


def memory_refusal_at(needed: int, what: str, available: int | None) -> str:
    """Return ``memory_refusal``'s line for ``available`` bytes (None: unknown, nothing refused)."""
    if available is None or needed <= MEMORY_FRACTION * available:
        return ""
    return (f"{what} needs ~{_gib(needed)}, over {MEMORY_FRACTION:g} of the {_gib(available)} available "
            f"(limit ~{_gib(int(MEMORY_FRACTION * available))})")


def _gib(count: int) -> str:
    """Return a byte count as GiB with a precision that keeps tiny and huge figures readable."""
    value = count / 2**30
    return f"{value:.1f} GiB" if value < 1e6 else f"{value:.2e} GiB"


def available_memory() -> int | None:
    """Return the bytes of memory available now (Linux MemAvailable), or None if unknown."""
    try:
        with open("/proc/meminfo") as stream:
            for line in stream:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
