"""Reports, plots and exports are computed from a store alone."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from qseg.cli import main
from qseg.harness.bench import run_bench
from qseg.harness.suite import load_suite
from qseg.reports.frame import load_frame
from qseg.reports.report import bootstrap_interval, summary_table

SMOKE = Path(__file__).resolve().parents[2] / "benchmarks" / "suites" / "smoke.toml"  # smoke_store (conftest) runs it


def test_report_writes_markdown_csv_and_plots(smoke_store, capsys):
    assert main(["report", str(smoke_store)]) == 0
    report = (smoke_store / "report.md").read_text()
    assert "## knapsack" in report and "| sa | unbalanced | 4 |" in report
    # polished cells are their own row, never pooled with the sampler's raw answers
    assert "## kmedoids" in report and "| sa | selection | 2 |" in report and "| sa+polish | selection | 2 |" in report
    assert "**" in report, "best values are marked"
    plots = {p.relative_to(smoke_store / "plots").as_posix() for p in (smoke_store / "plots").rglob("*.png")}
    for problem in ("knapsack", "kmedoids"):
        assert {f"{problem}/{name}.png" for name in ("gap_vs_time", "feasibility", "time_to_target")} <= plots
        assert f"![{problem}: " in report and f"(plots/{problem}/gap_vs_time.png)" in report
    assert "knapsack/time_vs_size.png" in plots  # two sizes; the smoke suite's k-medoids has one
    with open(smoke_store / "cells.csv") as handle:
        assert len(list(csv.DictReader(handle))) == len(load_suite(SMOKE).cells)


def test_load_flattens_nested_fields(smoke_store):
    cells = load_frame(smoke_store)
    assert {"timing.wall_ns", "spec.repeat", "params.num_reads"} <= set(cells.columns)
    assert cells["key"].is_unique


def test_summary_counts_never_reached_as_infinitely_slow(smoke_store):
    cells = load_frame(smoke_store)
    greedy = cells["backend"] == "baseline:greedy"
    cells.loc[greedy, "tts99_s"] = None
    summary = summary_table(cells).set_index("backend")
    assert summary.loc["baseline:greedy", "tts"] == np.inf


def test_bootstrap_interval_brackets_the_median_and_is_seeded():
    values = np.arange(1.0, 21.0)
    low, high = bootstrap_interval(values)
    assert low <= np.median(values) <= high
    assert (low, high) == bootstrap_interval(values)
    assert all(np.isnan(bootstrap_interval(np.array([np.nan]))))


def test_qoblib_export_counts_runs(smoke_store, tmp_path, capsys):
    out = tmp_path / "q.csv"
    assert main(["export", "--store", str(smoke_store), "--format", "qoblib", "--out", str(out)]) == 0
    with open(out) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(load_suite(SMOKE).cells)
    assert any(r["backend"] == "sa+polish" for r in rows)
    sa = next(r for r in rows if r["backend"] == "sa")
    assert int(sa["runs"]) == 20 and 0 <= int(sa["successful_runs"]) <= int(sa["feasible_runs"]) <= 20


@pytest.mark.parametrize("fmt", ["lp", "cqm", "bqm"])
def test_model_export(tmp_path, capsys, fmt):
    import dimod

    out = tmp_path / f"m.{fmt}"
    assert main(["export", "--model", "knapsack", "--size", "12", "--format", fmt, "--out", str(out)]) == 0
    if fmt == "lp":
        assert "x_11" in out.read_text()
        assert len(dimod.lp.loads(out.read_text()).variables) == 12
    else:
        loader = dimod.ConstrainedQuadraticModel if fmt == "cqm" else dimod.BinaryQuadraticModel
        with open(out, "rb") as handle:
            assert len(loader.from_file(handle).variables) == 12


def test_export_refuses_a_wrong_format(tmp_path, capsys):
    assert main(["export", "--model", "knapsack", "--format", "mps", "--out", str(tmp_path / "x")]) == 2
    assert "format=mps" in capsys.readouterr().err


QUANTUM = """
name = "quantum-report"
timeout_s = 120
reference = "cbc"
formulations = ["unbalanced"]
[[instances]]
problem = "knapsack"
sizes = [6, 10]
seeds = [1]
[[backends]]
name = "qaoa"
params = { reps = 1, shots = 256 }
[[backends]]
name = "mock-qpu"
params = { num_reads = 20 }
[[backends]]
name = "leap-hybrid"
"""


def test_report_has_embedding_and_qaoa_sections(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # no dwave.conf: leap-hybrid is skipped with its reason
    monkeypatch.delenv("DWAVE_API_TOKEN", raising=False)
    monkeypatch.setenv("QSEG_CACHE_DIR", str(tmp_path / "cache"))
    suite = tmp_path / "quantum.toml"
    suite.write_text(QUANTUM)
    out = tmp_path / "store"
    result = run_bench(suite, out, workers=1)
    assert result.progress.statuses == {"ok": 4, "skipped": 2}
    assert main(["report", str(out)]) == 0
    report = (out / "report.md").read_text()
    assert "## Embeddings" in report and "| mock-qpu | knapsack / unbalanced | 10 |" in report
    assert "## QAOA" in report and "| knapsack | 6 | 1 | 256 |" in report
    assert "no D-Wave API token found" in report
    assert (out / "plots" / "knapsack" / "embedding_scaling.png").exists()
    cells = load_frame(out)
    qaoa = cells[cells["backend"] == "qaoa"]
    assert qaoa["approximation_ratio_best"].between(-np.inf, 1.0 + 1e-9).all()
    assert all(isinstance(c, dict) and c["method"] == "exact" for c in qaoa["details.random_control"])


SWEEP = """
name = "sweep"
timeout_s = 120
[[instances]]
problem = "knapsack"
sizes = [12, 16]
seeds = [1]
[[backends]]
name = "sa"
params = { num_reads = 10, num_sweeps = [10, 100, 1000] }
"""


def test_a_parameter_grid_runs_a_cell_per_value_and_the_report_shows_the_sweep(tmp_path):
    suite = tmp_path / "sweep.toml"
    suite.write_text(SWEEP)
    out = tmp_path / "store"
    result = run_bench(suite, out, workers=2)
    assert result.total == 2 * 3 and result.progress.statuses == {"ok": 6}
    cells = load_frame(out)
    assert sorted(cells.groupby("instance")["params.num_sweeps"].apply(sorted).tolist()) == [[10, 100, 1000]] * 2
    assert set(cells["sweep"]) == {"num_sweeps=10", "num_sweeps=100", "num_sweeps=1000"}
    assert main(["report", str(out)]) == 0
    report = (out / "report.md").read_text()
    assert "| backend | sweep | formulation |" in report
    for value in (10, 100, 1000):
        assert f"| sa | num_sweeps={value} | unbalanced | 2 |" in report
    assert "(plots/knapsack/sweep.png)" in report and (out / "plots" / "knapsack" / "sweep.png").stat().st_size
