"""The MIP backends on the k-medoids CQM: the published pmed1 optimum, and cbc = highs = brute
force on a small generated instance."""

from __future__ import annotations

import itertools
import json

import pytest

import qseg
from qseg.cli import main
from qseg.data.instances import PACKAGED_INSTANCES


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path, monkeypatch):
    """Keep any reference cache out of the user's home (tests/conftest.py does not reach here)."""
    monkeypatch.setenv("QSEG_CACHE_DIR", str(tmp_path / "qseg-cache"))


@pytest.fixture
def pmed1():
    """Return the path of pmed1.txt as shipped with the package."""
    return PACKAGED_INSTANCES / "pmed" / "pmed1.txt"


def brute_force_optimum(distances, k):
    return min(float(distances[list(s)].min(axis=0).sum()) for s in itertools.combinations(range(len(distances)), k))


def test_cbc_on_pmed1_prints_the_published_optimum_5819(capsys, pmed1):
    code = main(["solve", "kmedoids", "--data", str(pmed1), "--backend", "cbc", "--json"])
    out, err = capsys.readouterr()
    record, end = json.JSONDecoder().raw_decode(out)
    assert code == 0 and out[end:].strip() == "", err
    assert record["objective"] == pytest.approx(5819, abs=1e-6)
    assert record["feasible"] is True and record["formulation"] == "cqm"
    assert record["reference"] == 5819 and record["reference_source"] == "best-known"
    assert record["details"]["medoids"] == 5


@pytest.mark.parametrize("size, k, seed", [(12, 3, 0), (14, 4, 1)])
def test_highs_agrees_with_cbc_and_brute_force(size, k, seed):
    problem = qseg.problem("kmedoids", size=size, seed=seed, k=k)
    optimum = brute_force_optimum(problem.distances, k)
    records = {name: qseg.solve(problem, name) for name in ("cbc", "highs")}
    for name, record in records.items():
        assert record.status == "ok" and record.feasible, name
        assert record.details["medoids"] == k, name
        assert record.objective == pytest.approx(optimum, rel=1e-7), name
        assert record.mip_gap == pytest.approx(0.0, abs=1e-9), name


def test_highs_reference_gives_a_zero_gap_to_cbc():
    problem = qseg.problem("kmedoids", size=15, seed=2, k=3)
    record = qseg.solve(problem, "cbc", reference="highs")
    assert record.reference_source == "highs" and record.reference_proven
    assert record.gap == pytest.approx(0.0, abs=1e-9)
