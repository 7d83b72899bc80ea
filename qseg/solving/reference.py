"""Reference optima: a published best-known value, or an exact solve cached on disk.

The cache lives in ``$QSEG_CACHE_DIR/references`` (default ``~/.cache/qseg``), one JSON file per
CQM hash, written atomically so that parallel cells never read a torn file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qseg.backends import load_backend
from qseg.errors import InfeasibleModelError, ModelTooLargeError, SolverError
from qseg.problems import Problem

DEFAULT_REFERENCE_BACKEND = "cbc"
# Past this many variables an exact MILP is in the "days or more" class: no reference is tried.
REFERENCE_MAX_VARIABLES = 1_000_000


@dataclass(frozen=True)
class Reference:
    """A reference objective in the minimisation sense (the CQM's), and where it came from."""

    minimised: float
    source: str
    proven: bool


def cache_dir() -> Path:
    """Return qseg's cache folder (``$QSEG_CACHE_DIR`` or ``~/.cache/qseg``)."""
    return Path(os.environ.get("QSEG_CACHE_DIR") or Path.home() / ".cache" / "qseg")


def reference_for(problem: Problem, backend: str = DEFAULT_REFERENCE_BACKEND) -> Reference:
    """Return the problem's reference objective (minimisation sense): its published optimum when
    it has one, else its own proven optimum (``Problem.native_optimum``, e.g. binning's DP), else
    the cached or newly computed exact optimum from ``backend``.

    Raises InfeasibleModelError when the exact solver proves the model infeasible, and
    ModelTooLargeError (the estimate and what would fit, ``reference_refusal``) before building
    a model that cannot fit.
    """
    if problem.best_known is not None:
        return Reference(problem.minimised(float(problem.best_known)), "best-known", True)
    native = problem.native_optimum()
    if native is not None:
        return Reference(problem.minimised(float(native[0])), native[1], True)
    path = _cache_path(problem, backend)
    if path.is_file():
        try:
            cached = json.loads(path.read_text())
            return Reference(float(cached["minimised"]), cached["source"], bool(cached["proven"]))
        except (ValueError, KeyError):
            pass  # a damaged cache entry is recomputed, not trusted
    reference = _solve_exactly(problem, backend)
    _write_atomically(path, {"minimised": reference.minimised, "source": reference.source, "proven": reference.proven})
    return reference


def needs_exact_solve(problem: Problem, backend: str = DEFAULT_REFERENCE_BACKEND) -> bool:
    """Return whether ``reference_for`` would run ``backend`` now: the problem has no published
    or native optimum and no cached reference (the CLI announces that solve, which can take
    long)."""
    if problem.best_known is not None or problem.native_optimum() is not None:
        return False
    return not _cache_path(problem, backend).is_file()


def _cache_path(problem: Problem, backend: str) -> Path:
    return cache_dir() / "references" / f"{problem.name}-{problem.fingerprint()}-{backend}.json"


def reference_refusal(problem: Problem, backend_name: str) -> str:
    """Return why an exact reference by ``backend_name`` is refused before its CQM is built (the
    backend's size, memory and time-class estimate, ``Backend.variables_reason``, with what
    would fit the problem), or "" when it may be attempted."""
    backend = load_backend(backend_name)
    variables = problem.model_size()[0]
    reason = backend.variables_reason(variables, backend.resolve_params({}))
    if not reason and variables > REFERENCE_MAX_VARIABLES:
        reason = (f"an exact reference over {variables:,} variables is past the hours class "
                  f"(limit {REFERENCE_MAX_VARIABLES:,} variables)")
    if not reason:
        return ""
    hint = problem.smaller_model_hint(min(REFERENCE_MAX_VARIABLES, backend.max_variables or REFERENCE_MAX_VARIABLES,
                                          variables // 2))
    return f"reference refused: {reason}" + (f"; {hint}" if hint else "")


def _solve_exactly(problem: Problem, backend_name: str) -> Reference:
    refused = reference_refusal(problem, backend_name)
    if refused:
        raise ModelTooLargeError(backend_name, refused)
    backend = load_backend(backend_name)
    sampleset = backend.solve(problem.cqm())
    status = sampleset.info.get("mip_status")
    if status == "infeasible":
        raise InfeasibleModelError(f"{problem.name} {problem.instance}: {backend_name} proved the model infeasible")
    feasible = sampleset.filter(lambda row: row.is_feasible)
    if not len(feasible):
        raise SolverError(f"{backend_name} found no feasible solution for the reference ({status})")
    return Reference(float(feasible.first.energy), backend_name, bool(sampleset.info.get("proven_optimal")))


def _write_atomically(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(handle, "w") as stream:
        json.dump(payload, stream)
    os.replace(temporary, path)
