"""Stores of schema 2 (a third of the cells of ``results/latest`` as commit 160f2ec wrote it, kept in
``tests/reports/data/schema2_store``, and a small hand-made one) still read:
``qseg report`` writes their report and ``qseg compare`` compares them, with each other and with a
store of schema 3 that holds the same cells."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_support import run
from report_support import write_store

from qseg.reports.compare import compare_runs
from qseg.reports.frame import BACKEND, FAMILY, load_frame
from qseg.store import SCHEMA_VERSION, StoredCell, read_records

SCHEMA_2 = Path(__file__).resolve().parent / "data" / "schema2_store"


@pytest.fixture(scope="module")
def latest_copy(tmp_path_factory) -> Path:
    """A copy of the kept schema-2 store (its cells and run.json)."""
    root = tmp_path_factory.mktemp("latest") / "store"
    root.mkdir()
    for name in ("run.json", "cells.jsonl"):
        shutil.copy(SCHEMA_2 / name, root / name)
    return root


def as_schema_3(source: Path, target: Path) -> Path:
    """Write ``source``'s cells and run.json again as this qseg writes them (schema 3)."""
    target.mkdir(parents=True)
    lines = [StoredCell.from_json(line).to_json() for line in read_records(source)]
    (target / "cells.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    run_info = json.loads((source / "run.json").read_text())
    (target / "run.json").write_text(json.dumps({**run_info, "schema_version": SCHEMA_VERSION}))
    return target


def test_report_reads_a_schema_2_store(latest_copy, capsys):
    code, _, err = run(capsys, "report", str(latest_copy))
    assert code == 0, err
    report = (latest_copy / "report.md").read_text()
    cells = load_frame(latest_copy)
    assert len(cells) == sum(1 for _ in read_records(latest_copy)) > 0
    assert "sa+polish" in set(cells[BACKEND]) and {"seed", "generated", "library"} <= set(cells[FAMILY])
    assert "by instance family" in report and "| sa+polish |" in report
    assert "solver" not in cells.columns  # one word for the series' backend column


def test_compare_matches_a_schema_2_store_with_itself_and_with_its_schema_3_copy(latest_copy, tmp_path):
    same = compare_runs(latest_copy, latest_copy)
    distinct = len({StoredCell.from_json(line).identity for line in read_records(latest_copy)})
    assert same["matched"] == distinct and same["differences"] == [] and same["only_in_a"] == []
    newer = as_schema_3(latest_copy, tmp_path / "v3")
    assert all("reference_backend" in line["spec"] for line in read_records(newer))
    across = compare_runs(latest_copy, newer)  # not refused: schemas 2 and 3 match cell by cell
    assert across["matched"] == distinct and across["differences"] == [f"schema_version: 2 vs {SCHEMA_VERSION}"]
    assert [row["gap"]["change"] for row in across["rows"] if row["gap"]["change"] is not None] == \
        [0.0] * sum(row["gap"]["change"] is not None for row in across["rows"])


def test_a_small_hand_made_schema_2_store_reports_and_compares(tmp_path, capsys):
    store = write_store(tmp_path / "hand")  # report_support writes schema-2 run.json and specs
    assert json.loads((store / "run.json").read_text())["schema_version"] == 2
    code, _, err = run(capsys, "report", str(store))
    assert code == 0, err
    assert {"library", "seed", "generated"} <= set(load_frame(store)[FAMILY])
    comparison = compare_runs(store, as_schema_3(store, tmp_path / "hand3"))
    assert comparison["matched"] == len(load_frame(store)) and comparison["only_in_b"] == []
