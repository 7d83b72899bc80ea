"""The runner survives hung, raising and dying backends; the store survives kills."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from harness_support import bench, install_fault_plugins, knapsack_suite, write_suite

from qseg.reports.frame import load_frame
from qseg.store.folder import read_records


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return install_fault_plugins(tmp_path / "site")


def _worker_processes(env: dict[str, str]) -> list[int]:
    """Return the pids of qseg workers started with ``env`` (its PYTHONPATH names this test's
    temporary folder), so that workers of other test runs on the machine do not count."""
    mark = f"PYTHONPATH={env['PYTHONPATH']}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if b"qseg.harness.worker" in cmdline and mark in environ.split(b"\0"):
                found.append(int(entry.name))
    return found


def test_a_hung_cell_ends_at_its_timeout_and_the_suite_goes_on(tmp_path, env):
    # 10 s, not less: each cell's clock includes a fresh worker's start-up, seconds on a loaded machine.
    suite = write_suite(tmp_path / "s.toml", knapsack_suite("faults", "fault-sleep", "sa", timeout_s=10, seeds=[1]))
    result = bench([str(suite), "--out", str(tmp_path / "store"), "--workers", "1"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    # The backend sleeps 60 s: had the runner waited for it, the cell would be "ok", not "timeout".
    records = {r["backend"]: r for r in read_records(tmp_path / "store")}
    assert {backend: r["status"] for backend, r in records.items()} == {"fault-sleep": "timeout", "sa": "ok"}
    assert "timeout_s=10" in records["fault-sleep"]["message"]


def test_a_raising_backend_is_an_error_record_with_the_message(tmp_path, env):
    suite = write_suite(tmp_path / "s.toml", knapsack_suite("faults", "fault-raise", "sa", timeout_s=30, seeds=[1]))
    result = bench([str(suite), "--out", str(tmp_path / "store"), "--workers", "1"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    records = {r["backend"]: r for r in read_records(tmp_path / "store")}
    assert records["fault-raise"]["status"] == "error"
    assert "injected solver failure" in records["fault-raise"]["message"]
    assert records["sa"]["status"] == "ok"


def test_a_worker_that_dies_mid_cell_is_replaced(tmp_path, env):
    suite = write_suite(tmp_path / "s.toml", knapsack_suite("faults", "fault-exit", "sa", timeout_s=30, seeds=[1, 2]))
    result = bench([str(suite), "--out", str(tmp_path / "store"), "--workers", "1"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    records = list(read_records(tmp_path / "store"))
    assert len(records) == 4
    for record in records:
        if record["backend"] == "fault-exit":
            assert record["status"] == "error" and "exit code 3" in record["message"]
        else:
            assert record["status"] == "ok"


def test_kill_9_then_resume_loses_and_duplicates_nothing(tmp_path, env, wait_until):
    body = knapsack_suite("faults", "fault-slow", "sa", timeout_s=30, seeds=[1, 2, 3, 4, 5, 6])
    suite = write_suite(tmp_path / "s.toml", body)
    store = tmp_path / "store"
    process = subprocess.Popen([sys.executable, "-m", "qseg", "bench", str(suite), "--out", str(store),
                                "--workers", "2"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    wait_until(lambda: (store / "cells.jsonl").exists() and len(list(read_records(store))) >= 3, "3 cells stored")
    process.send_signal(signal.SIGKILL)
    process.wait()
    partial = len(list(read_records(store)))
    assert 3 <= partial < 12, partial
    # Workers notice their parent's death (PR_SET_PDEATHSIG) and end their process group.
    wait_until(lambda: _worker_processes(env) == [], "no orphaned worker after kill -9")

    refused = bench([str(suite), "--out", str(store)], env, tmp_path)
    assert refused.returncode == 2 and "--resume" in refused.stderr

    resumed = bench([str(suite), "--out", str(store), "--resume"], env, tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    keys = [r["key"] for r in read_records(store)]
    assert len(keys) == len(set(keys)) == 12

    fresh = tmp_path / "fresh"
    assert bench([str(suite), "--out", str(fresh)], env, tmp_path).returncode == 0
    columns = ["key", "objective", "feasible", "gap", "status"]
    resumed_table = load_frame(store)[columns].sort_values("key").reset_index(drop=True)
    fresh_table = load_frame(fresh)[columns].sort_values("key").reset_index(drop=True)
    assert resumed_table.equals(fresh_table)


def test_a_torn_last_line_is_ignored_and_cut_before_appending(tmp_path, env):
    suite = write_suite(tmp_path / "s.toml", knapsack_suite("faults", "sa", timeout_s=30, seeds=[1, 2]))
    store = tmp_path / "store"
    assert bench([str(suite), "--out", str(store)], env, tmp_path).returncode == 0
    lines = (store / "cells.jsonl").read_text().splitlines(keepends=True)
    (store / "cells.jsonl").write_text(lines[0] + lines[1][: len(lines[1]) // 2])
    assert len(list(read_records(store))) == 1
    assert bench([str(suite), "--out", str(store), "--resume"], env, tmp_path).returncode == 0
    records = [json.loads(line) for line in (store / "cells.jsonl").read_text().splitlines()]
    assert len(records) == 2 and len({r["key"] for r in records}) == 2


def test_one_writer_at_a_time_and_no_stale_lock_after_a_kill(tmp_path, env, wait_until):
    body = knapsack_suite("faults", "fault-slow", params={"fault-slow": {"sleep_s": 5.0}}, timeout_s=30, seeds=[1, 2, 3])
    suite = write_suite(tmp_path / "s.toml", body)
    store = tmp_path / "store"
    first = subprocess.Popen([sys.executable, "-m", "qseg", "bench", str(suite), "--out", str(store), "--workers", "1"],
                             env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # The writer takes the lock before it writes run.json, so once run.json exists it is held.
    wait_until(lambda: (store / "run.json").exists(), "the first run's run.json")
    second = bench([str(suite), "--out", str(store), "--resume"], env, tmp_path)
    assert second.returncode == 2 and "another qseg bench" in second.stderr
    first.send_signal(signal.SIGKILL)
    first.wait()
    again = bench([str(suite), "--out", str(store), "--resume", "--workers", "3"], env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert len(list(read_records(store))) == 3


def test_a_store_of_another_suite_is_refused(tmp_path, env):
    one = write_suite(tmp_path / "one.toml", knapsack_suite("faults", "sa", timeout_s=30, seeds=[1]))
    two = write_suite(tmp_path / "two.toml", knapsack_suite("faults", "sa", timeout_s=30, seeds=[2]))
    store = tmp_path / "store"
    assert bench([str(one), "--out", str(store)], env, tmp_path).returncode == 0
    refused = bench([str(two), "--out", str(store), "--resume"], env, tmp_path)
    assert refused.returncode == 2 and "different suite" in refused.stderr
    assert len(list(read_records(store))) == 1


def test_overwrite_starts_again(tmp_path, env):
    suite = write_suite(tmp_path / "s.toml", knapsack_suite("faults", "sa", timeout_s=30, seeds=[1]))
    store = tmp_path / "store"
    assert bench([str(suite), "--out", str(store)], env, tmp_path).returncode == 0
    assert bench([str(suite), "--out", str(store), "--overwrite"], env, tmp_path).returncode == 0
    assert len(list(read_records(store))) == 1


def test_keep_samples_stores_raw_reads_compressed_and_output_stays_quiet_off_a_tty(tmp_path, env):
    import numpy as np

    suite = write_suite(tmp_path / "s.toml", knapsack_suite("faults", "sa", timeout_s=30, seeds=[1]))
    store = tmp_path / "store"
    result = bench([str(suite), "--out", str(store), "--keep-samples"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().count("\n") == 0 and "1 cells" in result.stdout
    (record,) = list(read_records(store))
    with np.load(store / "samples" / f"{record['key']}.npz") as kept:
        assert kept["states"].shape == (record["num_reads"], record["num_variables"])
        assert kept["num_occurrences"].sum() == record["num_reads"]
