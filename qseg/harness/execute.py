"""Run one cell spec (as the suite expands it) to a stored record: never raises."""

from __future__ import annotations

import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from qseg.errors import BadInputError, InfeasibleModelError, QsegError
from qseg.harness.record import Record
from qseg.harness.suite import NO_REFERENCE


def skeleton_record(spec: dict[str, Any], status: str, message: str) -> dict[str, Any]:
    """Return the stored record of a cell that produced no result of its own (timeout, crash)."""
    meta = spec.get("meta", {})
    record = Record(
        problem=spec["problem"], instance=meta.get("instance", spec.get("data") or ""),
        formulation=spec["formulation"], backend=spec["backend"], size=meta.get("size", spec.get("size") or 0),
        seed=spec.get("seed"), status=status, sense=meta.get("sense", ""), message=message,
        params=dict(spec.get("backend_params", {})),
    )
    return finish(record.to_dict(), spec)


def finish(record: dict[str, Any], spec: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    """Return ``record`` with its cell key and spec attached, as the store keeps it."""
    record["key"] = key or spec.get("key")
    record["spec"] = {k: v for k, v in spec.items() if k != "key"}
    return record


def execute(spec: dict[str, Any], samples_dir: Path | None = None) -> dict[str, Any]:
    """Build, solve and evaluate one cell; return its stored record. Errors become records."""
    import qseg

    started = time.perf_counter()
    reference: bool | str = False if spec["reference"] == NO_REFERENCE else spec["reference"]
    try:
        problem = qseg.problem(spec["problem"], size=spec["size"], seed=spec["seed"], data=spec["data"],
                               **spec["problem_params"])
        if spec["backend"].startswith("baseline:"):
            record = qseg.solve_baseline(problem, spec["backend"].split(":", 1)[1], reference=reference, eps=spec["eps"])
        else:
            sampleset_sink: list = []
            record = _solve_keeping(problem, spec, reference, sampleset_sink if samples_dir else None)
            if samples_dir and sampleset_sink:
                _save_samples(samples_dir / f"{spec['key']}.npz", sampleset_sink[0])
        return finish(record.to_dict(), spec)
    except InfeasibleModelError as exc:
        return skeleton_record(spec, "infeasible", str(exc))
    except (BadInputError, QsegError) as exc:
        return skeleton_record(spec, "error", f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001 - a cell must end in a record whatever the backend does
        tail = traceback.format_exc(limit=-3).strip().splitlines()[-1]
        return skeleton_record(spec, "error", f"{type(exc).__name__}: {exc} [{tail}] after {time.perf_counter() - started:.1f} s")


def _solve_keeping(problem: Any, spec: dict[str, Any], reference: bool | str, sink: list | None) -> Record:
    import qseg

    backend = qseg.backend(spec["backend"])
    if sink is not None:
        original = backend.solve

        def keeping(model: Any, **params: Any) -> Any:
            sampleset = original(model, **params)
            sink.append(sampleset)
            return sampleset

        backend.solve = keeping  # type: ignore[method-assign]
    return qseg.solve(
        problem, backend, formulation=spec["formulation"], reference=reference,
        penalties=spec["penalties"] or None, eps=spec["eps"], repeat=spec["repeat"], polish=spec.get("polish", False),
        **spec["backend_params"],
    )


def _save_samples(path: Path, sampleset: Any) -> None:
    np.savez_compressed(
        path,
        states=sampleset.record.sample.astype(np.int8),
        energy=sampleset.record.energy,
        num_occurrences=sampleset.record.num_occurrences,
        variables=np.array([str(v) for v in sampleset.variables]),
    )
