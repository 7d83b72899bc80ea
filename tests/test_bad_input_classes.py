"""Defect classes from the hostile-input review (issue 15) that the typed harness fixes: each
test names its class and tries the example plus cases of its own."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import without_progress
from harness_support import bench, install_fault_plugins, knapsack_suite, write_suite

import qseg
from qseg.cli import main
from qseg.errors import BadInputError
from qseg.store.folder import Store, read_records


@pytest.mark.parametrize(("field", "kwargs"), [
    ("seed", {"seed": -1}), ("seed", {"seed": 1.5}), ("seed", {"seed": True}), ("seed", {"seed": "3"}),
    ("size", {"size": 0}), ("size", {"size": True}), ("size", {"size": 2.5}), ("seed", {"seed": 2**64}),
])
def test_class_5_seeds_and_sizes_that_numpy_would_choke_on_are_bad_input(field, kwargs):
    with pytest.raises(BadInputError) as raised:
        qseg.problem("knapsack", **{"size": 10, **kwargs})
    assert raised.value.field == field


def test_class_5_a_negative_seed_on_the_command_line_is_exit_2_with_one_line(capsys):
    assert main(["solve", "knapsack", "--size", "10", "--seed", "-1"]) == 2
    err = without_progress(capsys.readouterr().err)
    assert err.count("\n") == 1 and "seed=-1" in err


@pytest.mark.parametrize("problem", [None, "knapsack", 3])
def test_class_13_solve_names_a_problem_that_is_not_one(problem):
    with pytest.raises(BadInputError, match="expected a qseg Problem"):
        qseg.solve(problem, "sa")  # type: ignore[call-overload]


SUITE = knapsack_suite("classes", "random", params={"random": {"num_reads": 1}}, seeds=[1, 2])


def test_class_2_cells_without_a_run_json_are_never_adopted(tmp_path, capsys):
    suite = write_suite(tmp_path / "s.toml", SUITE)
    store = tmp_path / "store"
    store.mkdir()
    (store / "cells.jsonl").write_text('{"key": "from-another-suite"}\n')
    for extra in ([], ["--resume"]):
        assert main(["bench", str(suite), "--out", str(store), *extra]) == 2
        assert "no run.json" in capsys.readouterr().err
    assert (store / "cells.jsonl").read_text() == '{"key": "from-another-suite"}\n'  # nothing lost
    assert main(["bench", str(suite), "--out", str(store), "--overwrite"]) == 0
    assert len(list(read_records(store))) == 2


def test_class_7_an_out_path_that_is_a_file_is_refused(tmp_path, capsys):
    suite = write_suite(tmp_path / "s.toml", SUITE)
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    assert main(["bench", str(suite), "--out", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err and target.read_text() == "keep me"


def test_class_11_a_suite_that_expands_to_no_cell_is_refused_before_a_store_exists(tmp_path, capsys):
    text = SUITE.replace('name = "random"', 'name = "random"\ntags = ["small"]')  # no instance is tagged
    suite = write_suite(tmp_path / "s.toml", text)
    assert main(["bench", str(suite), "--out", str(tmp_path / "store")]) == 2
    assert "expands to no cell" in capsys.readouterr().err and not (tmp_path / "store").exists()


def test_class_14_a_bench_in_which_every_cell_errored_exits_1_with_a_summary(tmp_path):
    env = install_fault_plugins(tmp_path / "site")
    suite = write_suite(tmp_path / "s.toml", knapsack_suite("errors", "fault-raise", seeds=[1, 2]))
    done = bench([str(suite), "--out", str(tmp_path / "store"), "--workers", "1"], env, tmp_path)
    assert done.returncode == 1, done.stderr
    assert "no cell of the 2 run produced a result (error 2)" in done.stderr
    assert len(list(read_records(tmp_path / "store"))) == 2  # the records are kept all the same


def test_class_1_the_store_writes_strict_json(tmp_path):
    with Store.open(tmp_path / "store", {"suite": {}, "settings": {"eps": 1e-6}}) as store:
        store.append_json({"key": "k", "objective": float("nan"), "details": {"ratio": float("inf"), "list": [float("-inf")]}})
    line = (tmp_path / "store" / "cells.jsonl").read_text()

    def refuse(constant: str) -> None:
        raise AssertionError(f"non-strict JSON constant {constant}")

    record = json.loads(line, parse_constant=refuse)
    assert record["objective"] is None and record["details"] == {"ratio": None, "list": [None]}


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_class_1_max_qpu_s_that_would_switch_the_guard_off_is_refused(tmp_path, capsys, value):
    suite = write_suite(tmp_path / "s.toml", SUITE)
    assert main(["bench", str(suite), "--out", str(tmp_path / "store"), "--max-qpu-s", value]) == 2
    assert "--max-qpu-s" in capsys.readouterr().err and not (tmp_path / "store").exists()


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", "", "\x00\x01\x02"])
def test_class_4_a_damaged_run_json_is_exit_2_and_one_line(tmp_path, capsys, content):
    store = tmp_path / "store"
    store.mkdir()
    (store / "run.json").write_text(content)
    (store / "cells.jsonl").write_text("")
    assert main(["report", str(store)]) == 2
    err = without_progress(capsys.readouterr().err)
    assert err.count("\n") == 1 and "run.json" in err, err


def _workers(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"qseg.harness.worker" in (entry / "cmdline").read_bytes() and \
                        mark.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_class_8_ctrl_c_leaves_one_line_a_valid_store_and_no_worker(tmp_path, wait_until):
    env = install_fault_plugins(tmp_path / "site")
    suite = write_suite(tmp_path / "s.toml", knapsack_suite("slow", "fault-slow", params={"fault-slow": {"sleep_s": 2.0}},
                                                            seeds=[1, 2, 3, 4]))
    store = tmp_path / "store"
    # A child inherits an ignored SIGINT (as a shell's background job does, on purpose). In the full
    # run this bench once exited 0 after the signal, as if it had inherited one from the test
    # process; qseg itself never ignores SIGINT. Give it the disposition a terminal's Ctrl-C meets.
    process = subprocess.Popen([sys.executable, "-m", "qseg", "bench", str(suite), "--out", str(store), "--workers", "2"],
                               env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    wait_until(lambda: len(_workers(env["PYTHONPATH"])) >= 2, "two workers started")
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130 and err.count("\n") == 1 and "interrupted" in err, err
    wait_until(lambda: _workers(env["PYTHONPATH"]) == [], "no worker left after Ctrl-C")
    resumed = bench([str(suite), "--out", str(store), "--resume", "--workers", "2"], env, tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert len(list(read_records(store))) == 4


GIB = 2**30


@pytest.mark.parametrize(("name", "size"), [("knapsack", 100_000_000), ("assignment", 2_000_000), ("kmedoids", 5_000_000)])
def test_class_3_an_instance_too_large_for_memory_is_refused_with_its_estimate(monkeypatch, name, size):
    monkeypatch.setattr("qseg.problems.base.available_memory", lambda: 16 * GIB)
    # Refused before anything is built: the problem's builder is never called.
    monkeypatch.setattr(f"qseg.problems.{name}.{name}_from_spec", lambda **fields: pytest.fail(f"built a {name}"))
    with pytest.raises(BadInputError, match=r"needs ~[\d.]+ GiB, over 0.5 of the 16.0 GiB available") as raised:
        qseg.problem(name, size=size, seed=1)
    assert raised.value.field == "size"


def test_class_3_the_same_sizes_pass_on_a_larger_machine_and_smaller_ones_here(monkeypatch):
    monkeypatch.setattr("qseg.problems.base.available_memory", lambda: 16 * GIB)
    assert qseg.problem("knapsack", size=1000, seed=1).size == 1000
    monkeypatch.setattr("qseg.problems.base.available_memory", lambda: None)  # unknown: nothing refused
    assert qseg.problem("kmedoids", size=50, seed=1).size == 50


def test_class_3_a_facility_location_cqm_too_large_skips_the_exact_cell(monkeypatch):
    monkeypatch.setattr("qseg.problems.kmedoids.problem.available_memory", lambda: 1 * GIB)
    problem = qseg.problem("kmedoids", size=1500, seed=1, candidates="all")  # distances fit; 2.25 M z do not
    record = qseg.solve(problem, "highs")
    assert record.status == "skipped"
    assert "CQM over 1,500 candidates and 1,500 customers needs ~2.3 GiB" in record.message


def test_class_3_the_command_line_refusal_is_one_line_exit_2(capsys):
    assert main(["solve", "knapsack", "--size", "100000000000"]) == 2
    err = without_progress(capsys.readouterr().err)
    assert err.count("\n") == 1 and "size=100000000000" in err and "GiB" in err


@pytest.mark.parametrize("k", [True, False, float("nan"), float("inf"), 2.5, "four"])
def test_class_13_k_must_be_a_whole_number_not_a_bool(k):
    with pytest.raises(BadInputError) as raised:
        qseg.problem("kmedoids", size=20, seed=1, k=k)
    assert raised.value.field == "k"
