"""A store line that is no cell of its suite (issue 23): ``report``, ``compare`` and ``bench
--resume`` refuse the store naming the file and the line; ``--repair`` moves such lines out,
keeping the original, so a cell stored twice or another suite's cell is never pooled."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pandas as pd
import pytest
from cli_support import without_progress
from fuzz_bad_inputs import suite
from fuzz_damaged_json import bad_store_lines
from report_support import RUN, records

from qseg.cli import main
from qseg.errors import StoreError
from qseg.store import read_cells, read_run, repair_cells, scan_cells
from qseg.store.folder import CELLS_FILE, LOCK_FILE


def hand_store(root: Path, extra: list[bytes]) -> tuple[Path, list[dict]]:
    """Write a hand-made store whose run.json lists its cells' keys, ``extra`` lines after the
    second cell; return its root and its good cells."""
    cells = records()[:5]
    root.mkdir(parents=True)
    (root / "run.json").write_text(json.dumps({**RUN, "cells": len(cells), "cell_keys": [c["key"] for c in cells]}))
    lines = [json.dumps(cell).encode() + b"\n" for cell in cells]
    lines[2:2] = [line + b"\n" for line in extra]
    (root / CELLS_FILE).write_bytes(b"".join(lines))
    return root, cells


def test_every_kind_of_bad_line_is_named_with_its_line_number(tmp_path):
    for index, (what, line) in enumerate(bad_store_lines()):
        root, cells = hand_store(tmp_path / f"s{index}", [line])
        scan = scan_cells(root, read_run(root)["cell_keys"])
        assert [bad.number for bad in scan.bad] == [3], what
        assert len(scan.cells) == len(cells), what


def test_a_cell_stored_twice_and_a_foreign_cell_refuse_the_report(tmp_path, capsys):
    _, cells = hand_store(tmp_path / "probe", [])
    foreign = {**cells[0], "key": "f" * 20, "spec": {**cells[0]["spec"], "instance": {**cells[0]["spec"]["instance"],
                                                                                     "seed": 999}}}
    root, _ = hand_store(tmp_path / "store", [json.dumps(cells[0]).encode(), json.dumps(foreign).encode()])
    before = (root / CELLS_FILE).read_bytes()
    assert main(["report", str(root)]) == 2
    err = without_progress(capsys.readouterr().err)
    assert err.count("\n") == 1 and f"store={root / CELLS_FILE}: line 3: repeats the cell {cells[0]['key']} of line 1" in err
    assert "(and 1 more bad lines)" in err and "--repair" in err
    assert (root / CELLS_FILE).read_bytes() == before and not (root / "report.md").exists()


def test_report_repair_moves_the_bad_lines_out_and_counts_each_cell_once(tmp_path, capsys):
    _, cells = hand_store(tmp_path / "probe", [])
    bad = [json.dumps(cells[1]).encode(), b"null", b"42", b'{"key": "\xff"}', json.dumps({**cells[0], "gap": "0.5"}).encode()]
    root, _ = hand_store(tmp_path / "store", bad)
    before = (root / CELLS_FILE).read_bytes()
    assert main(["report", str(root), "--repair"]) == 0
    err = without_progress(capsys.readouterr().err)
    assert "moved out 5 bad line(s) (first: line 3: repeats the cell" in err
    (original,) = root.glob(f"{CELLS_FILE}.orig-*")
    assert original.read_bytes() == before
    assert (root / CELLS_FILE).read_bytes() == b"".join(json.dumps(cell).encode() + b"\n" for cell in cells)
    assert len(pd.read_csv(root / "cells.csv")) == len(cells)
    # repaired once: a second --repair finds nothing and writes nothing
    assert "nothing to repair" in repair_cells(root).describe() and len(list(root.glob(f"{CELLS_FILE}.orig-*"))) == 1


def test_compare_refuses_a_damaged_store_and_repair_lets_it_run(tmp_path, capsys):
    a, _ = hand_store(tmp_path / "a", [])
    b, _ = hand_store(tmp_path / "b", [b"[1, 2]"])
    assert main(["compare", str(a), str(b)]) == 2
    assert f"store={b / CELLS_FILE}: line 3: holds an array" in capsys.readouterr().err
    assert main(["compare", str(a), str(b), "--repair"]) == 0
    assert len(list(b.glob(f"{CELLS_FILE}.orig-*"))) == 1 and not list(a.glob(f"{CELLS_FILE}.orig-*"))


def test_a_torn_last_line_is_no_damage(tmp_path):
    root, cells = hand_store(tmp_path / "store", [])
    with open(root / CELLS_FILE, "ab") as stream:
        stream.write(json.dumps(cells[0]).encode()[:50])
    assert len(list(read_cells(root))) == len(cells)


def test_repair_waits_for_no_writer(tmp_path):
    root, _ = hand_store(tmp_path / "store", [b"null"])
    with open(root / LOCK_FILE, "a+") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX)
        with pytest.raises(StoreError, match="a qseg bench is writing"):
            repair_cells(root)
    assert repair_cells(root).moved[0].number == 3


def test_bench_resume_refuses_a_bad_line_and_repair_resumes(tmp_path, capsys):
    (tmp_path / "s.toml").write_text(suite("", instances='problem = "knapsack"\nsizes = [6]\nseeds = [1, 2]'))
    store = tmp_path / "store"
    argv = ["bench", str(tmp_path / "s.toml"), "--out", str(store), "--workers", "1"]
    assert main(argv) == 0
    keys = read_run(store)["cell_keys"]
    assert keys is not None and len(keys) == 2  # run.json lists the suite's cells: a foreign line is told apart
    lines = (store / CELLS_FILE).read_bytes().splitlines(keepends=True)
    damaged = lines[0] + b"null\n" + lines[0] + b"7\n"  # the second cell lost, a duplicate and two non-cells
    (store / CELLS_FILE).write_bytes(damaged)
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 2
    assert "line 2: holds null, not a cell" in capsys.readouterr().err
    assert (store / CELLS_FILE).read_bytes() == damaged
    assert main([*argv, "--resume", "--repair"]) == 0
    out, err = capsys.readouterr()
    assert "moved out 3 bad line(s)" in err and "2 cells (1 already stored)" in out
    assert sorted(cell.key for cell in read_cells(store)) == sorted(keys)
    (original,) = store.glob(f"{CELLS_FILE}.orig-*")
    assert original.read_bytes() == damaged
