"""Dask execution: the same deterministic columns as a local run, on long-lived worker children
pooled per Dask worker (reused, restarted after a timeout or a crash, ended with the worker)."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from harness_support import bench, install_fault_plugins, knapsack_suite, write_suite

from qseg.harness.dask_runner import PLUGIN_NAME, pool_state, run_dask, run_pooled_cell
from qseg.reports.frame import load_frame
from qseg.store import StoredCell
from qseg.store.spec import RunSettings

distributed = pytest.importorskip("distributed")

SUITE = """
name = "dask"
timeout_s = 20  # generous: each Dask cell pays its imports (1-2 s, far more while other tests load the machine)
reference = "cbc"
formulations = ["unbalanced"]
baselines = ["greedy"]

[[instances]]
problem = "knapsack"
sizes = [12, 24]
seeds = [1]

[[backends]]
name = "sa"
params = { num_reads = 10, num_sweeps = 100 }

[[backends]]
name = "highs"

[[backends]]
name = "fault-sleep"
"""
DETERMINISTIC = ["key", "objective", "feasible", "gap", "status", "num_variables"]


@pytest.fixture(scope="module")
def fault_env(tmp_path_factory) -> dict[str, str]:
    return install_fault_plugins(tmp_path_factory.mktemp("site"))


QUICK = knapsack_suite("quick", "sa", params={"sa": {"num_reads": 1, "num_sweeps": 10}}, seeds=[1, 2, 3, 4, 5, 6])

FAULTY = knapsack_suite("faulty", "fault-sleep", "fault-exit", timeout_s=2)


def _local_cluster(fault_env: dict[str, str], **kwargs):
    # The cluster's workers must see the fault plugins, as a real cluster's environment would.
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = fault_env["PYTHONPATH"]
    try:
        return distributed.LocalCluster(processes=True, dashboard_address=None, host="127.0.0.1", **kwargs)
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = saved


@pytest.fixture(scope="module")
def cluster(fault_env):
    with _local_cluster(fault_env, n_workers=2, threads_per_worker=1) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as connected:
        yield connected


def _cells(env: dict[str, str], path: Path, text: str) -> tuple[dict[str, Any], RunSettings]:
    """Expand a suite in a process that sees the fault plugins (this one must not register them)
    and return its cells by backend name (the first cell of each; all of them under "all") and
    its run settings."""
    expand = "import pickle, sys; from qseg.harness.suite import load_suite; s = load_suite(sys.argv[1]); " \
             "sys.stdout.buffer.write(pickle.dumps((s.cells, s.settings)))"
    done = subprocess.run([sys.executable, "-c", expand, str(write_suite(path, text))], env=env,
                          capture_output=True, check=True, timeout=120)
    cells, settings = pickle.loads(done.stdout)
    return {cell.backend: cell for cell in reversed(cells)} | {"all": cells}, settings


def _states(client) -> dict[str, dict]:
    return client.run(pool_state)


def _pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_dask_and_local_runs_agree_in_every_deterministic_column(tmp_path, cluster, fault_env):
    env = fault_env
    suite = write_suite(tmp_path / "s.toml", SUITE)
    local = bench([str(suite), "--out", str(tmp_path / "local"), "--workers", "2"], env, tmp_path)
    assert local.returncode == 0, local.stderr
    remote = bench([str(suite), "--out", str(tmp_path / "dask"), "--dask", cluster], env, tmp_path)
    assert remote.returncode == 0, remote.stderr
    left = load_frame(tmp_path / "local")[DETERMINISTIC].sort_values("key").reset_index(drop=True)
    right = load_frame(tmp_path / "dask")[DETERMINISTIC].sort_values("key").reset_index(drop=True)
    assert len(left) == 8 and left.equals(right), left.compare(right)
    assert set(right["status"]) == {"ok", "timeout"}
    stored = load_frame(tmp_path / "dask")
    done = stored[stored["status"] == "ok"]
    assert done["timing.dispatch_ns"].notna().all() and done["timing.dispatch_ns"].ge(0).all()
    # spawn_ns only on the cells that started a child: at most one per worker, plus restarts after timeouts
    assert stored["timing.spawn_ns"].dropna().gt(0).all()
    assert stored["timing.spawn_ns"].notna().sum() <= 2 + (stored["status"] == "timeout").sum()
    assert set(stored.columns) >= set(load_frame(tmp_path / "local").columns)


def test_cells_on_a_worker_reuse_its_child(tmp_path, cluster, client, fault_env):
    before = _states(client)
    run = bench([str(write_suite(tmp_path / "q.toml", QUICK)), "--out", str(tmp_path / "q"), "--dask", cluster],
                fault_env, tmp_path)
    assert run.returncode == 0, run.stderr
    after = _states(client)
    stored = load_frame(tmp_path / "q")
    assert len(stored) == 6 and set(stored["status"]) <= {"ok", "infeasible"}
    started = {w: after[w].get("started", 0) - before[w].get("started", 0) for w in after}
    served = sum(after[w].get("records", 0) - before[w].get("records", 0) for w in after)
    assert served == 6
    spawned = stored["timing.spawn_ns"].notna().sum() if "timing.spawn_ns" in stored else 0
    assert sum(started.values()) == spawned <= 2  # no column at all when both children were already up
    for state in after.values():  # one thread per worker: never more than one live child
        assert len(state["idle"]) + len(state["busy"]) <= 1
        assert all(_pid_alive(pid) for pid in state["idle"])


@pytest.mark.parametrize(("fault", "status", "counter"), [("fault-sleep", "timeout", "timeouts"),
                                                          ("fault-exit", "error", "crashes")])
def test_after_a_timeout_or_a_crash_the_next_cell_on_that_worker_succeeds(tmp_path, client, fault_env, fault, status,
                                                                          counter):
    faulty_cells, faulty_settings = _cells(fault_env, tmp_path / "f.toml", FAULTY)
    faulty = faulty_cells[fault]
    quick_cells, settings = _cells(fault_env, tmp_path / "q.toml", QUICK)
    quick = quick_cells["sa"]
    where = sorted(client.scheduler_info()["workers"])[0]
    warm = client.submit(run_pooled_cell, quick, settings, workers=[where], pure=False).result()  # a live child on that worker
    assert warm.record.status == "ok"
    before = _states(client)[where]
    old_child = before["idle"]
    stored = client.submit(run_pooled_cell, faulty, faulty_settings, workers=[where], pure=False).result()
    record = stored.record
    assert record.status == status and stored.key == faulty.key
    assert record.backend == fault and not {"spawn_ns", "dispatch_ns"} & set(record.timing)
    if status == "timeout":
        assert "exceeded timeout_s=2" in record.message
    else:
        assert "worker died during the cell" in record.message
    middle = _states(client)[where]
    assert middle[counter] == before.get(counter, 0) + 1 and middle["idle"] == [] and middle["busy"] == []
    assert not any(_pid_alive(pid) for pid in old_child)  # the group was killed and reaped
    after = client.submit(run_pooled_cell, quick, settings, workers=[where], pure=False).result()
    assert after.record.status == "ok" and after.record.timing["spawn_ns"] > 0  # on a fresh child
    state = _states(client)[where]
    assert state["started"] == before["started"] + 1 and len(state["idle"]) == 1 and state["idle"] != old_child


def test_the_children_end_with_the_plugin_and_with_the_cluster(tmp_path, fault_env):
    # One worker with two threads: two cells at once hold two children of one pool.
    with _local_cluster(fault_env, n_workers=1, threads_per_worker=2) as local, distributed.Client(local) as client:
        by_backend, settings = _cells(fault_env, tmp_path / "slow.toml", SLOW)
        slow = by_backend["all"]
        records: list[StoredCell] = []
        run_dask(slow, local.scheduler_address, settings=settings, on_record=records.append)
        assert [r.record.status for r in records] == ["ok"] * len(slow)
        (state,) = _states(client).values()
        assert state["started"] == 2 and len(state["idle"]) == 2 and all(_pid_alive(p) for p in state["idle"])
        # Unregistering the plugin runs its teardown: the pool is gone, the worker lives on.
        client.unregister_worker_plugin(PLUGIN_NAME)
        assert _wait_dead(state["idle"])
        (emptied,) = _states(client).values()
        assert emptied["idle"] == [] and emptied["pid"] == state["pid"]
        run_dask(slow[:1], local.scheduler_address, settings=settings, on_record=records.append)
        (state,) = _states(client).values()
        assert len(state["idle"]) == 1
    assert _wait_dead(state["idle"])  # the cluster closed: no qseg.harness.worker child survives


SLOW = knapsack_suite("slow", "fault-slow", params={"fault-slow": {"sleep_s": 1.0}}, seeds=[1, 2, 3, 4])


def _wait_dead(pids: list[int], within_s: float = 15) -> bool:
    deadline = time.monotonic() + within_s
    while any(_pid_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def test_an_unreachable_scheduler_is_exit_2_and_nothing_runs(tmp_path):
    env = install_fault_plugins(tmp_path / "site")
    suite = write_suite(tmp_path / "s.toml", SUITE)
    result = bench([str(suite), "--out", str(tmp_path / "store"), "--dask", "tcp://127.0.0.1:9"], env, tmp_path)
    assert result.returncode == 2 and "tcp://127.0.0.1:9" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
