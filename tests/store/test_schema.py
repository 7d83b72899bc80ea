"""The store's types: a ``StoredCell`` and a ``RunInfo`` survive a trip through their JSON, and
lines and run.json files of schema 2 (``tests/reports/data/schema2_store``, cells of ``results/latest`` as
commit 160f2ec wrote them) read as schema 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qseg.errors import BadInputError, StoreError
from qseg.record import Record, Status
from qseg.store import SCHEMA_VERSION, RunInfo, Store, StoredCell, read_cells, read_run
from qseg.store.folder import CELLS_FILE, RUN_FILE
from qseg.store.spec import CellSpec, InstanceMeta, InstanceSpec

LATEST = Path(__file__).resolve().parents[1] / "reports" / "data" / "schema2_store"  # schema 2, as 160f2ec wrote it


def a_cell(repeat: int = 1, **record_fields: object) -> StoredCell:
    """Return a stored cell whose record and spec use every kind of field (enum, nested, lists);
    cells of different ``repeat`` have different keys."""
    spec = CellSpec(instance=InstanceSpec("knapsack", None, 12, 3, {"budget_fraction": 0.4}), formulation="slack",
                    backend="sa", params={"num_reads": 10, "seed": 77}, penalties={"lam": 2.5}, polish=True, repeat=repeat,
                    reference_backend="highs", sweep={"num_reads": 10}, meta=InstanceMeta("generated-n12-s3", "max", 12),
                    penalty_tuning=True)
    fields: dict[str, object] = dict(
        problem="knapsack", instance="generated-n12-s3", formulation="slack", backend="sa", size=12, seed=3,
        status=Status.INFEASIBLE, sense="max", objective=None, reference=41.5, reference_source="highs",
        reference_proven=True, timing={"wall_ns": 12_345, "build_ns": 7}, params={"num_reads": 10},
        penalties={"lam": 2.5}, polished=True,
        penalty_tuning=[{"factor": 1.0, "scaled": [], "penalties": {"lam": 2.5}, "feasible": False,
                         "feasible_fraction": 0.0, "objective": None, "violated": ["budget"], "wall_ns": 5,
                         "basis_ns": 4, "chosen": True}],
        details={"raw": {"objective": None, "feasible_fraction": 0.0}, "extra": {"beta_range": [0.1, 4.0]},
                 "spend": 3.25})
    fields.update(record_fields)
    return StoredCell(record=Record(**fields, key=spec.key), key=spec.key, spec=spec)  # type: ignore[arg-type]


def test_a_stored_cell_survives_its_json_line():
    cell = a_cell()
    line = json.dumps(cell.to_json())
    back = StoredCell.from_json(json.loads(line))
    assert back == cell
    assert back.record.status is Status.INFEASIBLE and back.spec is not None and back.spec.reference_backend == "highs"
    assert json.loads(line)["spec"]["reference_backend"] == "highs" and "reference" not in json.loads(line)["spec"]


def test_a_stored_cell_through_the_store_reads_back_equal(tmp_path):
    cells = [a_cell(), a_cell(2, status=Status.OK, objective=40.0, gap=0.036)]
    with Store.open(tmp_path / "store", a_run()) as store:
        for cell in cells:
            store.append(cell)
    assert list(read_cells(tmp_path / "store")) == cells


def test_a_line_that_is_no_cell_is_refused_by_name_and_moved_out_by_repair(tmp_path):
    line = a_cell().to_json()
    with pytest.raises(BadInputError, match="status"):
        StoredCell.from_json({**line, "status": "finished"})
    with pytest.raises(BadInputError, match="key"):
        StoredCell.from_json({**line, "key": None})
    missing = {name: value for name, value in line.items() if name != "problem"}
    with pytest.raises(BadInputError, match="problem"):
        StoredCell.from_json(missing)
    root = tmp_path / "store"
    with Store.open(root, a_run()) as store:
        store.append_json({**line, "status": "finished"})
        store.append(a_cell())
    with pytest.raises(StoreError, match="line 1: not a cell: record status=finished: .*--repair"):
        list(read_cells(root))
    assert [cell.record.status for cell in read_cells(root, repair=True)] == [Status.INFEASIBLE]
    (original,) = root.glob(f"{CELLS_FILE}.orig-*")
    assert original.read_text().count("\n") == 2 and (root / CELLS_FILE).read_text().count("\n") == 1


def test_a_schema_2_line_reads_with_its_stored_key():
    # Every line of the committed schema-2 store: the spec reads (``reference`` is the reference
    # backend's schema-2 name) and the cell key recomputed from it is the key stored then.
    lines = [json.loads(line) for line in (LATEST / CELLS_FILE).read_text().splitlines()]
    assert lines and all("reference" in line["spec"] and "reference_backend" not in line["spec"] for line in lines)
    cells = [StoredCell.from_json(line) for line in lines]
    assert all(cell.spec is not None for cell in cells)
    assert [cell.spec.key for cell in cells if cell.spec is not None] == [line["key"] for line in lines]
    backends = {cell.spec.reference_backend for cell in cells if cell.spec is not None}
    assert backends == {line["spec"]["reference"] for line in lines}
    first = cells[0]
    assert first.record.reference == lines[0]["reference"] and first.record.status.value == lines[0]["status"]
    assert first.to_json()["spec"]["reference_backend"] == lines[0]["spec"]["reference"]


def test_record_from_dict_reads_what_to_dict_wrote_and_defaults_what_an_older_row_lacks():
    record = a_cell().record
    assert Record.from_dict(json.loads(json.dumps(record.to_dict()))) == record
    older = {name: value for name, value in record.to_dict().items() if name not in ("penalty_tuning", "reps", "details")}
    assert Record.from_dict({**older, "timing": None}).details == {} and Record.from_dict(older).penalty_tuning is None
    assert Record.from_dict({**older, "timing": None}).timing == {}


def a_run() -> RunInfo:
    """Return a complete run.json payload."""
    return {
        "schema_version": SCHEMA_VERSION,
        "suite": {"path": "s.toml", "name": "s", "sha256": "a" * 64, "definition_sha256": "b" * 64, "text": "name = 's'"},
        "settings": {"timeout_s": 30.0, "eps": 1e-6}, "cells": 2, "executor": "local", "workers": 2,
        "solver_threads": 1, "backends": {"sa": {"package": "qseg-dwave", "version": "0.1", "available": True,
                                                 "reason": None}},
        "utc": "2026-01-01T00:00:00+00:00", "git_revision": "c" * 40, "python": "3.11.9", "platform": "Linux",
        "machine": "x86_64", "cpu_count": 2, "load_average": [0.5, 0.25, 0.125], "packages": {"dimod": "0.12.20"},
        "resumed": [], "finished": None, "cell_keys": None,
    }


def test_run_info_survives_run_json_and_its_notes(tmp_path):
    root = tmp_path / "store"
    with Store.open(root, a_run()) as store:
        assert read_run(root) == a_run()
        store.note_resumed({**a_run(), "settings": {"timeout_s": 60.0, "eps": 1e-6}, "git_revision": "d" * 40})
        store.note_finished()
    stored = read_run(root)
    assert stored["settings"] == {"timeout_s": 60.0, "eps": 1e-6}
    assert [(entry["settings"], entry["git_revision"]) for entry in stored["resumed"]] == [
        ({"timeout_s": 60.0, "eps": 1e-6}, "d" * 40)]
    assert stored["finished"] is not None and stored["finished"]["utc"] is not None
    assert {**stored, "settings": a_run()["settings"], "resumed": [], "finished": None} == a_run()


def test_a_schema_2_run_json_reads_as_run_info():
    raw = json.loads((LATEST / RUN_FILE).read_text())
    info = read_run(LATEST)
    assert raw["schema_version"] == 2 and info["schema_version"] == 2
    assert info["suite"]["definition_sha256"] == raw["suite"]["definition_sha256"] and info["settings"] == raw["settings"]
    assert info["backends"]["sa"]["available"] == raw["backends"]["sa"]["available"]
    assert info["git_revision"] == raw["git_revision"] and info["cells"] == raw["cells"]
    assert info["resumed"] == [] and (info["finished"] is None) == ("finished" not in raw)


def test_a_partial_run_json_reads_with_nothing_invented(tmp_path):
    (tmp_path / RUN_FILE).write_text(json.dumps({"schema_version": 2, "suite": "not a table", "backends": [1]}))
    info = read_run(tmp_path)
    assert info["suite"] == {"path": None, "name": None, "sha256": None, "definition_sha256": None, "text": ""}
    assert info["backends"] == {} and info["git_revision"] is None and info["finished"] is None
