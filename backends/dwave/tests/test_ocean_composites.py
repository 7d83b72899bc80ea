"""Ocean composites wrap qseg backends because each BQM backend is a dimod.Sampler."""

from __future__ import annotations

import dimod
import numpy as np
import pytest

import qseg


def test_spin_reversal_transforms_wrap_sa():
    preprocessing = pytest.importorskip("dwave.preprocessing.composites")
    bqm = dimod.generators.gnp_random_bqm(12, 0.5, "SPIN", random_state=3)
    composite = preprocessing.SpinReversalTransformComposite(qseg.backend("sa").sampler(num_sweeps=200))
    sampleset = composite.sample(bqm, num_spin_reversal_transforms=3, num_reads=4, seed=11)
    assert set(sampleset.variables) == set(bqm.variables)
    assert int(sampleset.record.num_occurrences.sum()) == 12
    ground = qseg.backend("exact-bqm").solve(bqm, num_states=1).first.energy
    assert sampleset.first.energy == pytest.approx(ground)


def test_tracking_composite_records_the_parameters_given():
    sampler = dimod.TrackingComposite(qseg.backend("tabu").sampler())
    bqm = dimod.generators.gnp_random_bqm(8, 0.5, "BINARY", random_state=1)
    sampler.sample(bqm, num_reads=2, num_restarts=1, seed=3)
    assert sampler.input["bqm"] is bqm and sampler.parameters.keys() >= {"num_reads", "seed"}
    assert np.all(sampler.output.record.num_occurrences >= 1)
