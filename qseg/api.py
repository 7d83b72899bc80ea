"""The public Python API (docs/architecture.md §2); the CLI is a thin layer over it."""

from __future__ import annotations

from typing import Any

from qseg.backends import Backend, BackendInfo, load_backend
from qseg.backends.registry import list_backends as _list_backends
from qseg.problems import Problem, build_problem
from qseg.record import Record, Status
from qseg.solving.solve import solve, solve_baseline


def problem(name: str, *, size: int | None = None, seed: int = 0, data: Any = None, **params: Any) -> Problem:
    """Return the problem ``name`` ("knapsack", ...) built from a generator (``size``, ``seed``),
    a named dataset (``data="seed-000"``), an instance file (``data="FILE#NAME"``) or, for
    ``kmedoids`` and ``binning``, customers in memory (``data=`` a numpy array or a pandas
    DataFrame: k-medoids points, one row per customer; binning propensity and outcome columns);
    ``params`` are problem parameters such as ``budget_fraction``.

    An unknown problem name or parameter raises ``UnknownNameError`` (both a ``BadInputError``
    and a ``LookupError``); any other bad value raises ``BadInputError`` naming the field."""
    return build_problem(name, size=size, seed=seed, data=data, params=params)


def backend(name: str) -> Backend:
    """Return the backend registered under ``name`` (entry-point group ``qseg.backends``).

    An unknown name raises ``UnknownNameError`` (a ``BadInputError`` and a ``LookupError``)."""
    return load_backend(name)


def list_backends() -> list[BackendInfo]:
    """Return the listing entry (name, accepts, available, reason, exact, package, version) of
    every registered backend, sorted by name: the objects ``qseg backends --json`` prints."""
    return _list_backends()


__all__ = ["Record", "Status", "backend", "list_backends", "problem", "solve", "solve_baseline"]
