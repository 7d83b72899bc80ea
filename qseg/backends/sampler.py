"""A backend seen as a ``dimod.Sampler``, so Ocean code and composites can wrap it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dimod

if TYPE_CHECKING:
    from qseg.backends.base import Backend


class BackendSampler(dimod.Sampler):
    """Adapter from a BQM-accepting Backend to dimod's Sampler API."""

    def __init__(self, backend: Backend, **defaults: Any) -> None:
        self.backend = backend
        self.defaults = defaults

    @property
    def parameters(self) -> dict[str, list]:
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
