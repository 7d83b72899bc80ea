"""A third-party backend written from the Backend docstring alone (tests/thirdparty/
qseg_greedyflip.py), found through a real entry point and held to the whole conformance suite."""

from __future__ import annotations

import re
import subprocess
import sys

import dimod
import pytest
from harness_support import THIRDPARTY, install_greedyflip_plugin

import qseg
from qseg.backends import SAMPLING_NS, TIMING, load_backend, registry, solver_info_problems
from qseg.testing import check_backend
from qseg.testing.models import random_bqm


@pytest.fixture
def greedyflip(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """Install the plugin's dist-info in a fresh site directory on ``sys.path``."""
    install_greedyflip_plugin(tmp_path / "site")
    monkeypatch.syspath_prepend(str(THIRDPARTY))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    registry.refresh()
    yield
    monkeypatch.undo()
    registry.refresh()


def test_the_plugin_is_found_through_its_entry_point(greedyflip):
    assert "greedy-flip" in registry.backend_names()
    backend = load_backend("greedy-flip")
    assert type(backend).__module__ == "qseg_greedyflip" and backend.name == "greedy-flip"
    info = registry.backend_info("greedy-flip")
    assert (info.package, info.version, info.available) == ("qseg-greedyflip", "0.1", True)


def test_the_plugin_passes_the_whole_conformance_suite(greedyflip):
    skipped = check_backend("greedy-flip", params={"num_reads": 5})
    # Only the checks that cannot apply: it is available and not exact.
    assert set(skipped) == {"check_unavailable_says_why", "check_exact_reaches_optimum"}


def test_its_info_uses_declared_keys_and_the_extra_escape_hatch(greedyflip):
    sampleset = qseg.backend("greedy-flip").solve(random_bqm(8, 3), num_reads=4, seed=5)
    assert solver_info_problems(sampleset.info) == []
    assert isinstance(sampleset.info["extra"]["flips"], int) and sampleset.info["extra"]["flips"] > 0
    assert SAMPLING_NS in sampleset.info[TIMING]


def test_it_reaches_local_minima_and_finds_the_ground_state_of_a_small_model(greedyflip):
    bqm = random_bqm(6, 11, vartype="SPIN")
    sampleset = qseg.backend("greedy-flip").solve(bqm, num_reads=50, seed=1)
    ground = dimod.ExactSolver().sample(bqm).first.energy
    assert sampleset.first.energy == pytest.approx(ground)
    for sample in sampleset.samples():
        energy = bqm.energy(sample)
        assert all(bqm.energy({**sample, v: -sample[v]}) >= energy - 1e-9 for v in bqm.variables)


def test_a_subprocess_sees_it_through_pythonpath(tmp_path):
    env = install_greedyflip_plugin(tmp_path / "site")
    code = "import qseg; b = qseg.backend('greedy-flip'); print(type(b).__module__, b.unavailable_reason() == '')"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["qseg_greedyflip", "True"]


PLUGIN_SUITE = """
name = "thirdparty"
timeout_s = 120
reference = "cbc"
[[instances]]
problem = "knapsack"
sizes = [10, 14]
seeds = [1]
[[backends]]
name = "greedy-flip"
params = { num_reads = 8 }
"""


def test_its_solver_info_reaches_the_records_and_the_report(tmp_path):
    """Benchmarked like a first-party backend: its declared timing field and its own ``extra``
    facts reach every record and the report's solver-facts table."""
    from harness_support import bench

    from qseg.store.folder import read_records

    env = install_greedyflip_plugin(tmp_path / "site")
    suite = tmp_path / "suite.toml"
    suite.write_text(PLUGIN_SUITE)
    done = bench([str(suite), "--out", str(tmp_path / "store"), "--workers", "1"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    records = list(read_records(tmp_path / "store"))
    assert [r["status"] for r in records] == ["ok", "ok"]
    assert all(r["details"]["extra"]["flips"] > 0 and r["timing"]["sampling_ns"] > 0 for r in records)
    assert all(r["tts_basis"] == "sampling_ns" for r in records)
    report = subprocess.run([sys.executable, "-m", "qseg", "report", str(tmp_path / "store")], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert report.returncode == 0, report.stderr
    text = (tmp_path / "store" / "report.md").read_text()
    facts = next(line for line in text.splitlines() if line.startswith("| greedy-flip |") and "flips" in line)
    # its own fact over the cells, as a range (or one value when the cells agree)
    assert "sampling_ns" in facts and re.search(r"flips \d+(–\d+)? ", facts), facts
