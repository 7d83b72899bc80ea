"""``qseg compare``: two stores matched cell by cell; changes flagged only when their bootstrap
interval excludes 0; different schemas, suites or scoring settings refused, naming what differs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_type_hints

import numpy as np
import pytest
from cli_support import run, without_progress
from harness_support import knapsack_suite, write_suite

from qseg.errors import BadInputError
from qseg.harness.bench import run_bench
from qseg.harness.suite import load_suite
from qseg.reports.compare import MIN_PAIRS, Bootstrap, CompareRow, cell_identity, change, compare_runs
from qseg.store import StoredCell
from qseg.store.folder import read_records

EXACT = ("exact-bqm", "highs")
SEEDS = list(range(1, MIN_PAIRS + 1))  # just enough instances for an interval
SA = {"sa": {"num_reads": 10, "num_sweeps": 100}}


def suite_text(*backends: str, seeds: list[int] = SEEDS, timeout_s: float = 60) -> str:
    """Return a small knapsack suite scored against the exact optimum."""
    return knapsack_suite("compare", *backends, params=SA, sizes=[8], seeds=seeds, timeout_s=timeout_s, reference="cbc")


@pytest.fixture(scope="module")
def run_a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("run_a")
    suite = write_suite(folder / "suite.toml", suite_text("sa", *EXACT))
    result = run_bench(suite, folder / "store", workers=1)
    assert result.progress is not None and result.progress.statuses == {"ok": result.total}
    return folder / "store"


def copy_store(source: Path, target: Path, edit: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> Path:
    """Copy a store, rewriting every cell record through ``edit`` when given."""
    shutil.copytree(source, target)
    if edit is not None:
        records = [edit(record) for record in read_records(target)]
        (target / "cells.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
    return target


def edit_run(store: Path, **changes: Any) -> None:
    """Rewrite keys of a store's run.json (``settings`` merged)."""
    path = store / "run.json"
    info = json.loads(path.read_text())
    settings = changes.pop("settings", None)
    info.update(changes)
    if settings:
        info["settings"].update(settings)
    path.write_text(json.dumps(info))


def timing_noise(seed: int, factor: Callable[[dict[str, Any]], float] = lambda record: 1.0) -> Callable[[dict], dict]:
    """Return an edit that multiplies each cell's wall time by lognormal noise and ``factor``."""
    rng = np.random.default_rng(seed)

    def edit(record: dict[str, Any]) -> dict[str, Any]:
        record["wall_s"] *= float(np.exp(rng.normal(0.0, 0.1))) * factor(record)
        return record

    return edit


def rows_by_backend(comparison: Any) -> dict[str, CompareRow]:
    return {row["backend"]: row for row in comparison["rows"]}


def test_identical_runs_flag_nothing(run_a, tmp_path):
    comparison = compare_runs(run_a, copy_store(run_a, tmp_path / "b"))
    assert comparison["differences"] == [] and comparison["only_in_a"] == comparison["only_in_b"] == []
    assert comparison["matched"] == comparison["scored"] == len(list(read_records(run_a)))
    assert {row["backend"] for row in comparison["rows"]} == {"sa", *EXACT}
    for row in comparison["rows"]:
        assert row["instances"] == len(SEEDS)
        for stat in (row["gap"], row["feasible"], row["time"]):
            assert stat["change"] == 0 and (stat["low"], stat["high"]) == (0, 0) and not stat["flagged"]


def test_timing_noise_leaves_exact_backends_without_a_significant_change(run_a, tmp_path):
    comparison = compare_runs(run_a, copy_store(run_a, tmp_path / "b", timing_noise(seed=3)))
    rows = rows_by_backend(comparison)
    for backend in EXACT:
        assert rows[backend]["time"]["change"] != 0, "the noise reached the times"
        for stat in (rows[backend]["gap"], rows[backend]["feasible"]):
            assert stat["change"] == 0 and not stat["flagged"]


def test_a_planted_time_and_gap_change_is_flagged_at_that_backend_only(run_a, tmp_path, capsys):
    def planted(record: dict[str, Any]) -> dict[str, Any]:
        if record["backend"] == "sa":
            record["gap"] += 0.05
        return record

    noise = timing_noise(seed=4, factor=lambda record: 3.0 if record["backend"] == "sa" else 1.0)
    run_b = copy_store(run_a, tmp_path / "b", lambda record: planted(noise(record)))
    rows = rows_by_backend(compare_runs(run_a, run_b))
    sa = rows["sa"]
    assert sa["time"]["flagged"] and sa["time"]["ratio_low"] > 1 and sa["time"]["low"] > 0
    assert sa["gap"]["flagged"] and sa["gap"]["low"] > 0 and not sa["feasible"]["flagged"]
    assert not any(rows[backend]["gap"]["flagged"] for backend in EXACT)
    code, out, _ = run(capsys, "compare", str(run_a), str(run_b))
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("| sa |"))
    assert line.endswith("| gap, time |") and "**" in line


def test_fewer_instances_than_min_pairs_give_no_interval_and_no_flag():
    bootstrap = Bootstrap()
    few = change(np.ones(MIN_PAIRS - 1), np.full(MIN_PAIRS - 1, 2.0), np.median, bootstrap)
    assert few["change"] == 1 and few["low"] is None and not few["flagged"]
    enough = change(np.ones(MIN_PAIRS), np.full(MIN_PAIRS, 2.0), np.median, bootstrap)
    assert enough["flagged"] and enough["low"] == enough["high"] == 1
    with pytest.raises(BadInputError, match="resamples"):
        Bootstrap(resamples=0)
    with pytest.raises(BadInputError, match="level"):
        Bootstrap(level=float("nan"))


def test_comparisons_are_reproducible_and_the_bootstrap_is_seeded(run_a, tmp_path):
    run_b = copy_store(run_a, tmp_path / "b", timing_noise(seed=5))
    assert compare_runs(run_a, run_b)["rows"] == compare_runs(run_a, run_b)["rows"]
    rng = np.random.default_rng(0)
    left = rng.normal(10.0, 1.0, 40)
    right = left + 0.5 + rng.normal(0.0, 0.2, 40)
    first, again, other = (change(left, right, np.mean, Bootstrap(seed=seed)) for seed in (0, 0, 1))
    assert first == again and first["low"] != other["low"]
    assert first["low"] < 0.5 < first["high"] and first["flagged"]


def test_different_suites_are_refused_naming_what_differs_and_force_compares_what_matches(run_a, tmp_path, capsys):
    suite = write_suite(tmp_path / "other.toml", suite_text("sa", "exact-bqm", "random", seeds=[*SEEDS, 99]))
    run_b = tmp_path / "store"
    run_bench(suite, run_b, workers=1)
    code, out, err = run(capsys, "compare", str(run_a), str(run_b))
    assert code == 2 and out == ""
    assert without_progress(err).count("\n") == 1 and "different suites" in err
    assert "instances only in B: knapsack n=8 seed=99" in err
    assert "backends only in A: highs" in err and "backends only in B: random" in err
    assert "suite keys that differ: backends[2].name, instances[0].seeds" in err
    shared = len(SEEDS) * 2  # sa and exact-bqm on the seeds in both suites
    assert f"--force to compare the {shared} cells that match" in err

    comparison = compare_runs(run_a, run_b, force=True)
    assert comparison["forced"] and comparison["matched"] == shared
    assert {row["backend"] for row in comparison["rows"]} == {"sa", "exact-bqm"}
    assert len(comparison["only_in_a"]) == len(SEEDS) and all("highs" in cell for cell in comparison["only_in_a"])
    assert any("seed=99" in cell for cell in comparison["only_in_b"])
    code, out, _ = run(capsys, "compare", str(run_a), str(run_b), "--force")
    assert code == 0 and "compared with --force" in out and "## Cells only in B" in out


def test_another_schema_version_is_refused(run_a, tmp_path, capsys):
    run_b = copy_store(run_a, tmp_path / "b")
    edit_run(run_b, schema_version=1)
    code, _, err = run(capsys, "compare", str(run_a), str(run_b))
    assert code == 2 and "schema_version=3 vs 1" in err and "different store schemas" in err
    assert compare_runs(run_a, run_b, force=True)["differences"][0] == "schema_version: 3 vs 1"


def test_a_new_timeout_is_the_same_suite_but_a_new_eps_is_refused(run_a, tmp_path, capsys):
    # the keys do not hold run settings: the suite with another timeout has the stored cells' keys
    stored = load_suite(run_a.parent / "suite.toml")
    retimed = load_suite(write_suite(tmp_path / "retimed.toml", suite_text("sa", *EXACT, timeout_s=30)))
    assert retimed.definition_sha256 == stored.definition_sha256
    assert [cell.key for cell in retimed.cells] == [cell.key for cell in stored.cells]
    run_b = copy_store(run_a, tmp_path / "b")
    edit_run(run_b, settings={"timeout_s": 30.0})
    comparison = compare_runs(run_a, run_b)
    assert comparison["differences"] == ["settings timeout_s: 60.0 -> 30.0"]
    assert comparison["matched"] == len(stored.cells)

    edit_run(run_b, settings={"eps": 0.01})
    code, _, err = run(capsys, "compare", str(run_a), str(run_b))
    assert code == 2 and "settings=eps: 1e-06 -> 0.01" in err


def test_cells_match_on_their_spec_not_their_stored_key(run_a, tmp_path):
    run_b = copy_store(run_a, tmp_path / "b", lambda record: {**record, "key": record["key"][::-1]})
    comparison = compare_runs(run_a, run_b)
    assert comparison["matched"] == len(list(read_records(run_a))) and comparison["only_in_b"] == []
    # a spec of the older flat layout held the run settings: they never split a match
    legacy = {"problem": "knapsack", "size": 8, "seed": 1, "formulation": "unbalanced", "backend": "sa",
              "backend_params": {"num_reads": 10}, "repeat": 0, "reference": "cbc"}
    row = next(read_records(run_a))

    def identity(key: str, spec: dict[str, Any]) -> str:
        return cell_identity(StoredCell.from_json({**row, "key": key, "spec": spec}))[0]

    assert identity("a", {**legacy, "timeout_s": 60, "eps": 1e-6}) == identity("b", {**legacy, "timeout_s": 30, "eps": 1e-6})
    assert identity("a", {**legacy, "timeout_s": 60}) != identity("c", {**legacy, "backend_params": {"num_reads": 20}})


def test_a_status_change_is_listed_and_left_out_of_the_statistics(run_a, tmp_path):
    target = next(record["key"] for record in read_records(run_a) if record["backend"] == "highs")

    def timed_out(record: dict[str, Any]) -> dict[str, Any]:
        return {**record, "status": "timeout", "gap": None} if record["key"] == target else record

    comparison = compare_runs(run_a, copy_store(run_a, tmp_path / "b", timed_out))
    assert [(change["a"], change["b"]) for change in comparison["status_changes"]] == [("ok", "timeout")]
    assert rows_by_backend(comparison)["highs"]["cells"] == len(SEEDS) - 1
    assert comparison["scored"] == comparison["matched"] - 1


@pytest.mark.parametrize("make", ["missing", "empty", "damaged", "file"])
def test_a_missing_or_broken_store_is_bad_input_naming_it(run_a, tmp_path, capsys, make):
    path = tmp_path / "broken"
    expected = {"missing": "no such directory", "empty": "not a qseg store", "damaged": "run.json is damaged",
                "file": "is a file"}[make]
    if make == "empty":
        path.mkdir()
    elif make == "damaged":
        copy_store(run_a, path)
        (path / "run.json").write_text('{"schema_version": 2,')
    elif make == "file":
        path.write_text("not a store")
    code, out, err = run(capsys, "compare", str(run_a), str(path), "--out", str(tmp_path / "out"))
    assert code == 2 and out == ""
    assert without_progress(err).startswith(f"qseg: error: run_b={path}: ") and expected in err
    assert not (tmp_path / "out").exists()


def test_out_writes_the_table_json_and_figure_into_place(run_a, tmp_path, capsys):
    run_b = copy_store(run_a, tmp_path / "b", timing_noise(seed=6))
    out = tmp_path / "results" / "compare"
    code, stdout, _ = run(capsys, "compare", str(run_a), str(run_b), "--out", str(out))
    assert code == 0 and "| backend | formulation |" in stdout
    assert sorted(path.name for path in out.iterdir()) == ["compare.json", "compare.md", "compare.png"]
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "## knapsack" in (out / "compare.md").read_text()
    rows = json.loads((out / "compare.json").read_text())["rows"]
    assert {row["backend"] for row in rows} == {"sa", *EXACT}
    assert all(set(row) == set(get_type_hints(CompareRow)) for row in rows)
    assert [path.name for path in out.parent.iterdir()] == ["compare"], "no temporary folder is left"
    # again into the same folder: replaced, still nothing left beside it
    assert run(capsys, "compare", str(run_a), str(run_b), "--out", str(out))[0] == 0
    assert [path.name for path in out.parent.iterdir()] == ["compare"]


def test_out_onto_an_existing_file_is_bad_input_and_leaves_it_alone(run_a, tmp_path, capsys):
    target = tmp_path / "taken"
    target.write_text("keep me")
    code, out, err = run(capsys, "compare", str(run_a), str(run_a), "--out", str(target))
    assert code == 2 and out == "" and f"out={target}: is a file" in err
    assert target.read_text() == "keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    code, _, err = run(capsys, "compare", str(run_a), str(run_a), "--out", str(target / "below"))
    assert code == 2 and "is a file, not a folder" in err


def _run(load, finished=None):
    return {"path": "x", "suite": "s", "definition_sha256": None, "schema_version": 2, "settings": {},
            "git_revision": None, "utc": None, "cells": 1, "load_average": load, "load_average_finished": finished}


def test_a_differently_loaded_machine_is_named_beside_the_time_changes():
    from qseg.reports.compare import load_note

    assert load_note(_run([1.0, 1.1, 1.0]), _run([1.2, 1.3, 1.1], [1.4, 1.4, 1.2])) is None
    note = load_note(_run([1.0, 1.1, 1.0]), _run([2.0, 2.1, 2.0], [4.0, 3.9, 3.0]))
    assert note is not None and "1.1 in A, 3.9 in B" in note
    assert load_note(_run(None), _run([9.0, 9.0, 9.0])) is None  # unknown: no claim


def test_bench_records_the_load_at_start_and_finish(tmp_path):
    from qseg.harness.bench import run_bench
    from qseg.store.folder import read_run

    suite = write_suite(tmp_path / "s.toml", knapsack_suite("loads", "random"))
    run_bench(suite, tmp_path / "store", workers=1)
    info = read_run(tmp_path / "store")
    assert len(info["load_average"]) == 3 and len(info["finished"]["load_average"]) == 3
