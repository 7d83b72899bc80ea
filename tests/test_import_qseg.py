"""``import qseg`` is light: the facade and the problem registry import on first use, so a
fresh ``import qseg`` (every CLI call and harness worker pays it) loads no problem, no pandas,
no dimod and no vendor stack. Checked on ``sys.modules`` of a fresh process, not on a clock."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "dimod", "networkx", "scipy", "sklearn", "matplotlib", "dwave", "qiskit", "pulp", "highspy",
         "distributed", "dask")


def modules_after(code: str) -> set[str]:
    """Return the names in ``sys.modules`` of a fresh interpreter after it runs ``code``."""
    script = f"import sys\n{code}\nimport json; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def roots(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_import_qseg_loads_no_problem_no_pandas_no_dimod_and_no_vendor_stack():
    loaded = modules_after("import qseg")
    assert not roots(loaded) & set(HEAVY), sorted(roots(loaded) & set(HEAVY))
    assert not {name for name in loaded if name.startswith(("qseg.problems", "qseg.solving", "qseg.backends"))}


def test_record_and_status_need_neither_dimod_nor_pandas():
    loaded = modules_after("import qseg; qseg.Record, qseg.Status")
    assert "qseg.record" in loaded and not roots(loaded) & {"dimod", "pandas"}


def test_building_one_problem_imports_that_problem_only():
    loaded = modules_after("import qseg; qseg.problem('knapsack', size=8, seed=1)")
    problems = {name.split(".")[2] for name in loaded if name.startswith("qseg.problems.") and name.count(".") >= 2}
    assert "knapsack" in problems and not problems & {"assignment", "binning", "kmedoids"}, sorted(problems)


def test_the_public_names_are_the_ones_they_were():
    import qseg
    from qseg import api, problems, record
    from qseg.solving import solve as solving

    assert (qseg.problem, qseg.backend, qseg.list_backends) == (api.problem, api.backend, api.list_backends)
    assert (qseg.solve, qseg.solve_baseline) == (solving.solve, solving.solve_baseline)
    assert (qseg.Record, qseg.Status) == (record.Record, record.Status)
    assert set(qseg.__all__) <= set(dir(qseg))
    assert problems.KnapsackProblem is problems.problem_class("knapsack")
    with pytest.raises(AttributeError):
        _ = qseg.no_such_name
    with pytest.raises(AttributeError):
        _ = problems.NoSuchProblem
