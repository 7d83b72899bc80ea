"""The old path of ``qseg.problems.kmedoids.qubo``, kept only because
``benchmarks/test_kmedoids_build.py`` imports ``ASSIGNMENT_PENALTY_FACTOR`` from it; new code
imports ``qseg.problems.kmedoids.qubo``. Remove once that benchmark does."""

from qseg.problems.kmedoids.qubo import ASSIGNMENT_PENALTY_FACTOR

__all__ = ["ASSIGNMENT_PENALTY_FACTOR"]
