"""qseg-mip backends against the shared conformance suite and dimod's sampler battery."""

from qseg.testing import dimod_sampler_testcase, parametrize_with_checks


@parametrize_with_checks(["cbc", "highs"])
def test_mip_conformance(backend, check):
    check(backend)


TestCbcDimodBattery = dimod_sampler_testcase("cbc")
TestHighsDimodBattery = dimod_sampler_testcase("highs")
