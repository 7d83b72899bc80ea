"""A third-party qseg backend written from the ``qseg.backends.Backend`` docstring alone:
seeded greedy bit-flip descent on a BQM.

Each read starts from a uniform random state and flips, one at a time, the variable whose flip
lowers the energy most, until no single flip helps (a local minimum) or ``max_flips`` flips
were made. Registered only by the tests (``tests/harness_support.py``
``install_greedyflip_plugin``: a ``qseg_greedyflip-0.1.dist-info`` with an
``entry_points.txt``), never installed with qseg.
"""

from __future__ import annotations

import time
from typing import Any

import dimod
import numpy as np

from qseg.backends import Backend, Parameter, SolverInfo


class GreedyFlipBackend(Backend):
    """Steepest single-flip descent from random states; the control a real solver must beat."""

    name = "greedy-flip"
    accepts = frozenset({"bqm"})
    seeded = True
    tts_basis = "sampling_ns"
    max_variables = 5_000  # a dense n x n coupling matrix: 200 MB at 5,000 variables
    parameters = {
        "num_reads": Parameter(int, 10, "independent descents, each from a random state", 1),
        "max_flips": Parameter(int, 10_000, "flips per read before giving up on a local minimum", 0),
        "seed": Parameter(int, None, "random seed; the same seed gives the same samples", 0, 2**32 - 1),
        "max_variables": Parameter(int, max_variables, "refuse larger models", 1),
    }

    def _solve(self, model: dimod.BinaryQuadraticModel, params: dict[str, Any]) -> dimod.SampleSet:
        start = time.perf_counter_ns()
        labels = list(model.variables)
        n = len(labels)
        linear, (rows, cols, biases), _ = model.to_numpy_vectors(variable_order=labels)
        coupling = np.zeros((n, n))
        np.add.at(coupling, (rows, cols), biases)
        coupling = coupling + coupling.T  # symmetric: the field on i is linear[i] + coupling[i] @ x
        spin = model.vartype is dimod.SPIN
        rng = np.random.default_rng(params["seed"])
        states = rng.integers(0, 2, size=(params["num_reads"], n)).astype(np.int8)
        if spin:
            states = 2 * states - 1
        flips = 0
        for state in states:
            flips += _descend(state, linear, coupling, spin, params["max_flips"])
        sampleset = dimod.SampleSet.from_samples_bqm((states, labels), model)
        info: SolverInfo = {
            "timing": {"sampling_ns": time.perf_counter_ns() - start},
            "extra": {"flips": int(flips)},
        }
        sampleset.info.update(info)
        return sampleset


def _descend(state: np.ndarray, linear: np.ndarray, coupling: np.ndarray, spin: bool, max_flips: int) -> int:
    """Flip ``state`` in place, steepest first, to a local minimum; return the flips made."""
    field = linear + coupling @ state
    for flip in range(max_flips):
        # Energy change of flipping each variable: BINARY x -> 1 - x, SPIN s -> -s.
        delta = -2.0 * state * field if spin else (1 - 2 * state) * field
        best = int(np.argmin(delta)) if len(delta) else 0
        if not len(delta) or delta[best] >= -1e-12:
            return flip
        change = -2 * state[best] if spin else 1 - 2 * state[best]
        state[best] += change
        field += coupling[:, best] * change
    return max_flips
