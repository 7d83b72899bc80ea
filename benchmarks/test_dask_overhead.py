"""Per-cell overhead of ``--dask`` (issue 11, item 10), measured with `make benchmarks`.

Two single-thread Dask workers on loopback run N trivial cells (the ``random`` backend, one read,
knapsack size 8). Figures, printed and stored in extra_info (nothing here asserts a time):

- ``wall_per_cell_ms``: wall time of the whole run / cells (what a user waits per cell);
- ``amortised_overhead_ms``: (wall x worker slots - sum of the cells' own ``total_ns``) / cells;
- ``median_task_overhead_ms``: median over cells of the task's wall time minus the record's
  ``total_ns`` (``timing.dispatch_ns``; with one-shot children that figure was ``spawn_ns``).

Target: <= 100 ms per cell with long-lived children, against ~850 ms with one-shot children.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from harness_support import knapsack_suite  # noqa: E402

from qseg.harness.suite import load_suite  # noqa: E402

CELLS = 40
WORKERS = 2



def _task_overhead_ns(record: dict) -> int:
    timing = record["timing"]
    if "dispatch_ns" in timing:
        return timing["dispatch_ns"]
    return timing["spawn_ns"]  # the one-shot runner reported its whole per-cell cost here


def test_dask_per_cell_overhead(benchmark, tmp_path):
    distributed = pytest.importorskip("distributed")
    from qseg.harness.dask_runner import run_dask

    path = tmp_path / "dask-overhead.toml"
    path.write_text(knapsack_suite("dask-overhead", "random", params={"random": {"num_reads": 1}}, seeds=list(range(CELLS))))
    suite = load_suite(path)
    cells = suite.cells
    assert len(cells) == CELLS
    with distributed.LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as cluster:
        records: list[dict] = []

        def run() -> None:
            run_dask(cells, cluster.scheduler_address, settings=suite.settings,
                     on_record=lambda cell: records.append(cell.to_json()))

        # The benchmark times the whole distributed run (the cluster's start-up excluded).
        benchmark.pedantic(run, rounds=1, iterations=1)
        wall = benchmark.stats.stats.median
    # One random read is usually infeasible on knapsack: a full record all the same, timing included.
    assert len(records) == CELLS and {r["status"] for r in records} <= {"ok", "infeasible"}
    inside = [r["timing"]["total_ns"] / 1e9 for r in records]
    task_overhead = [_task_overhead_ns(r) / 1e9 for r in records]
    figures = {
        "wall_per_cell_ms": wall / CELLS * 1e3,
        "amortised_overhead_ms": (wall * WORKERS - sum(inside)) / CELLS * 1e3,
        "median_task_overhead_ms": statistics.median(task_overhead) * 1e3,
        "median_total_ms": statistics.median(inside) * 1e3,
        "children_started": sum("spawn_ns" in r["timing"] for r in records),
    }
    benchmark.extra_info.update(figures)
    print(f"\n{CELLS} trivial cells on {WORKERS} single-thread Dask workers: wall {wall:.2f} s, "
          f"{figures['wall_per_cell_ms']:.0f} ms/cell; median solve total {figures['median_total_ms']:.1f} ms; "
          f"median per-cell overhead {figures['median_task_overhead_ms']:.1f} ms (task wall - total_ns), "
          f"amortised {figures['amortised_overhead_ms']:.1f} ms/cell per worker slot; "
          f"{figures['children_started']} children started")
