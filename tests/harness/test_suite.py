"""Suite files: validated up front, errors name the file, the key and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

import qseg
from qseg.cli import main
from qseg.harness.suite import SuiteError, load_suite

GOOD = """
name = "t"
timeout_s = 30
formulations = ["unbalanced", "slack"]
baselines = ["greedy"]

[penalties.unbalanced]
kappa = 8

[[instances]]
problem = "knapsack"
sizes = [10, 20]
seeds = [1, 2]

[[backends]]
name = "sa"
params = { num_reads = 5 }

[[backends]]
name = "cbc"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


def test_a_suite_expands_into_hashed_cells(tmp_path):
    suite = load_suite(write(tmp_path, GOOD))
    # 4 instances x (sa x 2 formulations + cbc on the cqm + greedy)
    assert len(suite.cells) == 4 * 4
    assert len({cell.key for cell in suite.cells}) == 16
    by_backend = {(c.backend, c.formulation) for c in suite.cells}
    assert by_backend == {("sa", "unbalanced"), ("sa", "slack"), ("cbc", "cqm"), ("baseline:greedy", "native")}
    sa = next(c for c in suite.cells if c.formulation == "unbalanced")
    assert sa.penalties == {"kappa": 8} and sa.params["num_reads"] == 5
    assert sa.params.keys() == qseg.backend("sa").parameters.keys()  # resolved: every declared parameter
    assert isinstance(sa.params["seed"], int)  # the solver seed is derived once, in the spec


def test_keys_are_stable_and_change_with_the_spec(tmp_path):
    first = [c.key for c in load_suite(write(tmp_path, GOOD)).cells]
    assert first == [c.key for c in load_suite(write(tmp_path, GOOD)).cells]
    changed = [c.key for c in load_suite(write(tmp_path, GOOD.replace("num_reads = 5", "num_reads = 6"))).cells]
    assert set(first) != set(changed)


def test_repeats_give_distinct_cells(tmp_path):
    suite = load_suite(write(tmp_path, "repeats = 3\n" + GOOD))
    sa = [c for c in suite.cells if c.backend == "sa"]
    assert len(sa) == 3 * 8 and {c.repeat for c in sa} == {0, 1, 2}


@pytest.mark.parametrize(
    "change, key",
    [
        (("timeout_s = 30", "timeout_s = -1"), "timeout_s"),
        (("timeout_s = 30", "timeout_s = 'long'"), "timeout_s"),
        (('name = "t"', 'name = "t"\ncolour = "red"'), "colour"),
        (('problem = "knapsack"', 'problem = "tsp"'), "problem"),
        (('name = "sa"', 'name = "annealer"'), "backend"),
        (("num_reads = 5", "num_reads = 'many'"), "num_reads"),
        (("num_reads = 5", "num_raeds = 5"), "num_raeds"),
        (('"unbalanced", "slack"', '"unbalanced", "lagrange"'), "lagrange"),
        (("sizes = [10, 20]", "sizes = [0]"), "sizes"),
        (("seeds = [1, 2]", "seeds = []"), "seeds"),
        (('baselines = ["greedy"]', 'baselines = ["kmeans"]'), "baselines"),
        (("kappa = 8", "kappa = -8"), "kappa"),
        (('formulations = ["unbalanced", "slack"]', 'formulations = ["unbalanced"]\nreference = "sa"'), "reference"),
        (("[[instances]]", "[[instance]]"), "instance"),
    ],
)
def test_bad_suites_name_file_key_and_value(tmp_path, change, key):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(SuiteError) as caught:
        load_suite(path)
    assert str(path) in str(caught.value) and key in str(caught.value), str(caught.value)


def test_malformed_toml_is_exit_2_and_nothing_is_written(tmp_path, capsys):
    path = write(tmp_path, GOOD + "\n[[backends]\n")
    code = main(["bench", str(path), "--out", str(tmp_path / "store")])
    _, err = capsys.readouterr()
    assert code == 2 and "malformed TOML" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "store").exists()


def test_an_invalid_suite_is_exit_2_before_any_store_exists(tmp_path, capsys):
    path = write(tmp_path, GOOD.replace("timeout_s = 30", "timeout_s = -5"))
    assert main(["bench", str(path), "--out", str(tmp_path / "store")]) == 2
    assert "timeout_s=-5" in capsys.readouterr().err
    assert not (tmp_path / "store").exists()


def test_dry_run_lists_the_cells(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    assert main(["bench", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "16 cells" in out and "sa/slack" in out


def test_the_shipped_suites_are_valid():
    root = Path(__file__).resolve().parents[2] / "benchmarks" / "suites"
    for path in sorted(root.glob("*.toml")):
        assert load_suite(path).cells, path


def test_the_smoke_suite_meets_its_contract():
    suite = load_suite(Path(__file__).resolve().parents[2] / "benchmarks" / "suites" / "smoke.toml")
    backends = {c.backend for c in suite.cells}
    assert len(suite.cells) >= 12 and len(backends) >= 3
    assert {"highs"} & backends and len({c.instance.seed for c in suite.cells}) >= 2


MIXED = """
name = "mixed"
formulations = { knapsack = ["unbalanced"], kmedoids = ["selection", "bauckhage"] }
baselines = { knapsack = ["greedy"], kmedoids = ["fasterpam"] }

[[instances]]
problem = "knapsack"
sizes = [10]

[[instances]]
problem = "kmedoids"
sizes = [12]
formulations = ["selection"]

[[backends]]
name = "sa"

[[backends]]
name = "sa"
formulations = { kmedoids = ["selection"] }
polish = true
"""


def test_formulations_and_baselines_per_problem_and_per_instance(tmp_path):
    cells = load_suite(write(tmp_path, MIXED)).cells
    by_problem = {p: sorted((c.backend, c.formulation, c.polish) for c in cells if c.instance.problem == p)
                  for p in ("knapsack", "kmedoids")}
    assert by_problem["knapsack"] == [("baseline:greedy", "native", False), ("sa", "unbalanced", False)]
    # the instance's own list beats the suite's; the polish table runs only on the problem it names
    assert by_problem["kmedoids"] == [("baseline:fasterpam", "native", False), ("sa", "selection", False),
                                      ("sa", "selection", True)]


@pytest.mark.parametrize("change, key", [
    (("kmedoids = [\"selection\", \"bauckhage\"] }", "kmedoid = [\"selection\"] }"), "formulations.kmedoid"),
    (("polish = true", "polish = \"yes\""), "backends[1].polish"),
])
def test_bad_per_problem_tables_name_the_key(tmp_path, change, key):
    with pytest.raises(SuiteError) as caught:
        load_suite(write(tmp_path, MIXED.replace(*change)))
    assert key in str(caught.value)


def test_polish_on_a_problem_without_one_is_refused(tmp_path, monkeypatch):
    from qseg.problems import KnapsackProblem

    monkeypatch.setattr(KnapsackProblem, "can_polish", False)  # every shipped problem polishes now
    text = MIXED.replace("formulations = { kmedoids = [\"selection\"] }\npolish", "polish")
    with pytest.raises(SuiteError, match="knapsack has no polish step"):
        load_suite(write(tmp_path, text))


def test_tagged_backends_run_only_on_tagged_instances(tmp_path):
    text = GOOD + """
[[instances]]
problem = "knapsack"
sizes = [8]
seeds = [1]
tag = "small"

[[backends]]
name = "exact-bqm"
tags = ["small"]
"""
    cells = load_suite(write(tmp_path, text)).cells
    exact = [c for c in cells if c.backend == "exact-bqm"]
    assert {c.instance.size for c in exact} == {8} and len(exact) == 2  # two formulations
    assert {c.instance.size for c in cells if c.backend == "sa"} == {8, 10, 20}


def test_bad_tags_name_the_key(tmp_path):
    text = GOOD.replace('seeds = [1, 2]\n', 'seeds = [1, 2]\ntag = 3\n')
    with pytest.raises(SuiteError, match=r"instances\[0\]\.tag"):
        load_suite(write(tmp_path, text))
    text = GOOD.replace('params = { num_reads = 5 }\n', 'params = { num_reads = 5 }\ntags = "small"\n')
    with pytest.raises(SuiteError, match=r"backends\[0\]\.tags"):
        load_suite(write(tmp_path, text))


def test_a_backend_limited_to_problems(tmp_path):
    text = GOOD.replace('params = { num_reads = 5 }\n', 'params = { num_reads = 5 }\nproblems = ["kmedoids"]\n')
    cells = load_suite(write(tmp_path, text)).cells
    assert not [c for c in cells if c.backend == "sa"]
    assert [c for c in cells if c.backend == "cbc"]
    with pytest.raises(SuiteError, match=r"backends\[0\]\.problems"):
        nope = 'params = { num_reads = 5 }\nproblems = ["nope"]\n'
        load_suite(write(tmp_path, GOOD.replace('params = { num_reads = 5 }\n', nope)))


def test_run_settings_never_enter_a_cell_key(tmp_path):
    """A key hashes what defines a result: a new timeout or eps keeps every key (run.json keeps
    the settings), while the suite's definition hash ignores them too."""
    first = load_suite(write(tmp_path, GOOD))
    again = load_suite(write(tmp_path, GOOD.replace("timeout_s = 30", "timeout_s = 90\neps = 0.01")))
    assert [c.key for c in first.cells] == [c.key for c in again.cells]
    assert first.definition_sha256 == again.definition_sha256 and first.sha256 != again.sha256
    assert (first.settings.timeout_s, again.settings.timeout_s, again.settings.eps) == (30, 90, 0.01)


def test_a_cell_spec_round_trips_through_json(tmp_path):
    import json

    from qseg.store.spec import CellSpec

    for cell in load_suite(write(tmp_path, GOOD)).cells:
        back = CellSpec.from_json(json.loads(json.dumps(cell.to_json())))
        assert back == cell and back.key == cell.key


GRID = GOOD.replace("params = { num_reads = 5 }", "params = { num_reads = 5, num_sweeps = [10, 100, 1000] }")


def test_a_list_in_backend_params_is_a_grid_of_cells(tmp_path):
    cells = load_suite(write(tmp_path, GRID)).cells
    sa = [c for c in cells if c.backend == "sa"]
    # 4 instances x 2 formulations x 3 values
    assert len(sa) == 4 * 2 * 3
    assert sorted({c.params["num_sweeps"] for c in sa}) == [10, 100, 1000]
    assert {tuple(c.sweep.items()) for c in sa} == {(("num_sweeps", 10),), (("num_sweeps", 100),), (("num_sweeps", 1000),)}
    assert all(c.params["num_reads"] == 5 for c in sa) and not any(c.sweep for c in cells if c.backend == "cbc")


def test_grids_multiply_across_keys_and_instance_params(tmp_path):
    text = GRID.replace("num_sweeps = [10, 100, 1000]", "num_sweeps = [10, 100], beta_schedule_type = ['linear', 'geometric']")
    text = text.replace("seeds = [1, 2]", "seeds = [1]\nparams = { budget_fraction = [0.3, 0.6] }")
    suite = load_suite(write(tmp_path, text))
    sa = [c for c in suite.cells if c.backend == "sa"]
    assert len(sa) == (2 * 2) * 2 * (2 * 2)  # (sizes x budget fractions) x formulations x grid
    assert {c.instance.params["budget_fraction"] for c in suite.cells} == {0.3, 0.6}
    assert {frozenset(c.sweep) for c in sa} == {frozenset({"budget_fraction", "num_sweeps", "beta_schedule_type"})}


@pytest.mark.parametrize("change, key, words", [
    (("num_sweeps = [10, 100, 1000]", "num_sweeps = []"), "num_sweeps", "at least one value"),
    (("num_sweeps = [10, 100, 1000]", "num_sweeps = [10, 'x']"), "num_sweeps", "expected int"),
    (("num_sweeps = [10, 100, 1000]", "num_sweeps = [[1, 2]]"), "num_sweeps", "single values"),
])
def test_bad_grids_name_the_key(tmp_path, change, key, words):
    with pytest.raises(SuiteError) as caught:
        load_suite(write(tmp_path, GRID.replace(*change)))
    assert key in str(caught.value) and words in str(caught.value), str(caught.value)


def test_a_grid_past_max_cells_is_refused_before_anything_is_built(tmp_path, monkeypatch):
    import qseg.harness.suite as suite_module

    monkeypatch.setattr(suite_module, "build_problem", lambda *a, **k: pytest.fail("built a problem"))
    grid = "params = { num_reads = 5, num_sweeps = " + str(list(range(1, 2001))) + " }"
    text = GOOD.replace("params = { num_reads = 5 }", grid)
    with pytest.raises(SuiteError) as caught:
        load_suite(write(tmp_path, text))
    message = str(caught.value)
    assert "max_cells=10000" in message and "16," in message and "2,000 points" in message, message
    monkeypatch.undo()
    assert len(load_suite(write(tmp_path, "max_cells = 9\n" + GOOD.replace("sizes = [10, 20]", "sizes = [10]"))).cells) == 8
    with pytest.raises(SuiteError, match="expands to 16 cells"):
        load_suite(write(tmp_path, "max_cells = 9\n" + GOOD))


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_settings_are_refused(tmp_path, value):
    for key in ("timeout_s", "eps"):
        text = GOOD.replace("timeout_s = 30", f"timeout_s = 30\n{key} = {value}" if key == "eps" else f"timeout_s = {value}")
        with pytest.raises(SuiteError, match=key):
            load_suite(write(tmp_path, text))
