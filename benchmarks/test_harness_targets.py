"""Harness targets (issues 4 and 11), measured with `make benchmarks`:

- fixed overhead per cell with long-lived local workers (<= 50 ms; <= 5 % of ~1 s cells), on
  cells of a real trivial backend (`random`, one read) and on 1 s cells;
- `--workers 2` against `--workers 1` on CPU-bound cells (>= 1.7x throughput on 2 cores);
- the per-cell cost on Dask: `benchmarks/test_dask_overhead.py`.
Figures are printed and stored in extra_info; nothing here asserts a time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from harness_support import install_fault_plugins, knapsack_suite  # noqa: E402

from qseg.harness.runner import run_local  # noqa: E402
from qseg.harness.suite import load_suite  # noqa: E402

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
    suite = load_suite(path)
    records: list[dict] = []
    start = time.perf_counter()
    run_local(suite.cells, settings=suite.settings, workers=workers, on_record=lambda cell: records.append(cell.to_json()))
    return time.perf_counter() - start, records


def _overhead(benchmark, tmp_path: Path, text: str, count: int, name: str) -> None:
    """Time whole runs of ``count`` cells on one worker (the benchmark's timing) and report the
    harness's share: wall time minus the time spent inside the cells, per cell."""
    per_cell: list[float] = []

    def run() -> None:
        wall, records = _run(tmp_path, text, workers=1)
        inside = sum(r["timing"]["total_ns"] for r in records) / 1e9
        per_cell.append((wall - inside) / count)

    benchmark.pedantic(run, rounds=3, iterations=1)
    median = sorted(per_cell)[len(per_cell) // 2]
    benchmark.extra_info[f"overhead_per_cell_s_{name}"] = median
    print(f"\n{count} {name} cells on 1 worker: run median {benchmark.stats.stats.median:.2f} s, "
          f"harness overhead {median * 1000:.1f} ms/cell (median of 3 runs)")


def test_fixed_overhead_per_trivial_cell(benchmark, tmp_path):
    text = knapsack_suite("trivial", "random", params={"random": {"num_reads": 1}}, sizes=[10], seeds=list(range(50)))
    _overhead(benchmark, tmp_path, text, 50, "trivial")


def test_fixed_overhead_per_one_second_cell(benchmark, tmp_path, fault_env):
    text = knapsack_suite("overhead", "fault-slow", params={"fault-slow": {"sleep_s": 1.0}}, sizes=[10], seeds=list(range(10)))
    _overhead(benchmark, tmp_path, text, 10, "sleep1")


def test_two_workers_against_one(benchmark, tmp_path):
    times: dict[int, float] = {}

    def both() -> None:
        times[1], _ = _run(tmp_path, CPU_SUITE, workers=1)
        times[2], _ = _run(tmp_path, CPU_SUITE, workers=2)

    benchmark.pedantic(both, rounds=1, iterations=1)
    one, two = times[1], times[2]
    benchmark.extra_info.update({"workers1_s": one, "workers2_s": two, "speedup": one / two})
    print(f"\n8 CPU-bound sa cells: 1 worker {one:.1f} s, 2 workers {two:.1f} s, throughput x{one / two:.2f}")
