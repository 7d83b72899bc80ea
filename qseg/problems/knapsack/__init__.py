"""Knapsack targeting: ``problem`` (the Problem class and ``knapsack_from_spec``), ``qubo`` (the
QUBO formulations) and ``search`` (greedy, dynamic programming). ``qubo`` and ``search`` work on
arrays and never import ``problem``."""

from qseg.problems.knapsack.problem import KnapsackProblem, knapsack_from_spec

__all__ = ["KnapsackProblem", "knapsack_from_spec"]
