"""Automatic penalty tuning: attempts recorded and timed, infeasible fixed penalties end feasible,
per-constraint scaling, and the cell key unchanged for cells without tuning."""

from __future__ import annotations

from pathlib import Path

import pytest

import qseg
from qseg.errors import BadInputError
from qseg.harness.suite import SuiteError, load_suite
from qseg.solving.tuning import MAX_RAISES, RAISE_FACTOR, REFINE_STEPS
from qseg.store.spec import CellSpec, InstanceSpec, content_hash

FAST = {"num_reads": 20, "num_sweeps": 200}
TINY_SLACK = {"lam": 1e-7}  # in cents squared: overspending costs next to nothing


@pytest.fixture(scope="module")
def knapsack():
    return qseg.problem("knapsack", size=60, seed=3)


def test_a_tiny_fixed_penalty_is_infeasible_and_tuning_makes_it_feasible(knapsack):
    fixed = qseg.solve(knapsack, "sa", formulation="slack", penalties=TINY_SLACK, reference=True, **FAST)
    tuned = qseg.solve(knapsack, "sa", formulation="slack", penalties=TINY_SLACK, reference=True,
                       penalty_tuning=True, **FAST)
    assert fixed.feasible is False and fixed.penalty_tuning is None
    assert tuned.feasible is True and tuned.status == "ok"
    attempts = tuned.penalty_tuning
    assert attempts is not None and 2 <= len(attempts) <= 1 + MAX_RAISES + REFINE_STEPS
    first = attempts[0]
    assert first["factor"] == 1.0 and first["feasible"] is False and first["violated"] == ["budget"]
    assert first["penalties"] == TINY_SLACK
    assert attempts[1]["factor"] == RAISE_FACTOR and attempts[1]["scaled"] == ["lam"]
    assert attempts[1]["penalties"]["lam"] == pytest.approx(RAISE_FACTOR * TINY_SLACK["lam"])
    chosen = [a for a in attempts if a["chosen"]]
    assert len(chosen) == 1 and chosen[0]["feasible"] and tuned.penalties == chosen[0]["penalties"]
    assert tuned.objective == max(a["objective"] for a in attempts if a["feasible"])


def test_every_attempt_counts_in_the_cell_time_and_tts(knapsack):
    tuned = qseg.solve(knapsack, "sa", formulation="slack", penalties=TINY_SLACK, reference=True,
                       penalty_tuning=True, **FAST)
    attempts = tuned.penalty_tuning
    assert tuned.timing["wall_ns"] == sum(a["wall_ns"] for a in attempts)
    assert tuned.wall_s == pytest.approx(sum(a["wall_ns"] for a in attempts) / 1e9)
    if tuned.tts99_s is not None:
        overhead = sum(a["basis_ns"] for a in attempts if not a["chosen"]) / 1e9
        assert tuned.tts99_s >= overhead > 0


def test_a_feasible_first_solve_is_the_only_attempt(knapsack):
    record = qseg.solve(knapsack, "sa", reference=True, penalty_tuning=True, **FAST)
    assert record.feasible and len(record.penalty_tuning) == 1 and record.penalty_tuning[0]["chosen"]


def test_the_option_is_also_a_parameter_as_the_cli_passes_it(knapsack):
    record = qseg.solve(knapsack, "sa", formulation="slack", penalties=TINY_SLACK,
                        params={"penalty_tuning": "true", **FAST})
    assert record.penalty_tuning is not None and "penalty_tuning" not in record.params
    with pytest.raises(BadInputError, match="penalty_tuning"):
        qseg.solve(knapsack, "sa", params={"penalty_tuning": "maybe"})


def test_a_model_without_penalties_cannot_be_tuned(knapsack):
    with pytest.raises(BadInputError, match="no penalty weights"):
        qseg.solve(knapsack, "cbc", penalty_tuning=True)


def test_scaling_follows_the_violated_constraint():
    retention = qseg.problem("assignment", size=20, seed=1)
    used = retention.build_qubo("unbalanced").penalties
    options, scaled = retention.scaled_penalties("unbalanced", used, {}, ["one_hot_3"], 4.0)
    assert scaled == ["one_hot_scale"] and options == {"one_hot_scale": 4.0, "row_scale": 1.0}
    options, scaled = retention.scaled_penalties("unbalanced", used, {}, ["budget"], 4.0)
    assert scaled == ["row_scale"] and options["one_hot_scale"] == 1.0
    rebuilt = retention.build_qubo("unbalanced", **options).penalties
    assert rebuilt["one_hot"] == pytest.approx(used["one_hot"])
    assert all(rebuilt[k] == pytest.approx(4.0 * v) for k, v in used.items() if k.startswith("lambda"))


def test_pinned_weights_keep_what_the_rule_derived():
    knapsack = qseg.problem("knapsack", data="seed-000", budget_fraction=0.5)
    used = knapsack.build_qubo("unbalanced").penalties
    options, scaled = knapsack.scaled_penalties("unbalanced", used, {"kappa": 16.0}, ["budget"], 10.0)
    assert scaled == ["lambda1", "lambda2"]
    assert options == {"kappa": 16.0, "lambda1": 10 * used["lambda1"], "lambda2": 10 * used["lambda2"]}
    kmedoids = qseg.problem("kmedoids", size=12, seed=1)
    used = kmedoids.build_qubo("selection").penalties
    options, scaled = kmedoids.scaled_penalties("selection", used, {}, ["medoids"], 10.0)
    assert scaled == ["gamma"] and options == {"gamma": 10 * used["gamma"]}


def test_kmedoids_with_a_weak_count_penalty_ends_feasible():
    problem = qseg.problem("kmedoids", size=20, seed=1)
    weak = {"gamma": 1e-3}  # the medoid count is nearly free: the sampler opens many medoids
    fixed = qseg.solve(problem, "sa", formulation="selection", penalties=weak, **FAST)
    tuned = qseg.solve(problem, "sa", formulation="selection", penalties=weak, penalty_tuning=True, **FAST)
    assert fixed.feasible is False
    assert tuned.feasible is True and tuned.penalty_tuning[0]["violated"] == ["medoids"]


def _cell(**changes: object) -> CellSpec:
    fields: dict[str, object] = {
        "instance": InstanceSpec("knapsack", None, 10, 1), "formulation": "slack", "backend": "sa",
        "params": {"num_reads": 5}, "penalties": {}, "polish": False, "repeat": 0, "reference_backend": "cbc",
    }
    return CellSpec(**{**fields, **changes})  # type: ignore[arg-type]


def test_a_cell_without_tuning_keeps_its_key():
    cell = _cell()
    before = {"instance": cell.instance.to_json(), "formulation": "slack", "backend": "sa", "params": {"num_reads": 5},
              "penalties": {}, "polish": False, "repeat": 0, "reference": "cbc"}
    assert cell.key == content_hash(before)
    tuned = _cell(penalty_tuning=True)
    assert tuned.key != cell.key
    assert CellSpec.from_json(tuned.to_json()) == tuned and CellSpec.from_json(cell.to_json()).key == cell.key


SUITE = """
name = "tuning"
[[instances]]
problem = "knapsack"
sizes = [10]

[[backends]]
name = "sa"
params = { num_reads = 5 }
formulations = ["slack"]
penalty_tuning = true
"""


def test_a_suite_backend_table_turns_tuning_on(tmp_path: Path):
    path = tmp_path / "suite.toml"
    path.write_text(SUITE)
    cells = load_suite(path).cells
    assert [c.penalty_tuning for c in cells] == [True]
    path.write_text(SUITE.replace('name = "sa"', 'name = "cbc"').replace('params = { num_reads = 5 }\n', "")
                    .replace('formulations = ["slack"]\n', ""))
    with pytest.raises(SuiteError, match="penalty_tuning"):
        load_suite(path)
