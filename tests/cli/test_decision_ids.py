"""Customer ids through every path of ``qseg solve --out``: invoice files (CustomerID), propensity
files (customer_id), coreset candidates; and ``qseg segment generated`` writing the transactions
it fitted, which ``--assign`` then reads back."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
from cli_support import one_json_object, run

from qseg.data.rfm import load_rfm, synthetic_transactions


def test_invoice_customer_ids_reach_the_segments(tmp_path, capsys):
    rows, _ = synthetic_transactions(60, 4)
    data = tmp_path / "invoices.csv"
    rows.to_csv(data, index=False)
    out = tmp_path / "out"
    code, _, err = run(capsys, "solve", "kmedoids", "--data", f"rfm:{data}", "--set", "k=3", "--baseline", "fasterpam",
                       "--out", str(out))
    assert code == 0, err
    customers = pd.read_csv(out / "customers.csv", dtype={"customer": str, "medoid": str})
    expected = load_rfm(data).features.index  # the invoice file's CustomerID after cleaning, in order
    assert customers["customer"].tolist() == [str(c) for c in expected] and len(expected) > 40
    assert set(customers["medoid"]) <= set(customers["customer"])


def test_coreset_candidates_still_give_every_customer_a_segment(tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "solve", "kmedoids", "--size", "120", "--set", "candidates=25", "--set", "k=3",
                            "--baseline", "pam", "--json", "--out", str(out))
    record = one_json_object(stdout)
    assert code == 0, err
    customers, medoids = pd.read_csv(out / "customers.csv"), pd.read_csv(out / "medoids.csv")
    assert len(customers) == 120 and medoids["customers"].sum() == 120
    assert abs(medoids["cost"].sum() - record["objective"]) < 1e-6


def test_propensity_file_ids_reach_the_customer_bins(tmp_path, capsys):
    rng = np.random.default_rng(0)
    p = rng.random(400)
    frame = pd.DataFrame({"customer_id": [f"+C{i}" for i in range(400)], "propensity": p,
                          "outcome": (rng.random(400) < p).astype(int)})
    data = tmp_path / "scores.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "out"
    code, _, err = run(capsys, "solve", "binning", "--data", str(data), "--set", "n_bins=3", "--baseline", "dp",
                       "--out", str(out))
    assert code == 0, err
    customers = pd.read_csv(out / "customers.csv")
    assert customers["customer"].tolist() == ["'" + c for c in frame["customer_id"]]  # escaped: a leading +
    edges = json.loads((out / "decision.json").read_text())["edges"]
    assert customers["bin"].tolist() == (np.searchsorted(edges[1:-1], p, side="right")).tolist()


def test_analysis_works_with_a_baseline(tmp_path, capsys):
    code, _, err = run(capsys, "solve", "binning", "--size", "1000", "--set", "n_bins=4", "--baseline", "dp",
                       "--analysis", str(tmp_path / "a"))
    assert code == 0, err
    assert (tmp_path / "a" / "bins.csv").is_file()


def test_segment_generated_writes_the_transactions_assign_reads(tmp_path, capsys):
    out = tmp_path / "seg"
    code, _, err = run(capsys, "segment", "generated", "--customers", "40", "--k", "2", "--param", "num_reads=10",
                       "--param", "num_sweeps=200", "--backend", "sa", "--resamples", "0", "--out", str(out))
    assert code == 0, err
    assert err.startswith("qseg segment: load")
    written = pd.read_csv(out / "transactions.csv")
    rows, _ = synthetic_transactions(40, 0)
    assert len(written) == len(rows) and list(written.columns) == list(rows.columns)
    code, assigned, err = run(capsys, "segment", str(out / "transactions.csv"), "--assign", str(out / "segmenter.json"))
    assert code == 0, err
    features = pd.read_csv(out / "features.csv", dtype={"CustomerID": str})
    labels = pd.read_csv(io.StringIO(assigned), dtype={"CustomerID": str})
    merged = features.merge(labels, on="CustomerID", suffixes=("", "_assigned"))
    assert len(merged) == len(features) and (merged["segment"] == merged["segment_assigned"]).all()
