"""Problem builders, one subpackage per problem (``knapsack``, ``kmedoids``, ``assignment``, ``binning``), found
by name."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from qseg.errors import BadInputError, UnknownNameError
from qseg.problems.assignment import AssignmentProblem, assignment_from_spec
from qseg.problems.base import Evaluation, Problem, Qubo, ReadEvaluations, refuse_if_too_large
from qseg.problems.binning import BinningProblem, binning_from_spec
from qseg.problems.kmedoids import KMedoidsProblem, kmedoids_from_spec
from qseg.problems.knapsack import KnapsackProblem, knapsack_from_spec

_BUILDERS: dict[str, Callable[..., Problem]] = {
    "knapsack": knapsack_from_spec, "kmedoids": kmedoids_from_spec, "assignment": assignment_from_spec,
    "binning": binning_from_spec,
}
_CLASSES: dict[str, type[Problem]] = {
    "knapsack": KnapsackProblem, "kmedoids": KMedoidsProblem, "assignment": AssignmentProblem,
    "binning": BinningProblem,
}


def problem_class(name: str) -> type[Problem]:
    """Return the Problem class registered as ``name``."""
    if name not in _CLASSES:
        raise UnknownNameError("problem", name, _CLASSES)
    return _CLASSES[name]


def problem_names() -> list[str]:
    """Return the names of the problems qseg can build."""
    return sorted(_BUILDERS)


def build_problem(
    name: str, *, size: int | None = None, seed: int = 0, data: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> Problem:
    """Return the problem instance ``name`` built from the API/CLI fields. A seed must be a whole
    number >= 0 and a size one >= 1 (numpy's generators take nothing else; ``True`` is not 1)."""
    if name not in _BUILDERS:
        raise UnknownNameError("problem", name, _BUILDERS)
    _check_whole("seed", seed, 0)
    if isinstance(data, os.PathLike):
        data = os.fspath(data)
    if data is not None and not isinstance(data, str):
        raise BadInputError("data", data, "expected a dataset name or a file path")
    if params is not None and not isinstance(params, Mapping):
        raise BadInputError("params", params, "expected a mapping of problem parameters")
    if size is not None:
        _check_whole("size", size, 1)
        refuse_if_too_large("size", size, _CLASSES[name].instance_bytes(size), f"a {name} instance of {size:,} customers")
    return _BUILDERS[name](size=size, seed=seed, data=data, params=dict(params or {}))


def _check_whole(field: str, value: Any, minimum: int) -> None:
    """Raise BadInputError naming ``field`` unless ``value`` is an int (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise BadInputError(field, value, f"expected a whole number >= {minimum}")
    if value < minimum or value >= 2**63:
        raise BadInputError(field, value, f"must be a whole number >= {minimum} (and < 2**63)")


__all__ = [
    "AssignmentProblem", "BinningProblem", "Evaluation", "KMedoidsProblem", "KnapsackProblem", "Problem", "Qubo",
    "ReadEvaluations",
    "build_problem", "problem_class", "problem_names",
]
