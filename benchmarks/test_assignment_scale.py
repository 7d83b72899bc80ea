"""Exact backends on the retention action assignment at scale (issue 7), measured with
`make benchmarks` (or `pytest benchmarks/test_assignment_scale.py -s --benchmark-only`):

- 250 x 8 with the memo defaults: cbc and highs proven optimal in < 1 s each, same objective;
- 25,000 x 8 and 75,000 x 8 (600,000 binaries): highs (structured one-hot route) proven optimal
  or within 0.01 % with the bound reported, in <= 30 s and <= 4 GB; wall time is from the CQM
  handed to ``backend.solve`` to the SampleSet (``info["timing"]["wall_ns"]``);
- the CQM -> LinearProgram conversion at 75,000 x 8 (array path against the term-by-term path);
- peak memory: VmHWM of a fresh child process (not ``ru_maxrss``, which Linux carries over from
  a large forking parent), before and after the solve;
- end to end: ``qseg solve assignment --size 75000 --seed 0 --backend highs --json`` in a child.
Figures are printed and stored in extra_info; the checks assert optimality, not times.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

import qseg
from qseg.errors import UnknownNameError
from qseg_mip import cqm_convert

TARGET_GAP = 1e-4  # "proven optimal or <= 0.01 % gap with the bound reported"


def assignment_cqm(size: int, seed: int = 0):
    """Return the assignment CQM (``qseg.problem``), or this package's same-shaped stand-in
    where the problem is not installed."""
    try:
        return qseg.problem("assignment", size=size, seed=seed).cqm()
    except UnknownNameError:
        from qseg_mip.testing import assignment_shaped_cqm

        return assignment_shaped_cqm(size, seed=seed)


def describe(sampleset) -> str:
    info = sampleset.info
    route = info.get("route") or {}
    return (f"{info['mip_status']} proven={info['proven_optimal']} objective={info['objective']:.6f} "
            f"bound={info['bound']:.6f} gap={info['mip_gap']} method={info['method']} "
            f"wall={info['timing']['wall_ns'] / 1e9:.2f} s (translate {info['timing']['translate_ns'] / 1e9:.2f} s, "
            f"presolve {route.get('presolve_s', 0):.2f} s, LP {route.get('lp_s', 0):.2f} s in "
            f"{route.get('lp_rounds')} rounds, MIP rounds "
            f"{[(r['free_groups'], r['status']) for r in route.get('mip_rounds', [])]})")


def assert_proven_or_within_target(sampleset):
    info = sampleset.info
    assert sampleset.first.is_feasible
    assert info["proven_optimal"] or (info["mip_gap"] is not None and info["mip_gap"] <= TARGET_GAP)
    assert info["bound"] is not None and info["bound"] <= info["objective"] + 1e-6 * abs(info["objective"])


@pytest.fixture(scope="module")
def memo_instance():
    return assignment_cqm(250)


@pytest.mark.parametrize("name", ["cbc", "highs"])
def test_memo_size_exact(benchmark, memo_instance, name):
    sampleset = benchmark.pedantic(qseg.backend(name).solve, args=(memo_instance,), rounds=5, iterations=1)
    assert sampleset.info["proven_optimal"] and sampleset.info["mip_gap"] == 0.0
    benchmark.extra_info["objective"] = sampleset.info["objective"]
    print(f"\n250 x 8 {name}: {describe(sampleset)}")


def test_memo_size_backends_agree(memo_instance):
    objectives = {name: qseg.backend(name).solve(memo_instance).info["objective"] for name in ("cbc", "highs")}
    print(f"\n250 x 8 objectives: {objectives}")
    assert objectives["highs"] == pytest.approx(objectives["cbc"], rel=1e-6)


@pytest.fixture(scope="module")
def large_instance():
    return assignment_cqm(75000)


def test_conversion_75000(benchmark, large_instance):
    program = benchmark.pedantic(cqm_convert.from_cqm, args=(large_instance,), rounds=3, iterations=1)
    start = time.perf_counter()
    slow = cqm_convert._from_terms(large_instance)
    terms_s = time.perf_counter() - start
    assert (program.matrix != slow.matrix).nnz == 0
    benchmark.extra_info["term_path_s"] = terms_s
    print(f"\n75,000 x 8 CQM -> LinearProgram: term-by-term path {terms_s:.2f} s (median of the array path above)")


@pytest.mark.parametrize("size", [25000, 75000])
def test_structured_highs(benchmark, size, large_instance):
    cqm = large_instance if size == 75000 else assignment_cqm(size)
    sampleset = benchmark.pedantic(qseg.backend("highs").solve, args=(cqm,), rounds=3, iterations=1)
    assert_proven_or_within_target(sampleset)
    assert sampleset.info["method"] == "structured-lp"
    benchmark.extra_info.update(
        wall_s=sampleset.info["timing"]["wall_ns"] / 1e9, objective=sampleset.info["objective"],
        bound=sampleset.info["bound"], mip_gap=sampleset.info["mip_gap"],
    )
    print(f"\n{size:,} x 8 highs: {describe(sampleset)}")


def _peak_kb_script(body: str) -> str:
    return (
        "import json, time, qseg\n"
        "def peak():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        f"{body}\n"
    )


def test_peak_memory_75000():
    """Peak RSS of a fresh process that builds the 75,000 x 8 CQM and solves it with highs."""
    script = _peak_kb_script(
        "try:\n"
        "    cqm = qseg.problem('assignment', size=75000, seed=0).cqm()\n"
        "except qseg.errors.UnknownNameError:\n"
        "    from qseg_mip.testing import assignment_shaped_cqm\n"
        "    cqm = assignment_shaped_cqm(75000)\n"
        "before = peak()\n"
        "info = qseg.backend('highs').solve(cqm).info\n"
        "print(json.dumps({'before_kb': before, 'peak_kb': peak(), 'proven': info['proven_optimal']}))"
    )
    result = json.loads(subprocess.run([sys.executable, "-c", "import qseg.errors\n" + script], check=True,
                                       capture_output=True, text=True).stdout)
    print(f"\n75,000 x 8 highs: peak RSS {result['peak_kb'] / 1024:.0f} MB "
          f"(after building the CQM, before the solve: {result['before_kb'] / 1024:.0f} MB)")
    assert result["proven"] and result["peak_kb"] >= result["before_kb"]


def test_cli_end_to_end_75000():
    """``qseg solve assignment --size 75000 --seed 0 --backend highs --json`` in a child process:
    wall time (interpreter start, imports, build, solve, evaluation) and peak RSS."""
    runner = _peak_kb_script(
        "import sys\n"
        "from qseg.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(peak(), file=sys.stderr)\n"
        "sys.exit(code)"
    )
    args = ["solve", "assignment", "--size", "75000", "--seed", "0", "--backend", "highs", "--json"]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", runner, *args], capture_output=True, text=True)
    wall_s = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    print(f"\nqseg solve assignment --size 75000 --seed 0 --backend highs --json: {wall_s:.2f} s end to end, "
          f"solve wall_s {record['wall_s']:.2f}, peak RSS {peak_kb / 1024:.0f} MB, status {record['status']}, "
          f"mip_gap {record['mip_gap']}, objective {record['objective']}")
    assert record["status"] == "ok" and record["feasible"] is True and record["mip_gap"] == 0
