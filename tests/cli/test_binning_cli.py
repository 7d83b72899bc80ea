"""`qseg solve binning`: one full record with a DP-referenced gap, the analysis files, and bad
input as one line naming the field (exit 2) or an infeasible setting (exit 1)."""

from __future__ import annotations

import pytest

from tests.cli_support import one_json_object, run, without_progress


def test_solve_prints_one_record_with_a_gap(capsys):
    code, out, _ = run(capsys, "solve", "binning", "--size", "100000", "--seed", "1", "--backend", "sa",
                       "--reference", "--json")
    assert code == 0
    record = one_json_object(out)
    assert record["problem"] == "binning" and record["reference_source"] == "dp" and record["reference_proven"]
    assert record["gap"] is not None and record["gap"] >= 0
    assert len(record["details"]["bins"]) == 10


def test_analysis_writes_csv_json_and_png(capsys, tmp_path):
    code, _, _ = run(capsys, "solve", "binning", "--size", "5000", "--backend", "sa", "--polish",
                     "--set", "n_bins=5,candidates=30,revenue=30,40,50,60,70", "--analysis", str(tmp_path))
    assert code == 0
    for name in ("bins.csv", "bins.json", "bins.png"):
        assert (tmp_path / name).stat().st_size > 0


def test_csv_with_named_columns(capsys, tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text("p,y\n" + "\n".join(f"{i / 99:.4f},{i % 2}" for i in range(100)))
    code, out, _ = run(capsys, "solve", "binning", "--data", str(path), "--backend", "cbc", "--reference", "--json",
                       "--set", "propensity_column=p,outcome_column=y", "--set", "n_bins=3,candidates=10")
    assert code == 0 and one_json_object(out)["gap"] == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize(("settings", "field"), [
    ("n_bins=0", "n_bins"), ("min_bin_size=0", "min_bin_size"), ("n_bins=4,revenue=1,2", "revenue"),
    ("cost=inf", "cost"), ("min_bin_size=400", "min_bin_size"),
])
def test_bad_settings_exit_2_naming_the_field(capsys, settings, field):
    code, _, err = run(capsys, "solve", "binning", "--size", "1000", "--set", settings)
    assert code == 2 and len(without_progress(err).strip().splitlines()) == 1 and field in err


@pytest.mark.parametrize(("rows", "field"), [
    ("0.5,1\n1.5,0\n", "propensity"), ("0.5,1\nnan,0\n", "propensity"), ("0.5,1\n0.2,3\n", "outcome"),
])
def test_bad_data_exit_2(capsys, tmp_path, rows, field):
    path = tmp_path / "bad.csv"
    path.write_text("propensity,outcome\n" + rows)
    code, _, err = run(capsys, "solve", "binning", "--data", str(path), "--set", "n_bins=1,min_bin_size=1")
    assert code == 2 and len(without_progress(err).strip().splitlines()) == 1 and field in err


def test_infeasible_monotone_exits_1(capsys, tmp_path):
    path = tmp_path / "falling.csv"
    path.write_text("propensity,outcome\n" + "\n".join(f"{i / 39:.4f},{int(i < 20)}" for i in range(40)))
    code, _, err = run(capsys, "solve", "binning", "--data", str(path),
                       "--set", "n_bins=4,min_bin_size=8,monotonic=ascending,candidates=10")
    assert code == 1 and "monotonic=ascending" in err
