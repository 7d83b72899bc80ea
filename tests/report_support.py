"""A small hand-made store for the report and plot tests: written directly (no solver runs), so
each test knows every cell it reads. It is a schema-2 store (``run.json`` and the cells' specs as
qseg wrote them before schema 3), so every report test also checks that schema 2 still reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RUN = {
    "schema_version": 2,
    "suite": {"path": "tests/hand.toml", "name": "hand", "sha256": "ab" * 32, "text": ""},
    "settings": {"timeout_s": 60.0, "eps": 1e-6}, "cells": 0, "executor": "local", "workers": 1,
    "solver_threads": 1, "backends": {"sa": {"package": "qseg-dwave", "version": "0.1.0", "available": True, "reason": ""}},
    "utc": "2026-01-01T00:00:00+00:00", "git_revision": "0" * 40, "python": "3.11.7",
    "platform": "Linux-test-platform", "machine": "x86_64", "cpu_count": 2, "packages": {"dimod": "0.12.23"},
}

# (problem, instance name, data, size, seed): generated, seed-dataset (two sizes) and library instances.
INSTANCES = [
    ("knapsack", "generated-n16-s1", None, 16, 1),
    ("knapsack", "generated-n50-s1", None, 50, 1),
    ("knapsack", "seed-000", "seed-000", None, 0),
    ("knapsack", "knapPI_1_100_1000_1", "knapPI_1_100_1000_1", None, None),
    ("kmedoids", "seed-000", "seed-000", 50, 0),
    ("kmedoids", "seed-000", "seed-000", 100, 0),
    ("kmedoids", "pmed1", "pmed1.txt", None, None),
]
# (problem, backend, formulation, polished): the series each instance runs.
SERIES = {
    "knapsack": [("knapsack", "sa", "unbalanced", False), ("knapsack", "sa", "slack", False),
                 ("knapsack", "cbc", "cqm", False), ("knapsack", "baseline:greedy", "native", False)],
    "kmedoids": [("kmedoids", "sa", "selection", False), ("kmedoids", "sa", "selection", True),
                 ("kmedoids", "highs", "cqm", False), ("kmedoids", "tabu", "selection", False)],
}


def cell(problem: str, instance: str, data: str | None, size: int | None, seed: int | None, backend: str,
         formulation: str, polished: bool, index: int, **fields: Any) -> dict[str, Any]:
    """Return one stored cell record with plausible values; ``fields`` override any of them."""
    real_size = size or (100 if problem == "knapsack" else 80)
    wall = 0.001 * (index + 1) * (50 if backend in ("sa", "tabu") else 1)
    gap = 0.0 if backend in ("cbc", "highs") or polished else round(0.002 * (index % 4), 6)
    record: dict[str, Any] = {
        "problem": problem, "instance": instance, "formulation": formulation, "backend": backend, "size": real_size,
        "seed": seed, "status": "ok", "sense": "max", "message": None, "num_variables": real_size, "objective": 100.0,
        "reference": 100.0, "reference_source": "cbc", "reference_proven": True, "gap": gap, "feasible": True,
        "feasible_fraction": 1.0, "success_probability": 0.5 if gap == 0 else 0.0, "tts99_s": wall * 4 if gap == 0 else None,
        "wall_s": wall, "timing": {"wall_ns": int(wall * 1e9), "sampling_ns": int(wall * 1e9)}, "polished": polished,
        "physical_qubits": None, "shots": None, "details": {}, "key": f"k{index:04d}",
        # a schema-2 spec (``reference``, not ``reference_backend``): reports read stores of schema 2
        "spec": {"instance": {"problem": problem, "data": data, "size": size, "seed": seed, "params": {}},
                 "formulation": formulation, "backend": backend, "params": {}, "penalties": {}, "polish": polished,
                 "repeat": 0, "reference": "cbc", "sweep": {}, "meta": None, "penalty_tuning": False},
    }
    record.update(fields)
    return record


def records() -> list[dict[str, Any]]:
    """Return the hand-made store's cells: every series on every instance, one `sa / slack`
    cell infeasible, one `tabu` cell timed out, and a skipped `qaoa` cell."""
    out = []
    for problem, instance, data, size, seed in INSTANCES:
        for _, backend, formulation, polished in SERIES[problem]:
            out.append(cell(problem, instance, data, size, seed, backend, formulation, polished, len(out)))
    out[1].update(status="infeasible", feasible=False, gap=None, objective=None, tts99_s=None)
    timeout = next(r for r in out if r["backend"] == "tabu")
    timeout.update(status="timeout", feasible=None, gap=None, objective=None, tts99_s=None,
                   message="cell exceeded timeout_s=60")
    out.append(cell("knapsack", "generated-n16-s1", None, 16, 1, "qaoa", "unbalanced", False, len(out), status="skipped",
                    message="too many variables for qaoa", gap=None, feasible=None, wall_s=None, tts99_s=None))
    return out


def write_store(root: Path, cells: list[dict[str, Any]] | None = None) -> Path:
    """Write a store (run.json, cells.jsonl) at ``root``; return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    cells = records() if cells is None else cells
    (root / "run.json").write_text(json.dumps({**RUN, "cells": len(cells)}))
    (root / "cells.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cells))
    return root
