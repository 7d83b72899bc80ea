"""Building the k-medoids ``assignment`` QUBO at N = 250 (62,750 variables, 7,874,875
interactions): qseg's numpy build against the seed notebook's way (per-element Python loops into
a dict, then ``BinaryQuadraticModel.from_qubo``; written here from docs/architecture.md §8) and against dimod's
own floor (``from_numpy_vectors`` on ready-made arrays), in one run. Peak memory of the build is
measured in a fresh process.

Run with ``make benchmarks`` (or ``pytest benchmarks/test_kmedoids_build.py -s --benchmark-only``).
"""

from __future__ import annotations

import subprocess
import sys
import time

import dimod
import numpy as np
import pytest

import qseg
from qseg.problems.kmedoids.qubo import ASSIGNMENT_PENALTY_FACTOR

SIZE = 250


@pytest.fixture(scope="module")
def problem():
    return qseg.problem("kmedoids", data="seed-000", size=SIZE)


def notebook_assignment_qubo(distances: np.ndarray, k: int, penalty: float) -> dimod.BinaryQuadraticModel:
    """Return the notebook's QUBO built the notebook's way: one dict entry at a time."""
    n = len(distances)
    qubo: dict[tuple[int, int], float] = {}

    def add(u: int, v: int, bias: float) -> None:
        key = (u, v) if u <= v else (v, u)
        qubo[key] = qubo.get(key, 0.0) + bias

    def z(i: int, j: int) -> int:
        return n + i * n + j

    for i in range(n):  # G (sum y - K)^2
        add(i, i, penalty * (1 - 2 * k))
        for other in range(i + 1, n):
            add(i, other, 2 * penalty)
    for j in range(n):  # A sum_j (sum_i z_ij - 1)^2
        for i in range(n):
            add(z(i, j), z(i, j), -penalty)
            for other in range(i + 1, n):
                add(z(i, j), z(other, j), 2 * penalty)
    for i in range(n):  # B sum z_ij (1 - y_i) + sum d_ij z_ij
        for j in range(n):
            add(z(i, j), z(i, j), penalty + distances[i, j])
            add(z(i, j), i, -penalty)
    return dimod.BinaryQuadraticModel.from_qubo(qubo, offset=penalty * k * k + penalty * n)


def test_assignment_build_against_notebook_loops(problem):
    """Times both builds once each, checks they are the same model, prints the speed-up."""
    penalty = ASSIGNMENT_PENALTY_FACTOR * float(problem.distances.max())
    start = time.perf_counter()
    looped = notebook_assignment_qubo(problem.distances, problem.k, penalty)
    loop_s = time.perf_counter() - start
    start = time.perf_counter()
    vectorised = problem.bqm("assignment")
    vector_s = time.perf_counter() - start
    floor_s = _from_numpy_vectors_floor(vectorised)
    states = np.random.default_rng(0).integers(0, 2, size=(5, len(vectorised.variables)))
    assert np.allclose(looped.energies((states, range(states.shape[1]))),
                       vectorised.energies((states, range(states.shape[1]))))
    assert looped.num_interactions == vectorised.num_interactions == 7_874_875
    print(f"\nassignment N={SIZE}: notebook loops {loop_s:.2f} s, qseg {vector_s:.3f} s "
          f"({loop_s / vector_s:.1f}x faster); dimod from_numpy_vectors alone {floor_s:.3f} s "
          f"(qseg / floor = {vector_s / floor_s:.2f}, ceiling {loop_s / floor_s:.1f}x)")


def _from_numpy_vectors_floor(bqm: dimod.BinaryQuadraticModel) -> float:
    """Return the seconds dimod takes to build ``bqm`` from arrays that already exist."""
    linear, (rows, columns, biases), offset = bqm.to_numpy_vectors(sort_indices=False)
    start = time.perf_counter()
    dimod.BinaryQuadraticModel.from_numpy_vectors(linear, (rows, columns, biases), offset, dimod.BINARY)
    return time.perf_counter() - start


def test_assignment_build_time(benchmark, problem):
    bqm = benchmark.pedantic(problem.bqm, args=("assignment",), rounds=3, iterations=1)
    assert len(bqm.variables) == SIZE * SIZE + SIZE


def test_assignment_build_peak_memory():
    """Peak RSS of a fresh process that builds the N = 250 assignment QUBO (target <= 1 GB)."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the (large) forking parent.
    script = (
        "import qseg\n"
        "def peak():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "p = qseg.problem('kmedoids', data='seed-000')\n"
        "before = peak()\n"
        "p.bqm('assignment')\n"
        "print(before, peak())\n"
    )
    before_kb, peak_kb = map(int, subprocess.run([sys.executable, "-c", script], check=True,
                                                 capture_output=True, text=True).stdout.split())
    print(f"\nassignment N={SIZE}: peak RSS {peak_kb / 1024:.0f} MB (process before the build {before_kb / 1024:.0f} MB)")
    assert peak_kb > before_kb
