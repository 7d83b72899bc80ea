"""The retention analysis: KPIs, the constraint table (binding rows, shadow prices in the natural
sense), the treatment plan, the budget sweep and the eight plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import qseg
from qseg.workflows import retention as analysis


@pytest.fixture(scope="module")
def solved():
    problem = qseg.problem("assignment", size=60, seed=3)
    actions = analysis.best_actions(problem, qseg.backend("highs").solve(problem.cqm()))
    return problem, actions


def test_kpis_add_up(solved):
    problem, actions = solved
    figures = analysis.kpis(problem, actions)
    plan = analysis.plan_table(problem, actions)
    assert figures["customers_treated"] == int((plan["action_id"] > 0).sum())
    assert figures["spend"] == pytest.approx(plan["cost"].sum())
    assert figures["expected_net_value"] == pytest.approx(plan["expected_net_value"].sum())
    assert figures["expected_net_value"] == pytest.approx(figures["value_retained"] - figures["spend"])
    assert figures["roi"] == pytest.approx(figures["expected_net_value"] / figures["spend"])
    assert figures["spend"] <= problem.settings.weekly_budget + 1e-9


def test_plan_table_has_the_documented_columns(solved):
    problem, actions = solved
    plan = analysis.plan_table(problem, actions)
    assert tuple(plan.columns) == analysis.tables.PLAN_COLUMNS and len(plan) == problem.size
    treated = plan[plan["action_id"] > 0]
    assert set(treated["channel"]) <= {"email", "in-app-push", "other"}
    assert (plan.loc[plan["action_id"] == 0, "cost"] == 0).all()
    np.testing.assert_allclose(plan["expected_net_value"], problem.weights[np.arange(problem.size), actions])


def test_constraint_table_marks_binding_rows_and_converts_duals(solved):
    problem, actions = solved
    duals = {"budget": -4.0, "min_high_risk": 2.5, "one_hot_3": 1.0}  # minimisation sense
    table = analysis.constraint_table(problem, actions, {k: -v for k, v in duals.items()})
    budget = table.set_index("constraint").loc["budget"]
    assert budget["shadow_price"] == 4.0 and budget["limit"] == problem.settings.weekly_budget
    assert table.set_index("constraint").loc["min_high_risk", "shadow_price"] == -2.5
    assert pd.isna(table.set_index("constraint").loc["email_capacity", "shadow_price"])
    assert budget["binding"] == (budget["slack"] < 1.0)  # the cheapest action costs $1
    capped = table[table["sense"] == "<="]
    assert (capped["used"] <= capped["limit"] + 1e-9).all()
    assert (table["utilisation"].dropna() >= 0).all()


@pytest.mark.parametrize("backend", ["cbc", "highs"])
def test_shadow_prices_come_from_the_backends_duals_in_the_natural_sense(backend):
    """Any exact backend with ``relax=true`` serves (both found through their entry points): a
    binding cap is worth > 0, a binding floor < 0 (it costs net value), one-hot rows are left out."""
    problem = qseg.problem("assignment", size=60, seed=3, min_premium_pct=0.9)
    prices = analysis.shadow_prices(problem, backend)
    assert set(prices) == {row.name for row in problem.rows} and not any(k.startswith("one_hot") for k in prices)
    assert prices["budget"] > 0 and prices["min_premium"] < 0
    for row, price in zip(problem.rows, problem.lp_relaxation().prices):
        assert prices[row.name] == pytest.approx(price if row.sense == "<=" else -price, abs=1e-5), row.name


def test_shadow_prices_from_highs_match_the_lp_prices(solved):
    problem, _ = solved
    if "relax" not in qseg.backend("highs").parameters:
        pytest.skip("the highs backend has no LP relaxation (relax) yet")
    prices = analysis.shadow_prices(problem, "highs")
    expected = problem.lp_relaxation().prices
    for row, price in zip(problem.rows, expected):
        natural = price if row.sense == "<=" else -price
        assert prices[row.name] == pytest.approx(natural, abs=1e-6), row.name
    assert prices["budget"] > 0


def test_budget_sweep_reports_infeasible_budgets_and_binding_rows(solved):
    problem, _ = solved
    sweep = analysis.budget_sweep(problem, [5, 20, 36, 120])
    assert sweep["status"].tolist()[0] == "infeasible" and "cannot be met" in sweep["message"].iloc[0]
    solved_rows = sweep[sweep["status"] == "ok"]
    assert len(solved_rows) == 3 and solved_rows["proven_optimal"].all()
    values = solved_rows["expected_net_value"].to_numpy(dtype=float)
    assert (np.diff(values) >= -1e-9).all()  # more budget never hurts
    assert "budget" in solved_rows["binding"].iloc[0]
    assert solved_rows["marginal_value_per_dollar"].iloc[1:].notna().all()


def test_write_analysis_writes_tables_eight_plots_and_the_plan(solved, tmp_path):
    problem, actions = solved
    written = analysis.write_analysis(problem, actions, tmp_path, budgets=[20, 36, 60])
    names = {p.name for p in written}
    assert set(analysis.PLOT_FILES) <= names and len(analysis.PLOT_FILES) == 8
    assert {"kpis.csv", "constraints.csv", "budget_sensitivity.csv", "treatment_plan.csv"} <= names
    for path in written:
        assert path.is_file() and path.stat().st_size > 0
    assert len(pd.read_csv(tmp_path / "treatment_plan.csv")) == problem.size
    assert len(pd.read_csv(tmp_path / "budget_sensitivity.csv")) == 3
