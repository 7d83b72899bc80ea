"""qseg-qiskit's qaoa against the shared conformance suite and dimod's sampler battery.

Small settings keep it fast: the suite's models have 6-10 variables.
"""

from qseg.testing import dimod_sampler_testcase, parametrize_with_checks

FAST = {"shots": 64, "maxiter": 8}


@parametrize_with_checks(["qaoa"], params=FAST)
def test_qaoa_conformance(backend, check):
    check(backend)


# Empty, 1-, 2- and 3-variable BQMs in SPIN and BINARY, float32 and float64.
TestQaoaDimodBattery = dimod_sampler_testcase("qaoa", **FAST)
