"""PropensityBinning: optbinning's interface over the binning problem, its table and JSON."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import qseg
from qseg.data.propensity import propensity_customers
from qseg.errors import BadInputError
from qseg.estimators import PropensityBinning
from qseg.problems.binning import BinningCollapseWarning


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return propensity_customers(20_000, 5)


@pytest.fixture(scope="module")
def fitted(customers: pd.DataFrame) -> PropensityBinning:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BinningCollapseWarning)
        return PropensityBinning(6, monotonic_trend="ascending", candidates=200, min_bin_size=0.02).fit(
            customers["propensity"], customers["outcome"])


def test_the_dp_fit_is_the_problems_optimum_and_the_table_totals_equal_it(customers, fitted):
    problem = qseg.problem("binning", data=customers, n_bins=6, monotonic="ascending", candidates=200,
                           min_bin_size=400)
    optimum, _ = problem.native_optimum()
    table = fitted.binning_table
    assert fitted.record_.objective == pytest.approx(optimum)
    assert table.loc["Totals", "Net"] == pytest.approx(optimum)
    assert table.loc["Totals", "Revenue"] - table.loc["Totals", "Cost"] == pytest.approx(optimum)
    bins = table.drop(index="Totals")
    assert len(bins) == 6 and len(fitted.splits) == 5
    assert bins["Count"].sum() == len(customers) == table.loc["Totals", "Count"]
    assert bins["Event"].sum() == customers["outcome"].sum()
    assert (bins["Count"] >= 400).all()
    assert (np.diff(bins["Event rate"].to_numpy(dtype=float)) >= -1e-12).all()  # ascending
    assert np.allclose(bins["Revenue"], 30 * bins["Event"]) and np.allclose(bins["Cost"], 2 * np.arange(6) * bins["Count"])
    events, non = bins["Event"] / bins["Event"].sum(), bins["Non-event"] / bins["Non-event"].sum()
    assert np.allclose(bins["WoE"], np.log(non / events))
    assert table.loc["Totals", "IV"] == pytest.approx(float(((non - events) * np.log(non / events)).sum()))
    assert list(table.columns) == ["Bin", "Count", "Count (%)", "Non-event", "Event", "Event rate", "Revenue", "Cost",
                                   "Net", "WoE", "IV"]


def test_transform_gives_bins_labels_rates_and_woe(customers, fitted):
    x = customers["propensity"].to_numpy()
    bins = fitted.transform(x)
    assert np.array_equal(bins, np.searchsorted(fitted.splits, x, side="right"))
    labels = fitted.transform(x[:3], metric="labels")
    assert list(labels) == [fitted.binning_table["Bin"].iloc[b] for b in bins[:3]]
    assert np.allclose(fitted.transform(x[:3], metric="woe"), fitted.binning_table["WoE"].to_numpy()[bins[:3]])
    with pytest.raises(ValueError, match="metric"):
        fitted.transform(x, metric="nope")


def test_save_and_load_round_trip_and_damaged_files_are_named(tmp_path, fitted):
    path = fitted.save(tmp_path / "bins.json")
    loaded = PropensityBinning.load(path)
    assert np.array_equal(loaded.splits, fitted.splits)
    assert loaded.get_params() == fitted.get_params()
    pd.testing.assert_frame_equal(loaded.binning_table, fitted.binning_table, check_dtype=False)
    data = json.loads(path.read_text())
    data["edges"][2] = data["edges"][1]
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(BadInputError) as caught:
        PropensityBinning.load(tmp_path / "bad.json")
    assert caught.value.field == "edges"
    (tmp_path / "cut.json").write_text(path.read_text()[:100])
    with pytest.raises(BadInputError) as caught:
        PropensityBinning.load(tmp_path / "cut.json")
    assert caught.value.field == "binning"


def test_bad_input_in_scikit_learns_style(customers):
    with pytest.raises(NotFittedError):
        PropensityBinning().transform([0.5])
    x, y = customers["propensity"].to_numpy()[:500].copy(), customers["outcome"].to_numpy()[:500]
    x[7] = np.nan
    with pytest.raises(ValueError, match=r"x\[7\]"):
        PropensityBinning(3).fit(x, y)
    with pytest.raises(ValueError, match="^y="):
        PropensityBinning(3).fit(x[:5], y[:4])
    with pytest.raises(ValueError, match="monotonic_trend"):
        PropensityBinning(3, monotonic_trend="up").fit(x[:5], y[:5])
    clean = customers["propensity"].to_numpy()[:500]
    with pytest.raises(ValueError, match="monotonic"):
        PropensityBinning(3, monotonic_trend="ascending", solver="sa").fit(clean, y)
    with pytest.raises(ValueError, match="x"):
        PropensityBinning(3).fit(np.ones((10, 2)), y[:10])


def test_a_backend_solves_without_the_monotone_rule(customers):
    x, y = customers["propensity"].to_numpy()[:2000], customers["outcome"].to_numpy()[:2000]
    dp = PropensityBinning(3, candidates=20, solver="dp").fit(x, y)
    sa = PropensityBinning(3, candidates=20, solver="sa", backend_params={"num_reads": 50}).fit(x, y)
    assert sa.record_.backend == "sa"
    assert sa.binning_table.loc["Totals", "Net"] == pytest.approx(sa.record_.objective)
    assert sa.record_.objective <= dp.record_.objective + 1e-9


def test_the_default_objective_warns_when_bins_collapse_to_the_grid_step():
    frame = propensity_customers(20_000, 0)
    with pytest.warns(BinningCollapseWarning, match="one grid step wide"):
        model = PropensityBinning().fit(frame["propensity"], frame["outcome"])
    assert model.warnings_ and "raise candidates" in model.warnings_[0]


def test_the_problem_takes_a_dataframe_and_an_array_and_shows_its_settings(customers):
    indexed = customers.head(3000).set_index(pd.Index([f"c{i}" for i in range(3000)]))
    problem = qseg.problem("binning", data=indexed, n_bins=4, monotonic="ascending")
    assert problem.customer_ids()[0] == "c0"
    assert repr(problem) == ("BinningProblem('binning', instance='customers-n3000', customers=3000, n_bins=4, "
                             "n_bins_mode='exactly', min_bin_size=10, max_bin_size=None, monotonic='ascending', "
                             "candidates=50)")
    from_array = qseg.problem("binning", data=customers.head(3000).to_numpy(), n_bins=4, monotonic="ascending")
    assert from_array.native_optimum() == problem.native_optimum()
    with pytest.raises(BadInputError) as caught:
        qseg.problem("binning", data=customers.rename(columns={"outcome": "converted"}))
    assert caught.value.field == "outcome_column" and len(str(caught.value)) < 200
