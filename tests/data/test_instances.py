"""Standard knapsack instances: loaders agree with the published optima (OPTIMA.csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import qseg
from qseg.data.instances import PACKAGED_INSTANCES, find_instance_file, instance_roots
from qseg.data.knapsack_files import load_knapsack_file, load_pisinger_csv
from qseg.errors import BadInputError


def _optima(instances_dir: Path) -> dict[str, float]:
    with open(instances_dir / "knapsack" / "OPTIMA.csv") as handle:
        return {row["instance"]: float(row["optimum"]) for row in csv.DictReader(handle)}


def test_every_pisinger_csv_instance_loads_with_its_published_optimum(instances_dir):
    optima = _optima(instances_dir)
    files = sorted((instances_dir / "knapsack" / "pisinger_csv").rglob("*.csv"))
    assert len(files) == 5
    seen = 0
    for path in files:
        for name, instance in load_pisinger_csv(path).items():
            assert instance.optimum == optima[name], name
            assert len(instance.profit) == len(instance.weight) == int(name.split("_")[2])
            seen += 1
    assert seen == 500
    assert load_knapsack_file(path, name).profit.tolist() == instance.profit.tolist()


def test_every_instances_01_kp_file_loads_with_its_optimum(instances_dir):
    optima = _optima(instances_dir)
    folders = [instances_dir / "knapsack" / name for name in ("low-dimensional", "large_scale")]
    paths = [path for folder in folders for path in sorted(folder.iterdir())]
    assert len(paths) == 16  # f1..f10 and the six knapPI_{1,2,3}_{100,200}_1000_1 the project names
    for path in paths:
        instance = load_knapsack_file(path)
        assert instance.optimum == pytest.approx(optima[path.name]), path.name
        assert len(instance.profit) == len(instance.weight)


@pytest.mark.parametrize(
    "data",
    ["knapPI_1_50_1000.csv#knapPI_1_50_1000_7", "knapPI_11_20_1000.csv#knapPI_11_20_1000_3",
     "f2_l-d_kp_20_878", "knapPI_2_100_1000_1"],
)
def test_highs_reaches_the_published_optimum(instances_dir, data):
    problem = qseg.problem("knapsack", data=data)
    record = qseg.solve(problem, "highs")
    assert record.reference_source == "best-known"
    assert record.objective == pytest.approx(record.reference)
    assert record.gap == pytest.approx(0.0, abs=1e-9)


def test_real_valued_instance_f5_is_solved_exactly_by_cbc(instances_dir):
    record = qseg.solve(qseg.problem("knapsack", data="f5_l-d_kp_15_375"), "cbc")
    assert record.objective == pytest.approx(481.0694, abs=1e-4)


def test_a_multi_instance_file_needs_a_selector(instances_dir):
    with pytest.raises(BadInputError, match="FILE#NAME"):
        qseg.problem("knapsack", data="knapPI_1_50_1000.csv")


def test_an_unreadable_file_is_bad_input(tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("knapPI_x\nn 3\nc oops\n")
    with pytest.raises(BadInputError) as caught:
        qseg.problem("knapsack", data=f"{broken}#knapPI_x")
    assert caught.value.field == "data"


def test_a_directory_is_not_an_instance(tmp_path):
    with pytest.raises(BadInputError):
        qseg.problem("knapsack", data=str(tmp_path))


def test_instance_seed_is_none_and_size_is_fixed(instances_dir):
    problem = qseg.problem("knapsack", data="knapPI_1_50_1000.csv#knapPI_1_50_1000_1")
    assert problem.seed is None and problem.size == 50
    assert np.all(problem.cost > 0)
    with pytest.raises(BadInputError) as caught:
        qseg.problem("knapsack", data="knapPI_1_50_1000.csv#knapPI_1_50_1000_1", size=10)
    assert caught.value.field == "size"


def test_sources_tell_generated_named_and_file_data_apart(tmp_path):
    from qseg.data.sources import NAMED_DATASETS, Sources

    sources = Sources(named=("seed-000",), selectors=True)
    assert not sources.is_file(None) and sources.dataset(None) is None
    assert not sources.is_file("seed-000") and sources.dataset("seed-000") is NAMED_DATASETS["seed-000"]
    assert sources.is_file("retention") and sources.dataset("retention") is None  # not one it takes
    path = tmp_path / "one.txt"
    path.write_text("1 10\n3 4\n")
    assert sources.locate(f"{path}#a", None) == (path, "a")
    assert Sources().locate(str(path), None) == (path, None)
    with pytest.raises(BadInputError, match=r"size=3: an instance file fixes its own size"):
        sources.locate(str(path), 3)
    with pytest.raises(BadInputError, match=r"empty instance name after '#'"):
        sources.locate(f"{path}#", None)
    with pytest.raises(BadInputError, match=r"no such dataset or instance file"):
        Sources().locate(f"{path}#a", None)  # without selectors '#' is part of the name
    assert Sources(search=False).locate("~/nowhere.csv", None)[0] == Path("~/nowhere.csv").expanduser()
    with pytest.raises(ValueError, match="no named dataset 'nope'"):
        Sources(named=("nope",))


def test_a_named_dataset_loads_its_first_customers():
    from qseg.data.sources import NAMED_DATASETS

    seed_000, retention = NAMED_DATASETS["seed-000"], NAMED_DATASETS["retention"]
    assert (seed_000.seed, len(seed_000.load(None)), len(seed_000.load(7))) == (2026, 250, 7)
    assert (retention.seed, len(retention.load(None)), len(retention.load(9))) == (2025, 250, 9)


def test_a_bare_library_name_resolves_to_the_packaged_file_without_qseg_instances_dir(monkeypatch):
    monkeypatch.delenv("QSEG_INSTANCES_DIR", raising=False)
    assert instance_roots() == [PACKAGED_INSTANCES]
    path = find_instance_file("knapPI_1_100_1000_1")
    assert path == PACKAGED_INSTANCES / "knapsack" / "large_scale" / "knapPI_1_100_1000_1"
    problem = qseg.problem("knapsack", data="knapPI_1_100_1000_1")
    assert problem.size == 100
    assert qseg.problem("kmedoids", data="pmed1.txt").size == 100


def test_qseg_instances_dir_adds_a_folder_searched_first(tmp_path, monkeypatch):
    own = tmp_path / "mine"
    own.mkdir()
    (own / "knapPI_1_100_1000_1").write_text("2 10\n5 4\n6 7\n")
    monkeypatch.setenv("QSEG_INSTANCES_DIR", str(own))
    assert instance_roots() == [own, PACKAGED_INSTANCES]
    assert find_instance_file("knapPI_1_100_1000_1") == own / "knapPI_1_100_1000_1"
    assert find_instance_file("pmed2.txt") == PACKAGED_INSTANCES / "pmed" / "pmed2.txt"


def test_an_unknown_name_lists_the_folders_searched(tmp_path, monkeypatch):
    monkeypatch.setenv("QSEG_INSTANCES_DIR", str(tmp_path))
    with pytest.raises(BadInputError) as caught:
        qseg.problem("knapsack", data="knapPI_no_such_file")
    message = str(caught.value)
    assert caught.value.field == "data" and "knapPI_no_such_file" in message
    assert f"folders searched: {tmp_path}; {PACKAGED_INSTANCES}" in message


def test_every_packaged_folder_has_a_readme_and_optima_for_exactly_what_it_ships():
    for folder, pattern in (("pmed", "pmed[0-9]*.txt"), ("gap", "gap[0-9]*.txt")):
        shipped = {path.stem for path in (PACKAGED_INSTANCES / folder).glob(pattern)}
        with open(PACKAGED_INSTANCES / folder / "OPTIMA.csv") as handle:
            rows = list(csv.DictReader(handle))
        named = {row["instance"] if folder == "pmed" else row["file"].removesuffix(".txt") for row in rows}
        assert shipped == named and (PACKAGED_INSTANCES / folder / "README.md").is_file()
    assert len(shipped) == 12 and len(rows) == 60
    optima = _optima(PACKAGED_INSTANCES)
    knapsack = PACKAGED_INSTANCES / "knapsack"
    single = {path.name for name in ("low-dimensional", "large_scale") for path in (knapsack / name).iterdir()}
    in_csv = {name for path in knapsack.rglob("*.csv") if path.name != "OPTIMA.csv" for name in load_pisinger_csv(path)}
    assert set(optima) == single | in_csv and len(optima) == 516
    assert (knapsack / "README.md").is_file() and (PACKAGED_INSTANCES / "README.md").is_file()
