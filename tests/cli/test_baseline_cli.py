"""``qseg solve PROBLEM --baseline NAME``: every problem's own classical methods from the command
line, through ``qseg.solve_baseline``, with the ``--set`` options each honours; the others (and
backend options) refused with exit 2 naming the option, before any solve."""

from __future__ import annotations

import pytest
from cli_support import one_json_object, run


@pytest.mark.parametrize(("problem", "baseline", "extra"), [
    ("knapsack", "greedy", ["--size", "60"]),
    ("knapsack", "dp", ["--size", "60"]),
    ("kmedoids", "fasterpam", ["--size", "50"]),
    ("kmedoids", "kmeans", ["--size", "50"]),
    ("assignment", "greedy", ["--size", "30"]),
    ("binning", "dp", ["--size", "2000", "--set", "monotonic=ascending", "--set", "candidates=40"]),
])
def test_each_baseline_solves_from_the_command_line(capsys, problem, baseline, extra):
    code, out, err = run(capsys, "solve", problem, *extra, "--baseline", baseline, "--json")
    record = one_json_object(out)
    assert code == 0, err
    assert record["backend"] == f"baseline:{baseline}" and record["status"] == "ok" and record["feasible"]


def test_exact_baselines_meet_the_reference(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("QSEG_CACHE_DIR", str(tmp_path))
    code, out, _ = run(capsys, "solve", "knapsack", "--size", "60", "--baseline", "dp", "--reference", "--json")
    assert code == 0 and one_json_object(out)["gap"] == pytest.approx(0.0, abs=1e-9)
    code, out, _ = run(capsys, "solve", "binning", "--size", "2000", "--set", "monotonic=ascending", "--set",
                       "candidates=40", "--baseline", "dp", "--reference", "--json")
    record = one_json_object(out)
    assert code == 0 and record["gap"] == pytest.approx(0.0, abs=1e-9) and record["reference_source"] == "dp"


def test_monotonic_is_refused_for_a_baseline_that_ignores_it(capsys):
    code, out, err = run(capsys, "solve", "binning", "--size", "500", "--set", "monotonic=ascending",
                         "--baseline", "uniform")
    assert code == 2 and out == "" and "set=monotonic" in err and "uniform" in err


def test_a_penalty_option_is_refused_with_a_baseline(capsys):
    code, _, err = run(capsys, "solve", "knapsack", "--size", "20", "--set", "kappa=3", "--baseline", "greedy")
    assert code == 2 and "kappa" in err and "penalty" in err


@pytest.mark.parametrize("option", [["--param", "num_reads=5"], ["--formulation", "slack"], ["--polish"]])
def test_backend_options_are_refused_with_a_baseline(capsys, option):
    code, _, err = run(capsys, "solve", "knapsack", "--size", "20", "--baseline", "dp", *option)
    assert code == 2 and option[0].lstrip("-") in err


def test_baseline_and_backend_are_mutually_exclusive(capsys):
    code, out, err = run(capsys, "solve", "knapsack", "--size", "20", "--baseline", "dp", "--backend", "sa")
    assert code == 2 and out == "" and "not allowed with" in err


def test_an_unknown_baseline_lists_the_problems_own(capsys):
    code, _, err = run(capsys, "solve", "knapsack", "--size", "20", "--baseline", "fasterpam")
    assert code == 2 and "fasterpam" in err and "greedy" in err and "dp" in err


def test_the_monotone_rule_still_needs_the_dp_for_a_backend(capsys):
    code, _, err = run(capsys, "solve", "binning", "--size", "500", "--set", "monotonic=ascending", "--backend", "sa")
    assert code == 2 and "monotonic" in err
