"""Resuming a store: run settings that do not change results (timeout) keep the finished cells;
settings that do (eps), another suite or another schema are refused, naming what differs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qseg.cli import main
from qseg.harness.bench import run_bench
from qseg.store.folder import RUN_FILE, StoreError, read_records, read_run

SUITE = """
name = "resume"
timeout_s = 60
reference = "none"

[[instances]]
problem = "knapsack"
sizes = [8]
seeds = [1, 2]

[[backends]]
name = "random"
params = { num_reads = 2 }
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


@pytest.fixture
def finished(tmp_path: Path) -> tuple[Path, Path]:
    suite, store = _write(tmp_path, SUITE), tmp_path / "store"
    result = run_bench(suite, store, workers=1)
    assert result.progress is not None and result.progress.done == 2
    return suite, store


def test_a_new_timeout_keeps_every_finished_cell(tmp_path, finished):
    suite, store = finished
    keys = [r["key"] for r in read_records(store)]
    _write(tmp_path, SUITE.replace("timeout_s = 60", "timeout_s = 5"))
    result = run_bench(suite, store, workers=1, resume=True)
    assert result.already == 2 and result.progress is None
    assert [r["key"] for r in read_records(store)] == keys


def test_adding_an_instance_makes_another_suite(tmp_path, finished):
    suite, store = finished
    _write(tmp_path, SUITE.replace("timeout_s = 60", "timeout_s = 5").replace("seeds = [1, 2]", "seeds = [1, 2]\n\n"
           "[[instances]]\nproblem = \"knapsack\"\nsizes = [9]\nseeds = [1]"))
    with pytest.raises(StoreError, match="different suite"):  # adding an instance makes another suite
        run_bench(suite, store, workers=1, resume=True)


def test_a_new_eps_is_refused_naming_it(tmp_path, finished, capsys):
    suite, store = finished
    _write(tmp_path, SUITE.replace("timeout_s = 60", "timeout_s = 60\neps = 0.01"))
    code = main(["bench", str(suite), "--out", str(store), "--resume"])
    err = capsys.readouterr().err
    assert code == 2 and "eps: 1e-06 -> 0.01" in err and len(err.strip().splitlines()) == 1, err
    assert len(list(read_records(store))) == 2


def test_a_store_of_another_schema_is_refused(finished):
    suite, store = finished
    run = read_run(store)
    (store / RUN_FILE).write_text(json.dumps({**run, "schema_version": 1}))
    with pytest.raises(StoreError, match="schema_version"):
        run_bench(suite, store, workers=1, resume=True)


def test_the_run_settings_are_recorded_once_in_run_json(tmp_path, finished):
    suite, store = finished
    run = read_run(store)
    assert run["settings"] == {"timeout_s": 60.0, "eps": 1e-06}
    record = next(iter(read_records(store)))
    assert "timeout_s" not in record["spec"] and "eps" not in record["spec"]
    assert record["spec"]["params"]["num_reads"] == 2 and "seed" in record["spec"]["params"]
    _write(tmp_path, SUITE.replace("timeout_s = 60", "timeout_s = 7"))
    (store / "cells.jsonl").write_text("".join(line for line in (store / "cells.jsonl").read_text().splitlines(True)[:1]))
    run_bench(suite, store, workers=1, resume=True)
    resumed = read_run(store)
    assert resumed["settings"]["timeout_s"] == 7.0 and resumed["resumed"][0]["settings"]["timeout_s"] == 7.0
    assert len(list(read_records(store))) == 2
