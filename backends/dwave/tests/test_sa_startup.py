"""sa's start-up: the beta range computed with numpy equals dwave-samplers' own rule, and the
size knobs are estimated before anything is allocated."""

from __future__ import annotations

import dimod
import numpy as np
import pytest
from dwave.samplers.sa.sampler import _default_ising_beta_range

from qseg.backends import load_backend
from qseg.errors import BadInputError
from qseg_dwave.classical import ising_beta_range


def _dwave_rule(bqm: dimod.BinaryQuadraticModel) -> tuple[float, float]:
    ising = bqm.change_vartype(dimod.SPIN, inplace=False)
    hot, cold = _default_ising_beta_range(ising.linear, ising.quadratic)
    return float(hot), float(cold)


@pytest.mark.parametrize("seed", range(5))
def test_numpy_beta_range_equals_the_dwave_rule(seed):
    rng = np.random.default_rng(seed)
    n = 30
    linear = {i: float(v) for i, v in enumerate(rng.integers(-3, 4, n))}  # zeros and ties included
    quadratic = {(i, j): float(rng.integers(-2, 3)) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.3}
    bqm = dimod.BinaryQuadraticModel(linear, quadratic, 0.0, dimod.BINARY)
    assert ising_beta_range(bqm) == pytest.approx(_dwave_rule(bqm), rel=1e-12)


def test_all_zero_biases_give_the_dwave_fallback():
    bqm = dimod.BinaryQuadraticModel({0: 0.0, 1: 0.0}, {(0, 1): 0.0}, 0.0, dimod.SPIN)
    assert ising_beta_range(bqm) == (0.1, 1.0)


def test_sa_answers_equal_with_the_precomputed_range():
    from dwave.samplers import SimulatedAnnealingSampler

    rng = np.random.default_rng(1)
    bqm = dimod.BinaryQuadraticModel(rng.normal(size=12), {(i, j): rng.normal() for i in range(12) for j in range(i)},
                                     0.0, dimod.BINARY)
    ours = load_backend("sa").solve(bqm, num_reads=5, num_sweeps=50, seed=3)
    theirs = SimulatedAnnealingSampler().sample(bqm, num_reads=5, num_sweeps=50, seed=3)
    assert ours.info["extra"]["beta_range"] == pytest.approx(list(theirs.info["beta_range"]), rel=1e-12)
    assert np.array_equal(ours.record.sample, theirs.record.sample)
    assert np.allclose(ours.record.energy, theirs.record.energy)
    assert ours.vartype is dimod.BINARY


@pytest.mark.parametrize(("name", "params", "knob"), [
    ("sa", {"num_reads": 10**12}, "num_reads"),
    ("sa", {"num_sweeps": 10**13}, "num_sweeps"),
    ("tabu", {"num_reads": 10**12}, "num_reads"),
    ("random", {"num_reads": 10**12}, "num_reads"),
])
def test_size_knobs_past_the_machine_are_refused(name, params, knob):
    bqm = dimod.BinaryQuadraticModel({0: 1.0, 1: -1.0}, {(0, 1): 2.0}, 0.0, dimod.BINARY)
    with pytest.raises(BadInputError) as caught:
        load_backend(name).solve(bqm, **params)
    assert caught.value.field == f"param {knob}" and "limit" in str(caught.value)


def test_beta_ratio_sets_the_hot_end_from_the_cold_one():
    rng = np.random.default_rng(2)
    bqm = dimod.BinaryQuadraticModel(rng.normal(size=8), {(i, j): rng.normal() for i in range(8) for j in range(i)},
                                     0.0, dimod.BINARY)
    _, cold = ising_beta_range(bqm)
    sampleset = load_backend("sa").solve(bqm, num_reads=2, num_sweeps=10, seed=1, beta_ratio=100.0)
    assert sampleset.info["extra"]["beta_range"] == pytest.approx([cold / 100.0, cold])
    with pytest.raises(BadInputError, match="beta_ratio"):
        load_backend("sa").solve(bqm, beta_ratio=0.5)
