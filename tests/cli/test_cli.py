"""The `qseg` command line contract (docs/architecture.md §5)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cli_support import run, without_progress

JSON_FIELDS = {
    "problem", "formulation", "backend", "size", "seed", "num_variables", "num_interactions",
    "sense", "objective", "reference", "gap", "feasible", "feasible_fraction", "status", "wall_s",
}


def test_backends_json_lists_every_first_party_backend(capsys):
    code, out, _ = run(capsys, "backends", "--json")
    listing = {entry["name"]: entry for entry in json.loads(out)}
    assert code == 0
    for name in ("sa", "neal", "tabu", "random", "exact-bqm", "cbc", "highs"):
        entry = listing[name]
        assert entry["available"] is True and entry["reason"] == ""
        assert set(entry) == {"name", "accepts", "available", "reason", "exact", "package", "version"}
    assert listing["cbc"]["exact"] and listing["cbc"]["package"] == "qseg-mip"
    assert listing["sa"]["accepts"] == ["bqm"]


def test_solve_json_prints_one_object_with_every_field(capsys):
    code, out, _ = run(
        capsys, "solve", "knapsack", "--size", "40", "--seed", "1", "--backend", "sa",
        "--formulation", "unbalanced", "--reference", "--param", "num_reads=20", "--json",
    )
    record = json.loads(out)
    assert code == 0 and JSON_FIELDS <= set(record)
    assert record["feasible"] is True and record["gap"] <= 0.02 and record["sense"] == "max"
    assert record["params"]["num_reads"] == 20


def test_solve_with_cbc_on_seed_000_reproduces_the_optimum(capsys):
    code, out, _ = run(capsys, "solve", "knapsack", "--data", "seed-000", "--backend", "cbc", "--json")
    record = json.loads(out)
    assert code == 0 and record["formulation"] == "cqm"
    assert record["objective"] == pytest.approx(1140.593, abs=5e-4)


def test_set_reaches_the_problem_and_the_penalties(capsys):
    code, out, _ = run(
        capsys, "solve", "knapsack", "--data", "seed-000", "--set", "budget_fraction=0.5",
        "--set", "kappa=8", "--param", "num_reads=5", "--param", "num_sweeps=50", "--json",
    )
    record = json.loads(out)
    assert code == 0 and record["details"]["budget"] == pytest.approx(591.37, abs=0.01)
    assert record["details"]["kappa"] == 8.0


def test_human_output_is_a_short_summary(capsys):
    code, out, _ = run(capsys, "solve", "knapsack", "--size", "20", "--backend", "highs", "--reference")
    assert code == 0 and "objective" in out and "gap        0.0000%" in out


@pytest.mark.parametrize(
    "argv, named",
    [
        (["solve", "knapsack", "--size", "0"], "size=0"),
        (["solve", "knapsack", "--set", "budget=-1"], "budget=-1"),
        (["solve", "knapsack", "--set", "budget_fraction=nan"], "budget_fraction=nan"),
        (["solve", "knapsack", "--set", "colour=red"], "colour"),
        (["solve", "knapsack", "--set", "novalue"], "novalue"),
        (["solve", "knapsack", "--backend", "nope"], "backend=nope"),
        (["solve", "segmentation"], "problem=segmentation"),
        (["solve", "knapsack", "--formulation", "nope"], "formulation=nope"),
        (["solve", "knapsack", "--backend", "cbc", "--formulation", "slack"], "formulation=slack"),
        (["solve", "knapsack", "--param", "num_reads=abc"], "num_reads=abc"),
        (["solve", "knapsack", "--param", "num_reads=-1"], "num_reads=-1"),
        (["solve", "knapsack", "--param", "bogus=1"], "bogus"),
        (["solve", "knapsack", "--data", "no-such-file.txt"], "no-such-file.txt"),
        (["solve", "knapsack", "--size", "ten"], "--size"),
        (["frobnicate"], "frobnicate"),
    ],
)
def test_bad_input_is_exit_2_with_one_line_naming_the_value(capsys, argv, named):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    lines = without_progress(err).strip().splitlines()
    assert len(lines) == 1 and named in lines[0], err


def test_help_is_exit_0(capsys):
    code, out, _ = run(capsys, "solve", "--help")
    assert code == 0 and "--formulation" in out


def test_skipped_cell_exits_1_but_still_prints_its_record(capsys):
    code, out, err = run(capsys, "solve", "knapsack", "--size", "30", "--backend", "exact-bqm", "--json")
    assert code == 1 and json.loads(out)["status"] == "skipped"
    assert "max_variables" in err


def test_stdout_is_exactly_one_json_object_even_with_highs_banner():
    # HiGHS prints a banner from native code at its first Highs(); only fd-level silencing hides it.
    result = subprocess.run(
        [sys.executable, "-m", "qseg", "solve", "knapsack", "--size", "25", "--backend", "highs", "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    decoder = json.JSONDecoder()
    record, end = decoder.raw_decode(result.stdout)
    assert result.stdout[end:].strip() == "" and record["backend"] == "highs"
