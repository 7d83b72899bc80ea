"""``qseg segment``: every artefact on generated transactions, a CSV in the Online Retail layout
(latin-1, the data set's own date style) unchanged, ``--assign`` reproducing the fitted labels
exactly, another layout through ``--columns``, ``qseg solve kmedoids --data rfm:FILE`` printing a
full record, and the bad inputs (exit 2, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from cli_support import without_progress

from qseg.cli import main
from qseg.data.rfm import synthetic_transactions, write_transactions_csv

EXIT_BAD_INPUT = 2

QUICK = ["--backend", "sa", "--param", "num_reads=10", "--param", "num_sweeps=200", "--resamples", "2"]
ARTEFACTS = {"segment.md", "cleaning.json", "features.csv", "comparison.csv", "profiles.csv", "model_selection.csv",
             "model_selection.png", "record.json", "segmenter.json", "segments.png", "profiles.png"}


@pytest.fixture(scope="module")
def transactions(tmp_path_factory) -> Path:
    """A 150-customer file in the Online Retail layout, written as latin-1 like the data set."""
    rows, _ = synthetic_transactions(150, 7)
    rows.loc[rows.index[:3], "Description"] = "CRÈME BRÛLÉE SET £"
    path = tmp_path_factory.mktemp("tx") / "online_retail.csv"
    rows.to_csv(path, index=False, encoding="latin-1")
    return path


def test_generated_transactions_write_every_artefact(tmp_path, capsys):
    out = tmp_path / "seg"
    assert main(["segment", "generated", "--customers", "200", "--k", "2..4", *QUICK, "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == ARTEFACTS | {"transactions.csv"}  # generated rows are written too
    comparison = pd.read_csv(out / "comparison.csv")
    assert list(comparison["method"]) == ["qubo:sa/selection+polish+refine", "kmeans", "gmm", "fasterpam", "hdbscan"]
    assert comparison["pmedian_cost"].notna().all() and comparison["stability"].notna().all()
    cleaning = json.loads((out / "cleaning.json").read_text())
    assert cleaning["rows_in"] - sum(step["dropped"] for step in cleaning["steps"]) == cleaning["rows_out"]
    record = json.loads((out / "record.json").read_text())
    assert record["status"] == "ok" and record["problem"] == "kmedoids" and record["size"] == 200
    segmenter = json.loads((out / "segmenter.json").read_text())
    assert pd.read_csv(out / "model_selection.csv")["k"].tolist() == [2, 3, 4]
    k = len(segmenter["medoids"])
    assert len(segmenter["segment_names"]) == k == pd.read_csv(out / "profiles.csv").shape[0] == record["details"]["k"]
    assert str(out / "segment.md") in capsys.readouterr().out


def test_a_method_that_finds_no_cluster_gets_no_stability(tmp_path):
    out = tmp_path / "tiny"
    assert main(["segment", "generated", "--customers", "40", "--k", "2", *QUICK, "--out", str(out)]) == 0
    comparison = pd.read_csv(out / "comparison.csv").set_index("method")
    assert comparison.loc["hdbscan", "clusters"] == 0 and pd.isna(comparison.loc["hdbscan", "stability"])
    assert comparison.loc["kmeans", "stability"] in ("highly stable", "acceptable", "unreliable")


def test_a_second_run_into_the_same_folder_leaves_no_stale_artefact(transactions, tmp_path):
    out = tmp_path / "seg"
    assert main(["segment", str(transactions), "--k", "2..3", *QUICK, "--out", str(out)]) == 0
    assert (out / "model_selection.png").exists()
    assert main(["segment", str(transactions), "--k", "3", *QUICK, "--out", str(out)]) == 0
    assert not (out / "model_selection.png").exists() and (out / "segment.md").exists()


def test_an_online_retail_csv_works_and_assign_reproduces_the_labels(transactions, tmp_path):
    out, assigned = tmp_path / "fit", tmp_path / "assigned"
    assert main(["segment", str(transactions), "--k", "3", *QUICK, "--out", str(out)]) == 0
    assert main(["segment", "--assign", str(out / "segmenter.json"), str(transactions), "--out", str(assigned)]) == 0
    fitted = pd.read_csv(out / "features.csv", dtype={"CustomerID": str}).set_index("CustomerID")
    again = pd.read_csv(assigned / "assignments.csv", dtype={"CustomerID": str}).set_index("CustomerID")
    assert len(fitted) == len(again) > 100
    pd.testing.assert_series_equal(fitted["segment"], again.loc[fitted.index, "segment"])
    assert (fitted["segment_name"] == again.loc[fitted.index, "segment_name"]).all()


def test_another_layout_through_a_column_mapping(transactions, tmp_path, capsys):
    renamed = pd.read_csv(transactions, encoding="latin-1").rename(columns={"InvoiceNo": "Order", "CustomerID": "Client"})
    path = tmp_path / "other.csv"
    renamed.to_csv(path, index=False)
    out = tmp_path / "seg"
    assert main(["segment", str(path), "--k", "3", *QUICK, "--columns", "invoice:Order,customer:Client",
                 "--out", str(out)]) == 0
    assert (out / "segmenter.json").exists()
    assert main(["segment", "--assign", str(out / "segmenter.json"), str(path), "--columns",
                 "invoice:Order,customer:Client"]) == 0
    assert capsys.readouterr().out.count("\n") > 100


def test_solve_kmedoids_on_rfm_data_prints_a_full_record(tmp_path, capsys):
    rows, _ = synthetic_transactions(40, 3)
    path = tmp_path / "small.csv"
    write_transactions_csv(rows, path)
    assert main(["solve", "kmedoids", "--data", f"rfm:{path}", "--backend", "sa", "--reference", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "ok" and record["reference"] is not None and record["gap"] is not None
    assert record["instance"] == "rfm-small" and record["size"] == 40 and record["num_variables"] == 40


def bad(tmp_path: Path, rows: pd.DataFrame, name: str = "bad.csv") -> Path:
    path = tmp_path / name
    rows.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("case", "expected"), [
    ("missing_column", "UnitPrice"),
    ("bad_date", "InvoiceDate"),
    ("all_cancelled", "cancelled"),
    ("k_too_small", "k=1"),
    ("k_too_large", "k=500"),
    ("absent_mapping", "Nope"),
    ("out_is_a_file", "out="),
    ("unknown_backend", "backend=nope"),
    ("unknown_formulation", "formulation=nope"),
    ("no_candidates", "candidates=0"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(case, expected, transactions, tmp_path, capsys):
    rows = pd.read_csv(transactions, encoding="latin-1", dtype=str)
    out = tmp_path / "out"
    args = ["--k", "3"]
    source = transactions
    if case == "missing_column":
        source = bad(tmp_path, rows.drop(columns=["UnitPrice"]))
    elif case == "bad_date":
        rows.loc[rows.index[5], "InvoiceDate"] = "not a date"
        source = bad(tmp_path, rows)
    elif case == "all_cancelled":
        rows["InvoiceNo"] = "C" + rows["InvoiceNo"]
        source = bad(tmp_path, rows)
    elif case == "k_too_small":
        args = ["--k", "1"]
    elif case == "k_too_large":
        args = ["--k", "500"]
    elif case == "absent_mapping":
        args += ["--columns", "invoice:Nope"]
    elif case == "out_is_a_file":
        out.write_text("keep me")
    elif case in ("unknown_backend", "unknown_formulation", "no_candidates"):
        option = {"unknown_backend": "--backend", "unknown_formulation": "--formulation",
                  "no_candidates": "--candidates"}[case]
        args += [option, "0" if case == "no_candidates" else "nope"]
    assert main(["segment", str(source), *QUICK, *args, "--out", str(out)]) == EXIT_BAD_INPUT
    err = without_progress(capsys.readouterr().err).strip().splitlines()
    assert len(err) == 1 and expected in err[0]
    if case == "out_is_a_file":
        assert out.read_text() == "keep me"
    else:
        assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
