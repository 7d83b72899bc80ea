"""Dask execution gives the same deterministic columns as a local run."""

from __future__ import annotations

import os

import pytest

from harness_support import bench, install_fault_plugins, write_suite
from qseg.store import load

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


@pytest.fixture(scope="module")
def cluster(fault_env):
    # The cluster's workers must see the fault plugins, as a real cluster's environment would.
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = fault_env["PYTHONPATH"]
    try:
        local = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH")
        else:
            os.environ["PYTHONPATH"] = saved
    with local:
        yield local.scheduler_address


def test_dask_and_local_runs_agree_in_every_deterministic_column(tmp_path, cluster, fault_env):
    env = fault_env
    suite = write_suite(tmp_path / "s.toml", SUITE)
    local = bench([str(suite), "--out", str(tmp_path / "local"), "--workers", "2"], env, tmp_path)
    assert local.returncode == 0, local.stderr
    remote = bench([str(suite), "--out", str(tmp_path / "dask"), "--dask", cluster], env, tmp_path)
    assert remote.returncode == 0, remote.stderr
    left = load(tmp_path / "local")[DETERMINISTIC].sort_values("key").reset_index(drop=True)
    right = load(tmp_path / "dask")[DETERMINISTIC].sort_values("key").reset_index(drop=True)
    assert len(left) == 8 and left.equals(right), left.compare(right)
    assert set(right["status"]) == {"ok", "timeout"}
    assert load(tmp_path / "dask")["timing.spawn_ns"].dropna().gt(0).all()


def test_an_unreachable_scheduler_is_exit_2_and_nothing_runs(tmp_path):
    env = install_fault_plugins(tmp_path / "site")
    suite = write_suite(tmp_path / "s.toml", SUITE)
    result = bench([str(suite), "--out", str(tmp_path / "store"), "--dask", "tcp://127.0.0.1:9"], env, tmp_path)
    assert result.returncode == 2 and "tcp://127.0.0.1:9" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
