"""``qseg solve --out DIR``: the decision of every problem as CSV and decision.json, consistent
with the record it comes from; customer ids from the data kept; spreadsheet formulas escaped;
an unusable --out refused before any solve."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli_support import one_json_object, run


def _decision(folder) -> dict:
    return json.loads((folder / "decision.json").read_text())


def test_knapsack_writes_the_targeted_customers_of_the_record(tmp_path, capsys):
    out = tmp_path / "decision"
    code, stdout, _ = run(capsys, "solve", "knapsack", "--data", "seed-000", "--param", "num_reads=20",
                          "--json", "--out", str(out))
    record = one_json_object(stdout)
    assert code == 0 and record["feasible"]
    customers = pd.read_csv(out / "customers.csv")
    assert list(customers.columns) == ["customer", "profit", "cost", "targeted"]
    assert len(customers) == 250 and customers["customer"].tolist() == list(range(250))
    chosen = customers["targeted"] == 1
    assert customers.loc[chosen, "profit"].sum() == pytest.approx(record["objective"])
    decision = _decision(out)
    assert decision["targeted"] == int(chosen.sum()) == record["details"]["targeted"]
    assert decision["spend"] == pytest.approx(customers.loc[chosen, "cost"].sum())
    assert decision["spend"] <= decision["budget"] == 2000.0
    assert len(decision["tables"]["customers"]) == 250


def test_the_text_summary_shows_the_decision(tmp_path, capsys):
    code, stdout, _ = run(capsys, "solve", "knapsack", "--data", "seed-000", "--baseline", "greedy")
    assert code == 0
    line = next(line for line in stdout.splitlines() if line.startswith("targeted"))
    assert "of 250 customers" in line and "of budget 2,000.00" in line


def test_kmedoids_writes_a_segment_and_medoid_per_customer(tmp_path, capsys):
    out = tmp_path / "segments"
    code, stdout, _ = run(capsys, "solve", "kmedoids", "--size", "60", "--set", "k=3", "--baseline", "fasterpam",
                          "--json", "--out", str(out))
    record = one_json_object(stdout)
    assert code == 0
    customers, medoids = pd.read_csv(out / "customers.csv"), pd.read_csv(out / "medoids.csv")
    assert list(customers.columns) == ["customer", "segment", "medoid"]
    assert sorted(medoids["medoid"]) == sorted(record["details"]["medoid_ids"]) and len(medoids) == 3
    # every customer's medoid is the medoid of its segment, and each medoid is in its own segment
    assert (customers["medoid"] == medoids["medoid"].to_numpy()[customers["segment"]]).all()
    own = customers.set_index("customer").loc[medoids["medoid"], "segment"].to_numpy()
    assert own.tolist() == medoids["segment"].tolist()
    assert medoids["customers"].sum() == 60 and medoids["cost"].sum() == pytest.approx(record["objective"])
    assert _decision(out)["medoids"] == medoids["medoid"].tolist()


def test_customer_ids_of_a_points_file_are_kept_and_formulas_escaped(tmp_path, capsys):
    rng = np.random.default_rng(3)
    ids = [f"cust-{i}" for i in range(30)]
    ids[0] = "=HYPERLINK(\"http://x\")"
    ids[1] = "@SUM(A1)"
    points = pd.DataFrame({"id": ids, "a": rng.normal(size=30), "b": rng.normal(size=30)})
    data = tmp_path / "points.csv"
    points.to_csv(data, index=False)
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "solve", "kmedoids", "--data", str(data), "--set", "k=2", "--baseline",
                            "fasterpam", "--out", str(out))
    assert code == 0, err
    assert "medoids" in stdout
    written = pd.read_csv(out / "customers.csv")
    assert written["customer"].tolist()[2:] == ids[2:]
    assert written["customer"].tolist()[:2] == ["'" + ids[0], "'" + ids[1]]
    assert _decision(out)["tables"]["customers"][0]["customer"] == ids[0]  # JSON keeps the id as it is


def test_binning_writes_revenue_cost_and_net_apart(tmp_path, capsys):
    out = tmp_path / "bins"
    code, stdout, err = run(capsys, "solve", "binning", "--size", "3000", "--set", "n_bins=5", "--set",
                            "candidates=60", "--set", "monotonic=ascending", "--baseline", "dp", "--json",
                            "--out", str(out))
    record = one_json_object(stdout)
    assert code == 0, err
    bins = pd.read_csv(out / "bins.csv")
    assert {"revenue", "cost", "net", "conversions", "customers", "conversion_rate"} <= set(bins.columns)
    assert np.allclose(bins["net"], bins["revenue"] - bins["cost"])
    assert bins["net"].sum() == pytest.approx(record["objective"])
    assert np.all(np.diff(bins["conversion_rate"]) >= 0)  # the monotone rule was honoured
    decision = _decision(out)
    assert decision["edges"][0] == 0.0 and decision["edges"][-1] == 1.0
    assert decision["cut_points"] == decision["edges"][1:-1] and len(decision["edges"]) == len(bins) + 1
    customers = pd.read_csv(out / "customers.csv")
    assert len(customers) == 3000
    assert np.bincount(customers["bin"], minlength=len(bins)).tolist() == bins["customers"].tolist()


def test_binning_summary_shows_the_cut_points(capsys):
    code, stdout, _ = run(capsys, "solve", "binning", "--size", "2000", "--set", "n_bins=4", "--baseline", "dp")
    assert code == 0
    line = next(line for line in stdout.splitlines() if line.startswith("cut points"))
    assert "(4 bins)" in line and line.count(",") == 2


def test_assignment_writes_the_plan(tmp_path, capsys):
    out = tmp_path / "plan"
    code, stdout, err = run(capsys, "solve", "assignment", "--size", "40", "--baseline", "greedy", "--json",
                            "--out", str(out))
    record = one_json_object(stdout)
    assert code == 0, err
    plan = pd.read_csv(out / "plan.csv")
    assert len(plan) == 40 and "customer_id" in plan.columns
    assert _decision(out)["expected_net_value"] == pytest.approx(record["objective"])


def test_out_onto_a_file_is_refused_before_the_solve(tmp_path, capsys):
    target = tmp_path / "taken.txt"
    target.write_text("keep me")
    code, stdout, err = run(capsys, "solve", "knapsack", "--size", "20", "--out", str(target))
    assert code == 2 and str(target) in err and "out" in err
    assert stdout == "" and "solving" not in err and target.read_text() == "keep me"


def test_out_onto_the_folder_of_an_input_is_refused(tmp_path, capsys):
    data = tmp_path / "customers.csv"
    pd.DataFrame({"a": [0.0, 1.0, 2.0, 5.0], "b": [1.0, 0.0, 2.0, 4.0]}).to_csv(data, index=False)
    before = data.read_text()
    code, _, err = run(capsys, "solve", "kmedoids", "--data", str(data), "--set", "k=2", "--out", str(tmp_path))
    assert code == 2 and "holds the input" in err and str(tmp_path) in err
    assert data.read_text() == before and sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv"]


def test_a_second_run_replaces_the_decision(tmp_path, capsys):
    out = tmp_path / "again"
    assert run(capsys, "solve", "knapsack", "--size", "30", "--baseline", "greedy", "--out", str(out))[0] == 0
    assert run(capsys, "solve", "knapsack", "--size", "50", "--baseline", "dp", "--out", str(out))[0] == 0
    assert len(pd.read_csv(out / "customers.csv")) == 50 and _decision(out)["backend"] == "baseline:dp"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left


def test_out_and_analysis_in_one_folder_is_refused(tmp_path, capsys):
    code, _, err = run(capsys, "solve", "binning", "--size", "500", "--baseline", "dp", "--out", str(tmp_path / "x"),
                       "--analysis", str(tmp_path / "x"))
    assert code == 2 and "--analysis folder" in err and not (tmp_path / "x").exists()


def test_decision_json_keeps_full_precision(tmp_path, capsys):
    out = tmp_path / "bins"
    assert run(capsys, "solve", "binning", "--size", "800", "--set", "n_bins=3", "--baseline", "dp", "--out", str(out))[0] == 0
    decision = _decision(out)
    uppers = [row["upper"] for row in decision["tables"]["bins"]]
    assert uppers == decision["edges"][1:]  # the table's edges are the facts' edges, bit for bit
