"""Issue 20's ``qseg segment`` targets, the whole command with its defaults and K = 4 (``make
benchmarks``; figures printed with -s), on transactions the project's generator writes in the
Online Retail layout:

- >= 23,000 customers: <= 60 s and <= 2 GB peak on 2 cores, stability included;
- 250,000 customers: <= 5 minutes and <= 4 GB.

Each run is one subprocess under ``/usr/bin/time -v``; the peak is the larger of GNU time's
maximum RSS and the sampled sum of the RSS of the command's whole process tree (workers
included). The generated CSV is written before the clock starts. Figures are printed and kept in
``extra_info``; the targets are asserted, so a miss fails with its figure. CPU seconds are printed
beside the wall clock: on a shared machine the wall clock includes waiting for a core.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qseg.data.rfm import synthetic_transactions, write_transactions_csv

pytestmark = pytest.mark.benchmark(group="segment-scale")

QSEG = str(Path(sys.executable).with_name("qseg"))
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Return the summed resident bytes of ``root`` and its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parent = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        todo += children.get(pid, [])
    return total


def _run(args: list[str]) -> dict[str, float]:
    """Run ``qseg ARGS`` under GNU time; return wall and CPU seconds and peak GB."""
    started = time.perf_counter()
    process = subprocess.Popen(["/usr/bin/time", "-v", QSEG, *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    err = process.stderr.read() if process.stderr else ""
    assert process.returncode == 0, err[-2000:]
    fields = {line.split(":", 1)[0].strip(): line.split(":", 1)[1].strip() for line in err.splitlines()
              if line.startswith("\t") and ":" in line}
    rss = int(fields["Maximum resident set size (kbytes)"]) * 1024
    cpu = float(fields["User time (seconds)"]) + float(fields["System time (seconds)"])
    steps = [line for line in err.splitlines() if line.startswith("segment: ") and line.endswith(" s)")]
    print("\n  " + "\n  ".join(steps))
    return {"wall_s": wall, "cpu_s": cpu, "peak_gb": max(rss, peak) / 2**30, "time_v_max_rss_gb": rss / 2**30,
            "tree_rss_peak_gb": peak / 2**30}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("/usr/bin/time") is None:
        pytest.skip("GNU time (/usr/bin/time) is not installed")
    return tmp_path_factory.mktemp("segment-scale")


@pytest.mark.parametrize(("customers", "seconds", "gigabytes"), [(23_500, 60, 2.0), (250_000, 300, 4.0)])
def test_the_whole_command_with_defaults(benchmark, folder, customers, seconds, gigabytes):
    rows, _ = synthetic_transactions(customers, 0)
    path = folder / f"generated-{customers}.csv"
    write_transactions_csv(rows, path)
    del rows
    found = benchmark.pedantic(_run, args=(["segment", str(path), "--k", "4", "--out", str(folder / f"out-{customers}")],),
                               rounds=1, iterations=1)
    print(f"  {customers:,} customers, K = 4, defaults: wall {found['wall_s']:.1f} s (CPU {found['cpu_s']:.1f} s), "
          f"peak {found['peak_gb']:.2f} GB (time -v {found['time_v_max_rss_gb']:.2f}, tree "
          f"{found['tree_rss_peak_gb']:.2f}); targets {seconds} s, {gigabytes} GB")
    benchmark.extra_info.update(found | {"customers": customers})
    assert (folder / f"out-{customers}" / "segment.md").read_text().count("stable") >= 1
    assert found["wall_s"] <= seconds and found["peak_gb"] <= gigabytes
