"""The conformance suite every backend must pass, first-party or third-party.

One call checks a backend::

    from qseg.testing import check_backend
    check_backend("my-backend", params={"num_reads": 5})

and the pytest form runs each check as its own test, with dimod's own sampler battery beside it::

    from qseg.testing import parametrize_with_checks, dimod_sampler_testcase

    @parametrize_with_checks(["my-backend"], params={"num_reads": 5})
    def test_conformance(backend, check):
        check(backend)

    TestDimodBattery = dimod_sampler_testcase("my-backend", num_reads=5)
"""

from qseg.testing.conformance import (
    CHECKS,
    check_backend,
    dimod_sampler_testcase,
    parametrize_with_checks,
)

__all__ = ["CHECKS", "check_backend", "dimod_sampler_testcase", "parametrize_with_checks"]
