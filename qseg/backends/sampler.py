"""A backend seen as a ``dimod.Sampler``, so Ocean code and composites can wrap it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import dimod
from dimod.core.sampler import Sampler


class BqmSolver(Protocol):
    """What the adapter needs of a Backend (declared here so this module needs no import of it)."""

    @property
    def name(self) -> str:
        """Return the backend's name."""

    @property
    def exact(self) -> bool:
        """Return whether the backend proves optimality."""

    @property
    def max_variables(self) -> int | None:
        """Return the declared variable limit (None: none)."""

    @property
    def parameters(self) -> Mapping[str, Any]:
        """Return the declared parameters by name."""

    def solve(self, model: Any, **params: Any) -> dimod.SampleSet:
        """Return the SampleSet of one solve."""


class BackendSampler(Sampler):
    """Adapter from a BQM-accepting Backend to dimod's Sampler API."""

    def __init__(self, backend: BqmSolver, **defaults: Any) -> None:
        self.backend = backend
        self.defaults = defaults

    @property
    def parameters(self) -> dict[str, list[Any]]:
        """Return the backend's parameter names, in dimod's ``{name: []}`` form."""
        return {name: [] for name in self.backend.parameters}

    @property
    def properties(self) -> dict[str, Any]:
        """Return the backend's declared facts (name, exactness, limits)."""
        return {
            "backend": self.backend.name,
            "exact": self.backend.exact,
            "max_variables": self.backend.max_variables,
        }

    def sample(self, bqm: dimod.BinaryQuadraticModel, **parameters: Any) -> dimod.SampleSet:
        """Return the backend's SampleSet for ``bqm``, in the BQM's own vartype."""
        return self.backend.solve(bqm, **{**self.defaults, **parameters})

    def __repr__(self) -> str:
        return f"BackendSampler({self.backend.name!r})"
