"""qseg-mip backends against the shared conformance suite."""

from qseg.testing import parametrize_with_checks


@parametrize_with_checks(["cbc", "highs"])
def test_mip_conformance(backend, check):
    check(backend)
