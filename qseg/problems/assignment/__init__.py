"""Retention action assignment: ``problem`` (the Problem class and ``assignment_from_spec``),
``rules`` (the memo's settings and coupling rows), ``feasibility`` (the exact check and its
explanation), ``arrays`` (the instance as arrays), ``lp`` (the LP relaxation), ``qubo`` (the QUBO
formulations) and ``search`` (greedy and polish). Only ``problem`` knows the Problem class;
every other module takes arrays and imports none that imports it back."""

from qseg.problems.assignment.problem import AssignmentProblem, assignment_from_spec

__all__ = ["AssignmentProblem", "assignment_from_spec"]
