"""qseg-mip backends against the shared conformance suite (gurobi and scip are skipped, with
the reason, where their extras are not installed)."""

from qseg.testing import parametrize_with_checks


@parametrize_with_checks(["cbc", "highs", "gurobi", "scip"])
def test_mip_conformance(backend, check):
    check(backend)
