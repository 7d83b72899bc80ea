"""Retention data: the generator, the named dataset, CSV round trips, the memo's parameters
(defaults, scaling, exact floors) and every bad input of the issue (BadInputError naming the field
and the value)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import qseg
from qseg.data import retention
from qseg.errors import BadInputError, UnknownNameError
from qseg.problems.assignment.rules import cap_count, floor_count, rate, settings_from


def test_generator_matches_the_memo_ranges_and_is_reproducible():
    customers = retention.generate_customers(2000, 3)
    assert customers["churn_probability"].between(0.005, 0.998).all()
    assert customers["clv"].between(120, 480).all()
    assert set(customers["subscription_type"]) == set(retention.SUBSCRIPTION_TYPES)
    assert customers["customer_id"].is_unique
    pd.testing.assert_frame_equal(customers, retention.generate_customers(2000, 3))
    assert not customers.equals(retention.generate_customers(2000, 4))
    # about half the customers are high risk (the memo: |H| ~ 127 of 250)
    assert 0.4 < (customers["churn_probability"] > 0.5).mean() < 0.6


def test_default_catalogue_has_the_memo_layout():
    actions = retention.check_actions(retention.default_actions())
    assert len(actions) == 8
    assert actions.loc[0, ["channel", "cost", "uplift"]].tolist() == ["none", 0.0, 0.0]
    channel = actions["channel"].tolist()
    assert [k for k, c in enumerate(channel) if c == "email"] == [1, 2, 7]
    assert [k for k, c in enumerate(channel) if c == "in-app-push"] == [5, 6]
    assert [k for k, c in enumerate(channel) if c == "other"] == [3, 4]
    assert actions["cost"].between(0, 30).all()
    discount = actions[actions["action_name"] == "20% Discount Offer"].iloc[0]
    assert (discount["cost"], discount["uplift"]) == (20.0, 0.15)


def test_named_dataset_is_250_customers_and_size_takes_the_first():
    full = qseg.problem("assignment", data="retention")
    first = qseg.problem("assignment", data="retention", size=100)
    assert full.size == 250 and full.instance == "retention"
    np.testing.assert_array_equal(first.churn, full.churn[:100])
    with pytest.raises(BadInputError, match="size"):
        qseg.problem("assignment", data="retention", size=251)


def test_csv_round_trip_through_a_folder_and_through_a_file_with_actions(tmp_path: Path):
    generated = qseg.problem("assignment", size=40, seed=5, weekly_budget=60)
    customers_path, actions_path = retention.save_retention(generated.data, tmp_path / "shop")
    from_folder = qseg.problem("assignment", data=str(tmp_path / "shop"), weekly_budget=60)
    from_file = qseg.problem("assignment", data=str(customers_path), actions=str(actions_path), weekly_budget=60)
    for loaded in (from_folder, from_file):
        np.testing.assert_array_equal(loaded.weights, generated.weights)
        assert [r.limit for r in loaded.rows] == [r.limit for r in generated.rows]
        assert loaded.fingerprint() == generated.fingerprint()
    assert from_folder.instance == "shop" and from_file.instance == "customers"


def test_absolute_defaults_scale_with_the_number_of_customers_unless_set():
    assert settings_from({}, 250).weekly_budget == 150
    scaled = settings_from({}, 2500)
    assert (scaled.weekly_budget, scaled.email_capacity, scaled.push_capacity) == (1500, 1200, 1000)
    small = settings_from({}, 100)
    assert (small.weekly_budget, small.email_capacity, small.push_capacity) == (60, 48, 40)
    assert settings_from({}, 101).email_capacity == 48  # 120 * 101 / 250 = 48.48 messages -> 48
    chosen = settings_from({"weekly_budget": "200", "email_capacity": "90"}, 2500)
    assert (chosen.weekly_budget, chosen.email_capacity, chosen.push_capacity) == (200, 90, 1000)
    assert settings_from({}, 250).min_high_risk_pct == Fraction(3, 5)


def test_floors_and_caps_are_exact_integers():
    assert floor_count(rate("min_high_risk_pct", 0.6), 98) == 59  # 58.8 -> 59
    assert floor_count(rate("r", 0.7), 10) == 7  # float: 7.000000000000001 -> 8
    assert floor_count(rate("r", "0.15"), 60) == 9
    assert cap_count(rate("r", 0.5), 251) == 125
    assert cap_count(rate("r", 0.7), 10) == 7


def test_problem_floors_use_exact_ceilings():
    problem = qseg.problem("assignment", size=250, seed=0)
    high_risk = int(problem.high_risk.sum())
    floors = problem.floors()
    assert floors["min_high_risk"].required == floor_count(Fraction("0.6"), high_risk)
    assert floors["min_high_risk"].group == high_risk
    for name in problem.segment_names:
        group = int((problem.data.customers["subscription_type"] == name).sum())
        assert floors[f"min_segment_{name}"].required == -(-group * 15 // 100)


def _customers(tmp_path: Path, **changes) -> Path:
    frame = retention.generate_customers(12, 1)
    for column, (row, value) in changes.items():
        frame[column] = frame[column].astype(object)
        frame.loc[row, column] = value
    path = tmp_path / "customers.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("column", "value", "field"), [
    ("churn_probability", 1.2, "churn_probability[3]"),
    ("churn_probability", -0.1, "churn_probability[3]"),
    ("clv", -5.0, "clv[3]"),
    ("subscription_type", "Gold", "subscription_type[3]"),
    ("churn_probability", "high", "churn_probability[3]"),
])
def test_bad_customer_values_name_the_field_and_value(tmp_path, column, value, field):
    path = _customers(tmp_path, **{column: (3, value)})
    with pytest.raises(BadInputError) as raised:
        qseg.problem("assignment", data=str(path))
    assert raised.value.field == field and str(value) in str(raised.value)


def test_duplicate_customer_ids_and_missing_columns(tmp_path):
    path = _customers(tmp_path, customer_id=(5, 1))
    with pytest.raises(BadInputError, match="customer_id=1: duplicate customer id"):
        qseg.problem("assignment", data=str(path))
    frame = pd.read_csv(path).drop(columns=["clv"])
    frame.to_csv(path, index=False)
    with pytest.raises(BadInputError, match="customers.csv column=clv: missing"):
        qseg.problem("assignment", data=str(path))


@pytest.mark.parametrize(("column", "row", "value", "field"), [
    ("cost", 2, -1.0, "cost[2]"),
    ("channel", 5, "fax", "channel[5]"),
    ("uplift", 4, 1.5, "uplift[4]"),
])
def test_bad_actions_name_the_field_and_value(tmp_path, column, row, value, field):
    actions = retention.default_actions()
    actions[column] = actions[column].astype(object)
    actions.loc[row, column] = value
    path = tmp_path / "actions.csv"
    actions.to_csv(path, index=False)
    with pytest.raises(BadInputError) as raised:
        qseg.problem("assignment", size=20, actions=str(path), weekly_budget=100)
    assert raised.value.field == field and str(value) in str(raised.value)


def test_actions_csv_needs_no_action_first_and_every_column(tmp_path):
    actions = retention.default_actions()
    actions.loc[0, "cost"] = 3.0
    actions.to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(BadInputError, match="no action"):
        qseg.problem("assignment", size=20, actions=str(tmp_path / "a.csv"))
    retention.default_actions().drop(columns=["uplift"]).to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(BadInputError, match="b.csv column=uplift"):
        qseg.problem("assignment", size=20, actions=str(tmp_path / "b.csv"))


@pytest.mark.parametrize(("key", "value"), [
    ("min_high_risk_pct", 1.5), ("min_premium_pct", -0.2), ("max_action_pct", "lots"),
    ("min_segment_coverage_pct", 2), ("weekly_budget", -10), ("email_capacity", 12.5),
])
def test_bad_parameters_name_the_key_and_value(key, value):
    with pytest.raises(BadInputError) as raised:
        qseg.problem("assignment", size=20, **{key: value})
    assert raised.value.field == key and str(value) in str(raised.value)


def test_unknown_parameter_and_missing_data_are_bad_input(tmp_path):
    with pytest.raises(UnknownNameError, match="budget_fraction"):
        qseg.problem("assignment", size=20, budget_fraction=0.5)
    with pytest.raises(BadInputError, match="no such dataset"):
        qseg.problem("assignment", data=str(tmp_path / "nowhere.csv"))
