"""Harness targets (issue 4), measured with `make benchmarks`:

- fixed overhead per cell with long-lived local workers (<= 50 ms; <= 5 % of ~1 s cells);
- `--workers 2` against `--workers 1` on CPU-bound cells (>= 1.7x throughput on 2 cores);
- the per-cell cost of Dask's one-shot workers.
Figures are printed and stored in extra_info; nothing here asserts a time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from harness_support import install_fault_plugins  # noqa: E402

from qseg.harness.suite import load_suite  # noqa: E402
from qseg.harness.runner import run_local  # noqa: E402

SLEEP_SUITE = """
name = "overhead"
timeout_s = 60
reference = "none"
formulations = ["unbalanced"]
[[instances]]
problem = "knapsack"
sizes = [10]
seeds = {seeds}
[[backends]]
name = "fault-slow"
params = {{ sleep_s = {sleep} }}
"""

CPU_SUITE = """
name = "cpu"
timeout_s = 120
reference = "none"
formulations = ["unbalanced"]
[[instances]]
problem = "knapsack"
sizes = [150]
seeds = [1, 2, 3, 4, 5, 6, 7, 8]
[[backends]]
name = "sa"
params = { num_reads = 100, num_sweeps = 1000 }
"""


@pytest.fixture(scope="module")
def fault_env(tmp_path_factory, monkeypatch_module=None):
    import os

    env = install_fault_plugins(tmp_path_factory.mktemp("site"))
    saved = dict(os.environ)
    os.environ["PYTHONPATH"] = env["PYTHONPATH"]
    sys.path[:0] = env["PYTHONPATH"].split(os.pathsep)[:2]
    yield env
    os.environ.clear()
    os.environ.update(saved)


def _run(tmp_path: Path, text: str, workers: int) -> tuple[float, list[dict]]:
    path = tmp_path / f"suite-{workers}-{time.monotonic_ns()}.toml"
    path.write_text(text)
    cells = load_suite(path).cells
    records: list[dict] = []
    start = time.perf_counter()
    run_local(cells, workers=workers, on_record=records.append)
    return time.perf_counter() - start, records


def test_fixed_overhead_per_cell(benchmark, tmp_path, fault_env):
    for sleep, count in ((0.0, 50), (1.0, 50)):
        text = SLEEP_SUITE.format(seeds=list(range(count)), sleep=sleep)
        wall, records = _run(tmp_path, text, workers=1)
        inside = sum(r["timing"]["total_ns"] for r in records) / 1e9
        overhead = (wall - inside) / count
        benchmark.extra_info[f"overhead_per_cell_s_sleep{sleep}"] = overhead
        benchmark.extra_info[f"overhead_fraction_sleep{sleep}"] = (wall - inside) / wall
        print(f"\n{count} cells of {sleep} s on 1 worker: wall {wall:.2f} s, inside cells {inside:.2f} s, "
              f"overhead {overhead * 1000:.1f} ms/cell ({(wall - inside) / wall:.2%} of the run)")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


def test_two_workers_against_one(benchmark, tmp_path):
    one, _ = _run(tmp_path, CPU_SUITE, workers=1)
    two, _ = _run(tmp_path, CPU_SUITE, workers=2)
    benchmark.extra_info.update({"workers1_s": one, "workers2_s": two, "speedup": one / two})
    print(f"\n8 CPU-bound sa cells: 1 worker {one:.1f} s, 2 workers {two:.1f} s, throughput x{one / two:.2f}")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)


def test_dask_cost_per_cell(benchmark, tmp_path, fault_env):
    distributed = pytest.importorskip("distributed")
    from qseg.harness.dask_runner import run_dask

    path = tmp_path / "dask.toml"
    path.write_text(SLEEP_SUITE.format(seeds=list(range(20)), sleep=0.0))
    cells = load_suite(path).cells
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        records: list[dict] = []
        start = time.perf_counter()
        run_dask(cells, cluster.scheduler_address, on_record=records.append)
        wall = time.perf_counter() - start
    spawn = sorted(r["timing"]["spawn_ns"] / 1e9 for r in records)
    median_spawn = spawn[len(spawn) // 2]
    benchmark.extra_info.update({"dask_wall_per_cell_s": wall / len(cells), "median_spawn_s": median_spawn})
    print(f"\n20 empty cells on a 1-worker LocalCluster: {wall / len(cells) * 1000:.0f} ms/cell, "
          f"median one-shot child cost {median_spawn * 1000:.0f} ms")
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
