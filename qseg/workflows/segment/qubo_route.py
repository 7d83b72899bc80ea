"""The segmentation step as a QUBO: k-medoids of the scaled features solved by any backend
(annealer, QPU, QAOA, ...) through ``qseg.solve``, returned as a ``Segmentation`` like the
classical methods, so it is scored, profiled and bootstrapped the same way.

Up to ``FULL_MATRIX_LIMIT`` customers every customer is a candidate medoid; above, the medoids are
chosen among coreset candidates and the QUBO sees the customers through weighted representatives
(``qseg.problems.kmedoids.candidates``). Either way the answer is scored on the full p-median
over every customer, and each customer's segment is its nearest medoid.

Medoids among a few hundred candidates cost a few per cent more than the best medoids among all
customers (the candidates' spacing). ``refine`` (on by default) closes that after the solve: the
alternating k-medoids step over every customer — assign each customer to its nearest medoid,
move each medoid to the member that minimises the summed distance to its cluster (searched among
the ``REFINE_NEIGHBOURS`` members nearest the cluster's mean, each scored against every member),
repeated while the full cost falls. The record keeps the solve's own (raw and polished) cost.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qseg.errors import QsegError
from qseg.problems.kmedoids.spec import from_points
from qseg.record import Record, Status
from qseg.solving.charges import DEFAULT_MAX_QPU_S
from qseg.solving.solve import solve
from qseg.workflows.segment.methods import Segmentation
from qseg.workflows.segment.pmedian import nearest_medoid, pmedian_cost

# The library's default (the demo reproduces its stated values with it). ``qseg segment``'s
# default is ``SEGMENT_BACKEND``, chosen by the side-by-side runs of docs/segment-defaults.md: on
# 23,500 generated customers (K = 4, 200 candidates) tabu's own medoids were 0.1 % above the
# polished cost where sa's were 2.1 % above, for about the same CPU time, and both polished and
# refined to the same medoids.
DEFAULT_BACKEND = "sa"
SEGMENT_BACKEND = "tabu"
DEFAULT_FORMULATION = "selection"
# Reads and sweeps per refit in the bootstrap (``sa``): 30 refits at the default 100 reads of
# 1,000 sweeps would take minutes. On 2,000-customer resamples (200 candidates) 20 reads of 200
# sweeps found the same medoids as 20 reads of 1,000 in a fifth of the sampling time; tabu's
# 2 reads (of its default 10) the same medoids in a quarter of its time (0.6 s CPU).
STABILITY_READS = 20
STABILITY_SWEEPS = 200
STABILITY_TABU_READS = 2
REFINE_NEIGHBOURS = 256
REFINE_ROUNDS = 20
# Members per block of the refinement's distance sums: 257 x 16,384 float64 = 34 MB.
REFINE_BLOCK = 1 << 14


class NoSegmentationError(QsegError):
    """The backend returned no feasible medoid set (its status and message say why)."""


@dataclass(frozen=True)
class QuboRoute:
    """How the QUBO segmentation runs: backend, formulation, candidates (None: the default for
    the customer count, ``all``, or a number), backend parameters and the classical polish."""

    backend: str = DEFAULT_BACKEND
    formulation: str = DEFAULT_FORMULATION
    candidates: int | str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    polish: bool = True
    refine: bool = True
    # The spend guard's cap per solve (None: none); ``qseg segment`` first checks every solve's total.
    max_qpu_s: float | None = DEFAULT_MAX_QPU_S

    @property
    def method(self) -> str:
        """Return the method's name in tables: ``qubo:BACKEND/FORMULATION`` (``+polish``,
        ``+refine``)."""
        return (f"qubo:{self.backend}/{self.formulation}" + ("+polish" if self.polish else "")
                + ("+refine" if self.refine else ""))

    def for_refits(self) -> QuboRoute:
        """Return this route for bootstrap refits: ``STABILITY_READS`` reads on a backend whose
        default is more (``sa``, ``random``: 100), ``STABILITY_TABU_READS`` for ``tabu`` and
        ``STABILITY_SWEEPS`` sweeps for ``sa``, each unless the caller set it."""
        lighter: dict[str, Any] = {}
        if self.backend in ("sa", "random") and "num_reads" not in self.params:
            lighter["num_reads"] = STABILITY_READS
        if self.backend == "tabu" and "num_reads" not in self.params:
            lighter["num_reads"] = STABILITY_TABU_READS
        if self.backend == "sa" and "num_sweeps" not in self.params:
            lighter["num_sweeps"] = STABILITY_SWEEPS
        if not lighter:
            return self
        return dataclasses.replace(self, params={**self.params, **lighter})


def qubo_segmentation(points: np.ndarray, k: int, *, seed: int, route: QuboRoute | None = None) -> tuple[Segmentation, Record]:
    """Return the QUBO route's Segmentation of ``points`` into ``k`` segments (labels = nearest
    medoid, medoids in ascending customer order) and the full Record of its solve.

    Raises NoSegmentationError when the backend found no feasible medoid set, and BadInputError
    for bad settings before solving.
    """
    chosen = route or QuboRoute()
    started = time.perf_counter()
    params: dict[str, Any] = {} if chosen.candidates is None else {"candidates": chosen.candidates}
    problem = from_points(points, k, params, instance=f"segment-n{len(points)}", seed=seed)
    record = solve(problem, chosen.backend, formulation=chosen.formulation, polish=chosen.polish,
                   params=dict(chosen.params), max_qpu_s=chosen.max_qpu_s)
    if record.status != Status.OK:
        raise NoSegmentationError(f"{chosen.backend} on {chosen.formulation}: {record.status}"
                                  + (f" ({record.message})" if record.message else ""))
    solved = np.sort(np.asarray(record.details["medoid_ids"], dtype=np.intp))
    medoids = np.sort(refine_medoids(points, solved)) if chosen.refine else solved
    labels = nearest_medoid(points, medoids)
    segmentation = Segmentation(
        method=chosen.method, labels=labels, medoids=medoids, k=k, noise=0, seconds=time.perf_counter() - started,
        params={"backend": chosen.backend, "formulation": chosen.formulation, "candidates": problem.num_candidates,
                "seed": seed},
    )
    return segmentation, record


def _summed_distances(options: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Return each option's summed Euclidean distance to ``members``, in blocks of members so the
    temporary stays ``REFINE_NEIGHBOURS`` x ``REFINE_BLOCK`` (a cluster can hold 100,000+)."""
    from scipy.spatial.distance import cdist

    total = np.zeros(len(options))
    for start in range(0, len(members), REFINE_BLOCK):
        total += cdist(options, members[start : start + REFINE_BLOCK]).sum(axis=1)
    return total


def refine_medoids(points: np.ndarray, medoids: np.ndarray, *, rounds: int = REFINE_ROUNDS) -> np.ndarray:
    """Return ``medoids`` (row indices) after the alternating step of the module docstring,
    stopped when a round no longer lowers the full p-median cost (never worse than given)."""
    from scipy.spatial.distance import cdist

    best = np.asarray(medoids, dtype=np.intp)
    best_cost = pmedian_cost(points, best)
    for _ in range(rounds):
        labels = nearest_medoid(points, best)
        moved = best.copy()
        for position in range(len(best)):
            members = np.flatnonzero(labels == position)
            if members.size == 0:
                continue
            centre = points[members].mean(axis=0, keepdims=True)
            near = members[np.argsort(cdist(centre, points[members])[0], kind="stable")[:REFINE_NEIGHBOURS]]
            options = np.union1d(near, best[position : position + 1])
            moved[position] = options[int(np.argmin(_summed_distances(points[options], points[members])))]
        cost = pmedian_cost(points, moved)
        if not cost < best_cost * (1 - 1e-12):
            break
        best, best_cost = moved, cost
    return best


@dataclass(frozen=True)
class QuboRefit:
    """The bootstrap's ``fit(points, seed) -> labels`` for the QUBO route at ``k`` segments
    (picklable, so resamples can be scored in worker processes)."""

    k: int
    route: QuboRoute

    def __call__(self, points: np.ndarray, seed: int) -> np.ndarray:
        """Return the labels of the route's segmentation of ``points`` with ``seed``."""
        return qubo_segmentation(points, self.k, seed=seed, route=self.route)[0].labels


def refit_labels(k: int, route: QuboRoute) -> QuboRefit:
    """Return the ``QuboRefit`` of the bootstrap for the QUBO route (``route.for_refits()``)."""
    return QuboRefit(k, route.for_refits())
