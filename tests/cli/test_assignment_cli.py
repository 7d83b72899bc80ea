"""`qseg solve assignment` from the command line: the done-when runs (exact solvers agree, the
analysis writes its files), infeasible settings (exit 1 naming the floor) and bad input (exit 2)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
from cli_support import one_json_object, run, without_progress

from qseg.workflows.retention import PLOT_FILES


def test_highs_and_cbc_prove_the_same_optimum_at_250_by_8(capsys):
    records = {}
    for backend in ("highs", "cbc"):
        code, out, err = run(capsys, "solve", "assignment", "--size", "250", "--seed", "0", "--backend", backend, "--json")
        assert code == 0, err
        records[backend] = one_json_object(out)
    highs, cbc = records["highs"], records["cbc"]
    assert highs["status"] == "ok" and highs["feasible"] is True and highs["mip_gap"] == 0
    assert highs["formulation"] == "cqm" and highs["num_variables"] == 2000 and highs["sense"] == "max"
    assert abs(highs["objective"] - cbc["objective"]) <= 1e-6 * abs(cbc["objective"])
    assert highs["details"]["spend"] <= 150 + 1e-9 and "budget" in highs["details"]["binding"]


def test_analysis_writes_tables_plots_and_the_plan_csv(capsys, tmp_path):
    folder = tmp_path / "memo"
    code, out, err = run(capsys, "solve", "assignment", "--size", "250", "--seed", "0", "--backend", "highs",
                         "--json", "--analysis", str(folder))
    assert code == 0, err
    record = one_json_object(out)
    assert "analysis" in err
    for name in ("kpis.csv", "constraints.csv", "budget_sensitivity.csv", "treatment_plan.csv", *PLOT_FILES):
        assert (folder / name).is_file() and (folder / name).stat().st_size > 0, name
    plan = pd.read_csv(folder / "treatment_plan.csv")
    assert len(plan) == 250 and abs(plan["expected_net_value"].sum() - record["objective"]) < 1e-6
    constraints = pd.read_csv(folder / "constraints.csv").set_index("constraint")
    assert constraints.loc["budget", "binding"] and constraints.loc["budget", "shadow_price"] > 0
    sweep = pd.read_csv(folder / "budget_sensitivity.csv")
    assert sweep["weekly_budget"].tolist()[0] == 50 and sweep["weekly_budget"].tolist()[-1] == 1000


def test_infeasible_floor_exits_1_naming_the_floor():
    """A real process: one line on stderr, no traceback, exit status 1."""
    done = subprocess.run(
        [sys.executable, "-m", "qseg", "solve", "assignment", "--size", "250", "--seed", "0", "--backend", "highs",
         "--set", "weekly_budget=40"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert without_progress(done.stderr).startswith("qseg: infeasible:")
    assert "min_high_risk cannot be met by 30 customers" in done.stderr


def test_bad_input_exits_2_naming_field_and_value(capsys, tmp_path):
    code, _, err = run(capsys, "solve", "assignment", "--size", "20", "--set", "min_premium_pct=1.4")
    assert code == 2 and "min_premium_pct=1.4" in err
    code, _, err = run(capsys, "solve", "knapsack", "--size", "20", "--analysis", str(tmp_path))
    assert code == 2 and "analysis" in err
    code, _, err = run(capsys, "solve", "assignment", "--size", "20", "--set", "weekly_budget=20", "--backend",
                       "highs", "--formulation", "unbalanced")
    assert code == 2 and "formulation=unbalanced" in err
