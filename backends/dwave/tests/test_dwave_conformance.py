"""qseg-dwave backends against the shared conformance suite and dimod's sampler battery."""

from qseg.testing import dimod_sampler_testcase, parametrize_with_checks

FAST = {"sa": {"num_reads": 10, "num_sweeps": 100}, "neal": {"num_reads": 10, "num_sweeps": 100},
        "tabu": {"num_reads": 2, "num_restarts": 2}, "random": {"num_reads": 10}, "exact-bqm": {}}


@parametrize_with_checks(["sa", "neal"], params=FAST["sa"])
def test_sa_conformance(backend, check):
    check(backend)


@parametrize_with_checks(["tabu"], params=FAST["tabu"])
def test_tabu_conformance(backend, check):
    check(backend)


@parametrize_with_checks(["random"], params=FAST["random"])
def test_random_conformance(backend, check):
    check(backend)


@parametrize_with_checks(["exact-bqm"], params=FAST["exact-bqm"])
def test_exact_bqm_conformance(backend, check):
    check(backend)


TestSaDimodBattery = dimod_sampler_testcase("sa", **FAST["sa"])
TestTabuDimodBattery = dimod_sampler_testcase("tabu", **FAST["tabu"])
TestRandomDimodBattery = dimod_sampler_testcase("random", **FAST["random"])
TestExactBqmDimodBattery = dimod_sampler_testcase("exact-bqm")
