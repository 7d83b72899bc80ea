"""Issue 15, the classes the first pass left: full disks (6), output paths (7), malformed bytes
(9), degenerate solver limits (10), messages that point at the wrong thing (12) and unknown
names as LookupErrors (13). Each test names its class."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import dimod
import numpy as np
import pytest
from cli_support import without_progress
from harness_support import knapsack_suite, write_suite

import qseg
from qseg.backends import Backend
from qseg.cli import EXIT_IO_ERROR, main
from qseg.errors import BadInputError, UnknownNameError
from qseg.files import replacing
from qseg.harness.suite import SuiteError, load_suite
from qseg.store.folder import CELLS_FILE, Store, read_records

BINARY = bytes(range(256)) * 4
SUITE = knapsack_suite("io", "random", params={"random": {"num_reads": 1}}, seeds=list(range(1, 9)))


def one_line(err: str) -> str:
    """Return stderr's only line; fail when there are more (or a traceback)."""
    err = without_progress(err)
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


def leftovers(folder: Path) -> list[str]:
    """Return the temporary files and 0-byte outputs under ``folder`` (the lock and the workers'
    log are empty by design)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and
                  (".tmp" in p.name or (p.stat().st_size == 0 and p.name not in (".lock", "workers.log", CELLS_FILE))))


# -- class 6: a full disk ---------------------------------------------------------------------------

def _no_space(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_class_6_a_failed_write_leaves_neither_the_output_nor_the_temporary_file(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(OSError) as raised, replacing(target) as temporary:
        temporary.write_text("half")
        _no_space()
    assert raised.value.errno == errno.ENOSPC and raised.value.filename == str(target)
    assert list(tmp_path.iterdir()) == []
    target.write_text("old")
    with pytest.raises(OSError), replacing(target) as temporary:
        temporary.write_text("new")
        _no_space()
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_class_6_a_cell_that_cannot_be_appended_is_cut_and_named(tmp_path, monkeypatch):
    with Store.open(tmp_path / "store", {"suite": {}}) as store:
        store.append_json({"key": "first"})
        monkeypatch.setattr("qseg.store.folder.os.fsync", _no_space)  # the line is written, the disk refuses it
        with pytest.raises(OSError) as raised:
            store.append_json({"key": "second"})
    assert raised.value.filename == str(tmp_path / "store" / CELLS_FILE)
    assert (tmp_path / "store" / CELLS_FILE).read_text() == '{"key":"first"}\n'  # no torn line left


def test_class_6_a_full_disk_during_report_is_one_line_exit_74_and_no_partial_file(tmp_path, monkeypatch, capsys):
    suite = write_suite(tmp_path / "s.toml", SUITE)
    store = tmp_path / "store"
    assert main(["bench", str(suite), "--out", str(store), "--workers", "1"]) == 0
    capsys.readouterr()

    real_write = Path.write_text

    def half_then_full(self, data, *args, **kwargs):
        if self.name.startswith(".cells"):
            real_write(self, data[:20], *args, **kwargs)
            _no_space()
        return real_write(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", half_then_full)
    assert main(["report", str(store)]) == EXIT_IO_ERROR
    line = one_line(capsys.readouterr().err)
    assert f"path={store / 'cells.csv'}" in line and "[ENOSPC]" in line, line
    assert not (store / "cells.csv").exists() and leftovers(store) == []


def test_class_6_a_full_disk_mid_bench_keeps_the_store_resumable(tmp_path, monkeypatch, capsys):
    suite = write_suite(tmp_path / "s.toml", SUITE)
    store = tmp_path / "store"
    real_fsync, calls = os.fsync, []

    def full_after_three(fd: int) -> None:
        calls.append(fd)
        if len(calls) > 3:
            _no_space()
        real_fsync(fd)

    monkeypatch.setattr("qseg.store.folder.os.fsync", full_after_three)
    assert main(["bench", str(suite), "--out", str(store), "--workers", "1"]) == EXIT_IO_ERROR
    line = one_line(capsys.readouterr().err)
    assert f"path={store / CELLS_FILE}" in line and "--resume" in line, line
    assert len(list(read_records(store))) == 3 and leftovers(store) == []
    monkeypatch.setattr("qseg.store.folder.os.fsync", real_fsync)  # space freed
    assert main(["bench", str(suite), "--out", str(store), "--resume", "--workers", "1"]) == 0
    keys = [record["key"] for record in read_records(store)]
    assert len(keys) == len(set(keys)) == 8


@pytest.fixture
def small_disk(tmp_path: Path):
    """Yield a 64 KiB tmpfs mounted at a fresh folder; skip (with the reason) where mounting is
    not allowed."""
    mount = shutil.which("mount")
    if os.geteuid() != 0 or mount is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    folder = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    folder.mkdir()
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_class_6_a_real_full_disk_is_one_line_and_the_store_resumes(tmp_path, small_disk):
    seeds = list(range(1, 61))  # ~1.5 kB a record: 60 cells overflow 64 KiB
    suite = write_suite(tmp_path / "s.toml", knapsack_suite("disk", "random", params={"random": {"num_reads": 1}},
                                                             seeds=seeds))
    store = small_disk / "store"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    full = subprocess.run([sys.executable, "-m", "qseg", "bench", str(suite), "--out", str(store), "--workers", "1"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert full.returncode == EXIT_IO_ERROR, full.stderr
    line = one_line(full.stderr)
    assert "[ENOSPC]" in line and str(small_disk) in line, line
    kept = list(read_records(store))
    assert 0 < len(kept) < len(seeds) and leftovers(small_disk) == []
    assert (store / CELLS_FILE).read_bytes().endswith(b"\n")
    report = subprocess.run([sys.executable, "-m", "qseg", "report", str(store)], capture_output=True, text=True, env=env)
    assert report.returncode == EXIT_IO_ERROR and "[ENOSPC]" in one_line(report.stderr)
    assert leftovers(small_disk) == []  # no 0-byte cells.csv, report.md or PNG, no temporary file
    subprocess.run(["mount", "-o", "remount,size=4m", str(small_disk)], check=True)
    resumed = subprocess.run([sys.executable, "-m", "qseg", "bench", str(suite), "--out", str(store), "--resume",
                              "--workers", "1"], capture_output=True, text=True, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    keys = [record["key"] for record in read_records(store)]
    assert len(keys) == len(set(keys)) == len(seeds)


# -- class 7: output paths, checked before any work --------------------------------------------------

@pytest.mark.parametrize(("out", "words"), [("missing/m.lp", "does not exist"), ("adir", "is a folder"),
                                            ("taken.txt/m.lp", "is a file")])
def test_class_7_export_refuses_an_unusable_out_before_building(tmp_path, monkeypatch, capsys, out, words):
    (tmp_path / "adir").mkdir()
    (tmp_path / "taken.txt").write_text("keep me")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("qseg.problem", lambda *a, **k: pytest.fail("the model was built"))
    assert main(["export", "--model", "knapsack", "--size", "6", "--format", "lp", "--out", out]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"out={out}" in line and words in line
    assert (tmp_path / "taken.txt").read_text() == "keep me" and list((tmp_path / "adir").iterdir()) == []


@pytest.mark.parametrize("target", ["taken.txt", "taken.txt/analysis"])
def test_class_7_analysis_onto_a_file_is_refused_before_the_solve(tmp_path, monkeypatch, capsys, target):
    (tmp_path / "taken.txt").write_text("keep me")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("qseg.solve", lambda *a, **k: pytest.fail("the solve started"))
    assert main(["solve", "assignment", "--size", "20", "--analysis", target]) == 2
    assert f"analysis={target}" in one_line(capsys.readouterr().err)
    assert (tmp_path / "taken.txt").read_text() == "keep me"


def test_class_7_a_store_under_a_file_is_bad_input_and_a_refused_resume_writes_nothing(tmp_path, capsys):
    suite = write_suite(tmp_path / "s.toml", SUITE)
    (tmp_path / "taken.txt").write_text("keep me")
    assert main(["bench", str(suite), "--out", str(tmp_path / "taken.txt" / "store")]) == 2
    assert "is a file" in one_line(capsys.readouterr().err)
    store = tmp_path / "store"
    store.mkdir()
    (store / "run.json").write_text("{garbled")
    assert main(["bench", str(suite), "--out", str(store), "--resume"]) == 2
    assert sorted(p.name for p in store.iterdir()) == ["run.json"]  # not even a lock file


def test_class_7_export_writes_through_a_temporary_name(tmp_path):
    from qseg.problems.export import export_model

    out = export_model(qseg.problem("knapsack", size=6, seed=1), "cqm", tmp_path / "m.cqm")
    assert [p.name for p in tmp_path.iterdir()] == ["m.cqm"] and out.stat().st_size > 0
    with out.open("rb") as stream:
        assert len(dimod.ConstrainedQuadraticModel.from_file(stream).variables) == 6


# -- class 9: malformed bytes ------------------------------------------------------------------------

PMED = "4 3 2\n1 2 5\n2 3 4\n3 4 3\n"


@pytest.mark.parametrize(("problem", "data"), [("knapsack", "blob.csv"), ("knapsack", "blob.csv#inst"),
                                               ("knapsack", "blob.txt"), ("kmedoids", "pmed9.txt"),
                                               ("kmedoids", "blob.csv"), ("assignment", "blob.csv"),
                                               ("binning", "blob.csv")])
def test_class_9_a_binary_data_file_is_one_line_naming_it(tmp_path, monkeypatch, capsys, problem, data):
    file = tmp_path / data.partition("#")[0]
    file.write_bytes(BINARY)
    monkeypatch.chdir(tmp_path)
    assert main(["solve", problem, "--data", data]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"data={file.name}" in line and "not a text file" in line, line


def test_class_9_a_binary_suite_is_one_line(tmp_path, capsys):
    (tmp_path / "s.toml").write_bytes(b"name = 'x'\n" + BINARY)
    assert main(["bench", str(tmp_path / "s.toml"), "--dry-run"]) == 2
    assert f"suite={tmp_path / 's.toml'}: not a text file" in one_line(capsys.readouterr().err)
    (tmp_path / "u.toml").write_bytes("name = 'caf\u00e9'\n".encode("latin-1"))
    with pytest.raises(BadInputError, match=r"not a UTF-8 text file \(byte 0xe9 at offset 11\)"):
        load_suite(tmp_path / "u.toml")


@pytest.mark.parametrize(("edge", "shown"), [("1 5 3", "j='5'"), ("0 2 3", "i='0'"), ("-1 2 3", "i='-1'"),
                                             ("1.5 2 3", "i='1.5'"), ("1 x 3", "j='x'"), ("1 2 nan", "cost='nan'"),
                                             ("1 2 -4", "cost='-4'")])
def test_class_9_a_pmed_edge_line_names_its_line_and_value(tmp_path, edge, shown):
    path = tmp_path / "pmed9.txt"
    path.write_text(PMED.replace("3 4 3", edge))
    with pytest.raises(BadInputError) as raised:
        qseg.problem("kmedoids", data=str(path))
    assert raised.value.field == "data" and f"line 4: {shown}" in str(raised.value), str(raised.value)


@pytest.mark.parametrize("content", ["not-a-number\n", "", "nan\n", BINARY])
def test_class_9_a_garbage_knapsack_optimum_file_is_named(tmp_path, content):
    (tmp_path / "kp").mkdir()
    (tmp_path / "kp-optimum").mkdir()
    (tmp_path / "kp" / "f1").write_text("3 20\n10 8\n5 9\n5 4\n")
    side = tmp_path / "kp-optimum" / "f1"
    side.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(BadInputError) as raised:
        qseg.problem("knapsack", data=str(tmp_path / "kp" / "f1"))
    assert raised.value.field == "optimum file" and raised.value.value == str(side)


@pytest.mark.parametrize("table", ["instance,optimum\npmed9,lots\n", "instance,best\npmed9,3\n", BINARY])
def test_class_9_a_garbage_pmed_optima_table_is_named(tmp_path, table):
    (tmp_path / "pmed9.txt").write_text(PMED)
    (tmp_path / "OPTIMA.csv").write_bytes(table if isinstance(table, bytes) else table.encode())
    with pytest.raises(BadInputError) as raised:
        qseg.problem("kmedoids", data=str(tmp_path / "pmed9.txt"))
    assert raised.value.field == "optimum file" and "OPTIMA.csv" in str(raised.value)


def test_class_9_a_parser_error_of_several_lines_is_one(tmp_path, capsys):
    path = tmp_path / "points.csv"
    path.write_text("f1,f2\n1,2\n3,4,5,6\n")
    assert main(["solve", "kmedoids", "--data", str(path)]) == 2
    assert "unreadable CSV" in one_line(capsys.readouterr().err)


# -- class 10: degenerate solver limits --------------------------------------------------------------

@pytest.mark.parametrize("backend", ["highs", "cbc"])
@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "-inf"])
def test_class_10_a_time_limit_that_is_no_limit_is_refused(capsys, backend, value):
    assert main(["solve", "knapsack", "--size", "6", "--backend", backend, "--param", f"time_limit={value}"]) == 2
    assert f"param time_limit={value}" in one_line(capsys.readouterr().err)


def test_class_10_no_float_parameter_of_any_backend_takes_nan_or_infinity():
    from qseg.backends.registry import backend_names

    checked = 0
    for name in backend_names():
        try:
            backend = qseg.backend(name)
        except Exception:  # noqa: BLE001 - a backend whose stack is missing has nothing to check here
            continue
        for key, spec in backend.parameters.items():
            if spec.type in (int, float):
                for value in ("nan", "inf", "-inf", float("nan"), float("inf")):
                    with pytest.raises(BadInputError, match=f"param {key}"):
                        spec.coerce(key, value)
                checked += 1
            if spec.type is int:
                with pytest.raises(BadInputError, match=f"param {key}"):  # 2**63 or the declared maximum
                    spec.coerce(key, 10**30)
    assert checked >= 10


class _StopsAtItsLimit(Backend):
    """An exact CQM solver whose time limit runs out before any solution (as HiGHS does on a
    large model with a tiny limit)."""

    name = "stops-early"
    accepts = frozenset({"cqm"})
    exact = True
    parameters = {"time_limit": qseg.backends.Parameter(float, 1.0, "seconds", 0.0, exclusive_minimum=True)}

    def _solve(self, model, params):
        empty = dimod.SampleSet.from_samples((np.empty((0, len(model.variables))), list(model.variables)), "BINARY",
                                             energy=[])
        empty.info.update({"mip_status": "no-solution", "solver_status": "Time limit reached", "proven_optimal": False,
                           "objective": None, "bound": None, "mip_gap": None})
        return empty


def test_class_10_a_limit_hit_before_any_solution_is_a_timeout_not_infeasible():
    record = qseg.solve(qseg.problem("knapsack", size=6, seed=1), _StopsAtItsLimit(), time_limit=0.5)
    assert record.status == "timeout" and "found no solution within time_limit=0.5 s" in record.message


def test_class_10_a_tiny_highs_limit_on_a_feasible_model_never_says_infeasible():
    record = qseg.solve(qseg.problem("kmedoids", size=60, seed=0), "highs", time_limit=1e-3)
    assert record.status in ("timeout", "ok"), (record.status, record.message)


# -- class 12: messages that point at the wrong thing ------------------------------------------------

def test_class_12_a_pisinger_block_with_n_minus_one_names_n_not_size(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("inst\nn -1\nc 20\nz 15\ntime 0.00\n-----\n")
    with pytest.raises(BadInputError) as raised:
        qseg.problem("knapsack", data=f"{path}#inst")
    assert "n='-1'" in str(raised.value) and "size" not in str(raised.value)


def test_class_12_kp01_counts_and_capacities_are_named_as_written(tmp_path):
    path = tmp_path / "f1"
    for text, shown in (("-2 20\n1 1\n", "n='-2'"), ("1 nan\n1 1\n", "c='nan'"), ("1 20\n1 x\n", "w[0]='x'")):
        path.write_text(text)
        with pytest.raises(BadInputError, match=re.escape(shown)):
            qseg.problem("knapsack", data=str(path))


@pytest.mark.parametrize(("instance", "shown"), [('sizes = ["10"]', "sizes='10'"), ('seeds = ["1"]', "seeds='1'"),
                                                 ('data = 3', "data=3")])
def test_class_12_suite_values_show_as_written(tmp_path, instance, shown):
    text = SUITE.replace("sizes = [8]", instance) if "sizes" in instance else \
        SUITE.replace(f"seeds = {list(range(1, 9))}", instance if "seeds" in instance else f"seeds = [1]\n{instance}")
    with pytest.raises(SuiteError, match=shown):
        load_suite(write_suite(tmp_path / "s.toml", text))


def test_class_12_no_profitable_customer_blames_the_instance_unless_the_fraction_was_set():
    with pytest.raises(BadInputError) as raised:
        qseg.problem("knapsack", size=1, seed=2)  # its one customer loses money
    assert raised.value.field == "size" and "generated-n1-s2" in str(raised.value)
    with pytest.raises(BadInputError) as raised:
        qseg.problem("knapsack", size=1, seed=2, budget_fraction=0.3)
    assert raised.value.field == "budget_fraction" and raised.value.value == 0.3


def test_class_12_a_missing_file_is_named_before_the_size_it_would_fix(capsys):
    for problem in ("knapsack", "kmedoids", "binning", "assignment"):
        assert main(["solve", problem, "--data", "no-such-file.csv", "--size", "5"]) == 2
        assert "data=no-such-file.csv" in one_line(capsys.readouterr().err), problem


@pytest.mark.parametrize(("where", "key"), [("top", "formulations"), ("instance", "instances[0].formulations"),
                                            ("backend", "backends[0].formulations")])
def test_class_12_a_bad_formulation_is_blamed_on_the_key_that_holds_it(tmp_path, where, key):
    text = knapsack_suite("f", "sa", params={"sa": {"num_reads": 1}})
    text = text.replace('formulations = ["unbalanced"]\n', "")
    if where == "top":
        text = 'formulations = ["nope"]\n' + text
    elif where == "instance":
        text = text.replace("seeds = [1]", 'seeds = [1]\nformulations = ["nope"]')
    else:
        text += 'formulations = ["nope"]\n'
    with pytest.raises(SuiteError) as raised:
        load_suite(write_suite(tmp_path / "s.toml", text))
    message = str(raised.value)
    assert f": {key}='nope': unknown formulation" in message and message.count("nope") == 1, message


def test_class_12_backend_parameters_are_named_where_the_suite_writes_them(tmp_path):
    text = knapsack_suite("p", "sa", params={"sa": {"num_reads": 0}})
    with pytest.raises(SuiteError, match=r"backends\[0\]\.params\.num_reads=0: must be >= 1"):
        load_suite(write_suite(tmp_path / "s.toml", text))
    text = knapsack_suite("p", "sa", params={"sa": {"reads": 1}})
    with pytest.raises(SuiteError, match=r"backends\[0\]\.params='reads': unknown sa parameter"):
        load_suite(write_suite(tmp_path / "s.toml", text))


def test_class_12_the_reference_is_named_as_the_reference():
    problem = qseg.problem("knapsack", size=6, seed=1)
    with pytest.raises(UnknownNameError) as raised:
        qseg.solve(problem, "sa", reference="nope")
    assert raised.value.field == "reference"
    with pytest.raises(BadInputError, match="reference=sa: the reference backend must be exact"):
        qseg.solve(problem, "sa", reference="sa")


@pytest.mark.parametrize(("kwargs", "field"), [({"eps": float("nan")}, "eps"), ({"eps": -1}, "eps"),
                                               ({"repeat": -1}, "repeat"), ({"repeat": 1.5}, "repeat"),
                                               ({"params": [1]}, "params"), ({"penalties": "kappa=2"}, "penalties")])
def test_class_12_solves_own_arguments_are_checked_before_anything_runs(kwargs, field):
    with pytest.raises(BadInputError) as raised:
        qseg.solve(qseg.problem("knapsack", size=6, seed=1), "sa", **kwargs)
    assert raised.value.field == field


def test_class_12_a_store_holding_json_of_another_kind_says_which(tmp_path, capsys):
    (tmp_path / "run.json").write_text("null")
    assert main(["report", str(tmp_path)]) == 2
    assert "run.json holds null, not an object" in one_line(capsys.readouterr().err)


# -- class 13: unknown names -------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: qseg.solve("nope", "sa"),  # type: ignore[call-overload]
    lambda: qseg.problem("nope"),
    lambda: qseg.backend("nope"),
    lambda: qseg.solve(qseg.problem("knapsack", size=6, seed=1), "nope"),
    lambda: qseg.solve(qseg.problem("knapsack", size=6, seed=1), "sa", formulation="nope"),
    lambda: qseg.solve(qseg.problem("knapsack", size=6, seed=1), "sa", nope=1),
    lambda: qseg.solve_baseline(qseg.problem("knapsack", size=6, seed=1), "nope"),
])
def test_class_13_an_unknown_name_is_bad_input_and_a_lookup_error(call):
    with pytest.raises(LookupError) as raised:
        call()
    assert isinstance(raised.value, UnknownNameError) and isinstance(raised.value, BadInputError)
    assert isinstance(raised.value, ValueError) and raised.value.known and "known:" in str(raised.value)


def test_class_13_the_cli_exit_code_of_an_unknown_name_stays_2(capsys):
    assert main(["solve", "knapsack", "--size", "6", "--backend", "nope"]) == 2
    assert "backend=nope: unknown backend" in one_line(capsys.readouterr().err)
