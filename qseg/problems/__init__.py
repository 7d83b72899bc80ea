"""Problem builders, one subpackage per problem (``knapsack``, ``kmedoids``, ``assignment``, ``binning``), found
by name."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np

from qseg.errors import BadInputError, UnknownNameError
from qseg.problems.base import Evaluation, Problem, Qubo, ReadEvaluations, refuse_if_too_large

if TYPE_CHECKING:
    from qseg.problems.assignment import AssignmentProblem
    from qseg.problems.binning import BinningProblem
    from qseg.problems.kmedoids import KMedoidsProblem
    from qseg.problems.knapsack import KnapsackProblem


class _Entry(NamedTuple):
    """Where a registered problem lives: its module, its class and its builder from the API/CLI fields."""

    module: str
    cls: str
    builder: str


# Problems whose builders take customer data as a numpy array or a pandas DataFrame (``data=``).
ARRAY_DATA = ("binning", "kmedoids")

# Imported on first use by name, not here: a process that builds knapsacks never pays for the
# assignment problem's pandas, and `import qseg` pays for none of them.
_REGISTRY: dict[str, _Entry] = {
    "knapsack": _Entry("qseg.problems.knapsack", "KnapsackProblem", "knapsack_from_spec"),
    "kmedoids": _Entry("qseg.problems.kmedoids", "KMedoidsProblem", "kmedoids_from_spec"),
    "assignment": _Entry("qseg.problems.assignment", "AssignmentProblem", "assignment_from_spec"),
    "binning": _Entry("qseg.problems.binning", "BinningProblem", "binning_from_spec"),
}
_CLASS_NAMES = {entry.cls: name for name, entry in _REGISTRY.items()}


def _entry(name: str) -> _Entry:
    """Return the registry entry of ``name``; raise UnknownNameError listing the names otherwise."""
    if name not in _REGISTRY:
        raise UnknownNameError("problem", name, _REGISTRY)
    return _REGISTRY[name]


def problem_class(name: str) -> type[Problem]:
    """Return the Problem class registered as ``name`` (its module is imported now)."""
    entry = _entry(name)
    return cast(type[Problem], getattr(importlib.import_module(entry.module), entry.cls))


def _builder(name: str) -> Callable[..., Problem]:
    """Return the function that builds problem ``name`` from the API/CLI fields."""
    entry = _entry(name)
    return cast(Callable[..., Problem], getattr(importlib.import_module(entry.module), entry.builder))


def problem_names() -> list[str]:
    """Return the names of the problems qseg can build (importing none of them)."""
    return sorted(_REGISTRY)


def __getattr__(attribute: str) -> type[Problem]:
    """Return a problem class re-exported by name (``from qseg.problems import KnapsackProblem``),
    importing only its module."""
    if attribute in _CLASS_NAMES:
        return problem_class(_CLASS_NAMES[attribute])
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")


def build_problem(
    name: str, *, size: int | None = None, seed: int = 0, data: Any = None,
    params: Mapping[str, Any] | None = None,
) -> Problem:
    """Return the problem instance ``name`` built from the API/CLI fields. A seed must be a whole
    number >= 0 and a size one >= 1 (numpy's generators take nothing else; ``True`` is not 1).
    ``data`` is a dataset name or file path, or (problems in ``ARRAY_DATA``) a numpy array or a
    pandas DataFrame of the customers."""
    build = _builder(name)
    _check_whole("seed", seed, 0)
    if isinstance(data, os.PathLike):
        data = os.fspath(data)
    if is_table(data):
        if name not in ARRAY_DATA:
            raise BadInputError("data", describe_table(data), f"{name} takes a dataset name or a file path; "
                                f"arrays and DataFrames are taken by {', '.join(ARRAY_DATA)}")
    elif data is not None and not isinstance(data, str):
        raise BadInputError("data", describe_table(data), "expected a dataset name, a file path, an array or a DataFrame")
    if params is not None and not isinstance(params, Mapping):
        raise BadInputError("params", params, "expected a mapping of problem parameters")
    if size is not None:
        _check_whole("size", size, 1)
        refuse_if_too_large("size", size, problem_class(name).instance_bytes(size), f"a {name} instance of {size:,} customers")
    return build(size=size, seed=seed, data=data, params=dict(params or {}))


def is_table(data: Any) -> bool:
    """Return whether ``data`` is a numpy array or a pandas DataFrame/Series (customers given in
    memory rather than named)."""
    module = type(data).__module__
    return isinstance(data, np.ndarray) or (module.split(".")[0] == "pandas" and hasattr(data, "to_numpy"))


def describe_table(data: Any) -> str:
    """Return a one-line description of ``data`` for an error message (its type and shape, never
    its repr: a DataFrame's repr runs to many lines)."""
    shape = getattr(data, "shape", None)
    return f"{type(data).__name__} of shape {tuple(shape)}" if shape is not None else type(data).__name__


def _check_whole(field: str, value: Any, minimum: int) -> None:
    """Raise BadInputError naming ``field`` unless ``value`` is an int (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise BadInputError(field, value, f"expected a whole number >= {minimum}")
    if value < minimum or value >= 2**63:
        raise BadInputError(field, value, f"must be a whole number >= {minimum} (and < 2**63)")


__all__ = [
    "AssignmentProblem", "BinningProblem", "Evaluation", "KMedoidsProblem", "KnapsackProblem", "Problem", "Qubo",
    "ReadEvaluations",
    "ARRAY_DATA", "build_problem", "describe_table", "is_table", "problem_class", "problem_names",
]
