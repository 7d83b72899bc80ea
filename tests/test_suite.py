"""Suite files: validated up front, errors name the file, the key and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    by_backend = {(c.spec["backend"], c.spec["formulation"]) for c in suite.cells}
    assert by_backend == {("sa", "unbalanced"), ("sa", "slack"), ("cbc", "cqm"), ("baseline:greedy", "native")}
    sa = next(c for c in suite.cells if c.spec["formulation"] == "unbalanced")
    assert sa.spec["penalties"] == {"kappa": 8} and sa.spec["backend_params"] == {"num_reads": 5}


def test_keys_are_stable_and_change_with_the_spec(tmp_path):
    first = [c.key for c in load_suite(write(tmp_path, GOOD)).cells]
    assert first == [c.key for c in load_suite(write(tmp_path, GOOD)).cells]
    changed = [c.key for c in load_suite(write(tmp_path, GOOD.replace("num_reads = 5", "num_reads = 6"))).cells]
    assert set(first) != set(changed)


def test_repeats_give_distinct_cells(tmp_path):
    suite = load_suite(write(tmp_path, "repeats = 3\n" + GOOD))
    sa = [c for c in suite.cells if c.spec["backend"] == "sa"]
    assert len(sa) == 3 * 8 and {c.spec["repeat"] for c in sa} == {0, 1, 2}


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
    root = Path(__file__).resolve().parents[1] / "benchmarks" / "suites"
    for path in sorted(root.glob("*.toml")):
        assert load_suite(path).cells, path


def test_the_smoke_suite_meets_its_contract():
    suite = load_suite(Path(__file__).resolve().parents[1] / "benchmarks" / "suites" / "smoke.toml")
    backends = {c.spec["backend"] for c in suite.cells}
    assert len(suite.cells) >= 12 and len(backends) >= 3
    assert {"highs"} & backends and len({c.spec["seed"] for c in suite.cells}) >= 2


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
    cells = [c.spec for c in load_suite(write(tmp_path, MIXED)).cells]
    by_problem = {p: sorted((s["backend"], s["formulation"], s.get("polish", False)) for s in cells if s["problem"] == p)
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


def test_polish_on_a_problem_without_one_is_refused(tmp_path):
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
    exact = [c for c in cells if c.spec["backend"] == "exact-bqm"]
    assert {c.spec["size"] for c in exact} == {8} and len(exact) == 2  # two formulations
    assert {c.spec["size"] for c in cells if c.spec["backend"] == "sa"} == {8, 10, 20}


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
    assert not [c for c in cells if c.spec["backend"] == "sa"]
    assert [c for c in cells if c.spec["backend"] == "cbc"]
    with pytest.raises(SuiteError, match=r"backends\[0\]\.problems"):
        load_suite(write(tmp_path, GOOD.replace('params = { num_reads = 5 }\n', 'params = { num_reads = 5 }\nproblems = ["nope"]\n')))
