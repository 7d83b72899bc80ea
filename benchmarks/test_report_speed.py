"""Target: `qseg report DIR --html` on the committed 300-cell store (`results/latest`) takes
<= 10 s, every figure and the HTML page included, from the command line (start-up imports
count). Run with `make benchmarks`; the wall time of each call is the benchmark timing, and the
CPU time of the command and its figure workers goes to extra_info (on a shared machine the wall
time also measures the other load). Times are printed, not asserted."""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

STORE = Path(__file__).resolve().parents[1] / "results" / "latest"
ROUNDS = 3


@pytest.fixture()
def store_copy(tmp_path: Path) -> Path:
    """A copy of the committed store's cells and run.json (the report writes into its store)."""
    if not (STORE / "cells.jsonl").is_file():
        pytest.skip("results/latest holds no store")
    copy = tmp_path / "store"
    copy.mkdir()
    for name in ("run.json", "cells.jsonl"):
        shutil.copy(STORE / name, copy / name)
    return copy


def test_report_with_html_on_the_committed_store(benchmark, store_copy):
    cpu: list[float] = []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(STORE.parents[1]), os.environ.get("PYTHONPATH")]))}

    def report() -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "qseg", "report", str(store_copy), "--html"], check=True,
                       capture_output=True, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)

    benchmark.pedantic(report, rounds=ROUNDS, iterations=1)
    cells = json.loads((store_copy / "run.json").read_text())["cells"]
    figures = sorted((store_copy / "plots").rglob("*.png"))
    assert (store_copy / "report.html").stat().st_size > 0 and figures
    median = benchmark.stats.stats.median
    benchmark.extra_info.update({"cells": cells, "figures": len(figures), "median_wall_s": median,
                                 "median_cpu_s": sorted(cpu)[len(cpu) // 2]})
    print(f"\nqseg report --html on {cells} cells ({len(figures)} figures): median wall {median:.2f} s, "
          f"median CPU {sorted(cpu)[len(cpu) // 2]:.2f} s (command and figure workers)")
