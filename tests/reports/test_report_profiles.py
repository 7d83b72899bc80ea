"""Performance-profile and ECDF arithmetic (qseg.metrics), the cost matrices built from
cells (qseg.reports.performance_profiles) and the instance family of a data value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qseg import metrics
from qseg.data.sources import FAMILIES, instance_family
from qseg.errors import BadInputError
from qseg.reports import performance_profiles as profiles
from qseg.reports.frame import load_frame
from tests.report_support import write_store

INF = np.inf


def test_performance_ratios_on_a_hand_made_example():
    costs = np.array([
        [1.0, 2.0, INF],  # solver 2 failed
        [3.0, 3.0, 6.0],  # a tie for the best
        [INF, INF, INF],  # nobody solved it
        [0.0, 0.0, 5.0],  # a zero best cost
    ])
    ratios = metrics.performance_ratios(costs)
    np.testing.assert_array_equal(ratios, [[1, 2, INF], [1, 1, 2], [INF, INF, INF], [1, 1, INF]])


def test_profile_counts_instances_within_each_factor_and_never_a_failure():
    ratios = metrics.performance_ratios([[1.0, 2.0, INF], [3.0, 3.0, 6.0], [INF, INF, INF], [0.0, 0.0, 5.0]])
    rho = metrics.profile(ratios, [1.0, 1.5, 2.0, INF])
    np.testing.assert_allclose(rho, [
        [3 / 4, 2 / 4, 0],      # fastest (ties count for both)
        [3 / 4, 2 / 4, 0],
        [3 / 4, 3 / 4, 1 / 4],
        [3 / 4, 3 / 4, 1 / 4],  # an instance nobody solved is never "within tau"
    ])
    assert (np.diff(rho, axis=0) >= 0).all(), "rho is non-decreasing in tau"


def test_performance_ratios_refuse_nan_and_negative_costs():
    with pytest.raises(BadInputError, match="costs=NaN"):
        metrics.performance_ratios([[1.0, np.nan]])
    with pytest.raises(BadInputError, match="costs"):
        metrics.performance_ratios([[1.0, -2.0]])
    with pytest.raises(BadInputError, match="costs"):
        metrics.performance_ratios([1.0, 2.0])


def test_ecdf_keeps_failures_in_the_denominator():
    x, y = metrics.ecdf([3.0, 1.0, INF, 2.0, np.nan])
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    np.testing.assert_allclose(y, [0.2, 0.4, 0.6])
    x, y = metrics.ecdf([INF, INF])
    assert x.size == 0 and y.size == 0
    assert metrics.ecdf([])[0].size == 0


def test_time_to_gap_is_infinite_unless_feasible_and_within_eps():
    times = metrics.time_to_gap([1.0, 2.0, 3.0, 4.0], [0.0, 0.02, np.nan, 0.005], [True, True, True, False], 0.01)
    np.testing.assert_array_equal(times, [1.0, INF, INF, INF])


def test_complete_block_drops_rare_solvers_then_those_that_cost_most_instances():
    ran = np.array([
        # common, common, half, rare
        [1, 1, 1, 1],
        [1, 1, 1, 0],
        [1, 1, 0, 0],
        [1, 1, 0, 0],
        [1, 1, 0, 0],
    ], dtype=bool)
    instances, solvers = metrics.complete_block(ran, min_coverage=0.25)
    # Keeping "half" leaves 2 instances x 3 solvers = 6 < 5 x 2 = 10 without it.
    np.testing.assert_array_equal(solvers, [True, True, False, False])
    np.testing.assert_array_equal(instances, [True] * 5)
    instances, solvers = metrics.complete_block(ran[:2], min_coverage=0.5)
    np.testing.assert_array_equal(solvers, [True, True, True, False])
    np.testing.assert_array_equal(instances, [True, True])
    with pytest.raises(BadInputError, match="min_coverage"):
        metrics.complete_block(ran, min_coverage=2.0)


@pytest.mark.parametrize(("data", "family"), [
    (None, "generated"), ("seed-000", "seed"), ("retention", "seed"), ("pmed1.txt", "library"),
    ("knapPI_1_100_1000_1", "library"), ("knapPI_1_50_1000.csv#knapPI_1_50_1000_7", "library"),
    ("/tmp/customers.csv", "file"), ("data/customers.csv", "file"), ("rfm:transactions.csv", "file"),
    ("rfm:generated", "generated"),
])
def test_instance_family(data, family):
    assert instance_family(data) == family
    assert family in FAMILIES


def test_load_derives_the_family_from_each_cells_spec(tmp_path):
    cells = load_frame(write_store(tmp_path / "store"))
    families = cells.groupby("instance")["family"].unique().map(list).to_dict()
    assert families["generated-n16-s1"] == ["generated"]
    assert families["seed-000"] == ["seed"]
    assert families["knapPI_1_100_1000_1"] == ["library"] and families["pmed1"] == ["library"]


def test_instance_keys_tell_sizes_of_one_dataset_apart_and_are_never_missing(tmp_path):
    cells = load_frame(write_store(tmp_path / "store"))
    keys = profiles.instance_keys(cells)
    assert keys.notna().all()
    kmedoids = cells["problem"] == "kmedoids"
    # seed-000 at N = 50 and N = 100 are two instances; pmed1 has no seed and still one key
    assert keys[kmedoids].nunique() == 3


def test_profile_data_counts_a_timeout_as_a_failure_and_leaves_out_what_did_not_run(tmp_path):
    cells = load_frame(write_store(tmp_path / "store"))
    knapsack = cells[(cells["problem"] == "knapsack") & (cells["status"] != "skipped")]
    data = profiles.profile_data(knapsack, profiles.series_labels(knapsack), "time")
    assert data is not None
    assert "qaoa / unbalanced" not in data.ratios.columns  # skipped: not run, not failed
    assert len(data.ratios) == 4
    assert np.isinf(data.ratios["sa / slack"]).any(), "the infeasible cell never reaches the target"
    np.testing.assert_allclose(data.ratios.min(axis=1), 1.0)
    kmedoids = cells[cells["problem"] == "kmedoids"]
    data = profiles.profile_data(kmedoids, profiles.series_labels(kmedoids), "quality")
    assert data is not None and np.isinf(data.ratios["tabu / selection"]).sum() == 1
    assert isinstance(data.rho(1.0), pd.Series) and data.rho(1.0)["highs / cqm"] == 1.0
