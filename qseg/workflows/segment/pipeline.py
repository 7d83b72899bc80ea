"""``qseg segment``: the RFM seed's workflow end to end, with the segmentation step run by any
backend next to every classical method.

Transactions → cleaning (counted per rule) → RFM features → scaling → model selection over K
(KMeans elbow and silhouette, when a range is given) → the chosen K segmented by the QUBO route
and by KMeans, GaussianMixture, HDBSCAN and FasterPAM → quality of each (p-median cost over every
customer, silhouette, Davies–Bouldin, Calinski–Harabasz, bootstrap ARI stability with the seed's
reading) → profiles and business labels of the QUBO route's segments → a saved segmenter.
``fit_segments`` computes everything; ``write_segments`` writes it (``qseg.workflows.segment.artefacts``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from qseg.data.rfm import FEATURES, RfmData, generated_rfm, load_rfm
from qseg.errors import BadInputError
from qseg.record import Record
from qseg.workflows.segment.limits import check_customers, parse_ks
from qseg.workflows.segment.methods import Refit, Segmentation, fasterpam, gaussian_mixture, hdbscan, kmeans, refit
from qseg.workflows.segment.profiles import label_segments, segment_profiles
from qseg.workflows.segment.quality import (
    BOOTSTRAP_RESAMPLES,
    STABILITY_SAMPLE,
    ClusterQuality,
    ModelSelection,
    Stability,
    cluster_quality,
    model_selection,
    refit_ari,
    resample_plan,
    stability_of,
)
from qseg.workflows.segment.qubo_route import QuboRefit, QuboRoute, qubo_segmentation, refit_labels
from qseg.workflows.segment.segmenter import Segmenter
from qseg.workflows.segment.steps import Steps
from qseg.workflows.segment.workers import Workers

GENERATED = "generated"
__all__ = ["GENERATED", "MethodResult", "SegmentRequest", "SegmentResult", "fit_segments", "load_transactions",
           "parse_ks"]


@dataclass(frozen=True)
class SegmentRequest:
    """What ``qseg segment`` was asked: the transactions (a CSV path, or ``generated`` with
    ``customers``), the K values (one, or a range for model selection), the QUBO route, the
    column mapping, the seed, the bootstrap resamples (0: no stability) and the customers drawn
    per resample, and the worker processes (``jobs``; 1 runs everything in this process)."""

    transactions: str
    ks: tuple[int, ...]
    route: QuboRoute
    seed: int = 0
    customers: int = 1_000
    columns: Mapping[str, str] | None = None
    resamples: int = BOOTSTRAP_RESAMPLES
    stability_sample: int = STABILITY_SAMPLE
    jobs: int = 1

    @property
    def candidates(self) -> int | str | None:
        """Return the QUBO route's candidates (None: the default for the customer count)."""
        return self.route.candidates


@dataclass(frozen=True)
class MethodResult:
    """One method's segmentation with its quality and (when run) its bootstrap stability."""

    segmentation: Segmentation
    quality: ClusterQuality
    stability: Stability | None


@dataclass(frozen=True)
class SegmentResult:
    """Everything ``qseg segment`` found: the data, the model selection (None for one K), the K
    used, the QUBO route's result and Record, every classical method's result, the profiles and
    names of the QUBO route's segments, the segmenter that reproduces them, the wall seconds of
    each step (in order), the worker processes used and this process's CPU seconds per step."""

    data: RfmData
    selection: ModelSelection | None
    k: int
    chosen: MethodResult
    record: Record
    baselines: dict[str, MethodResult]
    profiles: pd.DataFrame
    names: dict[int, str]
    segmenter: Segmenter
    step_seconds: dict[str, float]
    jobs: int = 1
    step_cpu_seconds: dict[str, float] | None = None


def load_transactions(request: SegmentRequest) -> RfmData:
    """Return the cleaned, scaled RFM data of the request's transactions (generated when
    ``transactions`` is ``generated``)."""
    if request.transactions == GENERATED:
        return generated_rfm(request.customers, request.seed)
    path = Path(request.transactions).expanduser()
    if not path.is_file():
        raise BadInputError("transactions", request.transactions, "no such file")
    return load_rfm(path, columns=request.columns)


def fit_segments(request: SegmentRequest, data: RfmData, steps: Steps | None = None) -> SegmentResult:
    """Return the SegmentResult of ``request`` on ``data`` (``load_transactions``), timing each
    step in ``steps`` (a new ``Steps`` when None). The step times so far, the jobs and the
    stability's sample are also kept in the record's ``details["segment"]``.

    Raises BadInputError for a K outside 2..customers - 1 or work past ``limits`` before any
    fit, and NoSegmentationError when the backend finds no feasible medoid set.
    """
    steps = steps if steps is not None else Steps()
    points = data.scaled
    customers = len(points)
    too_many = [k for k in request.ks if k > customers - 1]
    if too_many:
        raise BadInputError("k", too_many[0], f"must be at most {customers - 1} (the {customers:,} customers left "
                                              "after cleaning, minus one)")
    check_customers(request, customers)
    selection = None
    if len(request.ks) > 1:
        with steps.step("model selection"):
            selection = model_selection(points, request.ks, seed=request.seed)
    k = selection.chosen_k if selection is not None else request.ks[0]
    methods = _methods(request, k)
    with Workers(request.jobs) as workers:
        with steps.step("fits"):
            fitted = workers.map([partial(_fit, method, points, request.seed) for method in methods.values()])
        record = fitted[0][1]
        assert record is not None  # the QUBO route's fit comes first and has a Record
        found = {name: segmentation for name, (segmentation, _) in zip(methods, fitted, strict=True)}
        with steps.step("quality"):
            qualities = dict(zip(methods, workers.map([
                partial(cluster_quality, points, segmentation.labels, segmentation.medoids, seed=request.seed)
                for segmentation in found.values()]), strict=True))
        # Without two clusters there is no segmentation to be stable: everyone noise twice would
        # read as an ARI of 1.
        scored = [name for name in methods if qualities[name].clusters >= 2]
        stabilities: dict[str, Stability] = {}
        if request.resamples > 0 and scored:
            with steps.step("stability"):
                stabilities = _stabilities(points, {name: (methods[name].refit, found[name].labels) for name in scored},
                                           request, workers, steps)
    segmentation = found[QUBO]
    with steps.step("profiles"):
        profiles = segment_profiles(data.features[list(FEATURES)], segmentation.labels)
        names = label_segments(profiles)
        segmenter = Segmenter.from_rows(
            points, segmentation.medoids, features=list(FEATURES), scaling=dict(data.scaler.to_json()),
            segment_names=[names[label] for label in range(k)], method=segmentation.method,
            backend=request.route.backend,
        )
    results = {name: MethodResult(found[name], qualities[name], stabilities.get(name)) for name in methods}
    chosen = results.pop(QUBO)
    record.details["segment"] = {"jobs": request.jobs, "resamples": request.resamples,
                                 "stability_sample": min(customers, request.stability_sample),
                                 "step_seconds": dict(steps.times), "step_cpu_seconds": dict(steps.cpu_times)}
    return SegmentResult(data, selection, k, chosen, record, results, profiles, names, segmenter, dict(steps.times),
                         request.jobs, dict(steps.cpu_times))


QUBO = "qubo"


@dataclass(frozen=True)
class _Method:
    """A method of the comparison: its fit on every customer and its bootstrap refit."""

    fit: Callable[[np.ndarray, int], np.ndarray]
    refit: Callable[[np.ndarray, int], np.ndarray]


def _methods(request: SegmentRequest, k: int) -> dict[str, _Method]:
    """Return every method of the comparison by name, the QUBO route first."""
    classical = {"kmeans": refit(kmeans, k=k), "gmm": refit(gaussian_mixture, k=k), "fasterpam": refit(fasterpam, k=k),
                 "hdbscan": refit(hdbscan)}
    return {QUBO: _Method(QuboRefit(k, request.route), refit_labels(k, request.route))} | {
        name: _Method(fit, fit) for name, fit in classical.items()}


def _fit(method: _Method, points: np.ndarray, seed: int) -> tuple[Segmentation, Record | None]:
    """Return the Segmentation of ``method`` on every customer (and the QUBO route's Record)."""
    if isinstance(method.fit, QuboRefit):
        return qubo_segmentation(points, method.fit.k, seed=seed, route=method.fit.route)
    assert isinstance(method.fit, Refit)
    return method.fit.method(points, seed=seed, **method.fit.options), None


def _stabilities(points: np.ndarray, methods: Mapping[str, tuple[Callable[[np.ndarray, int], np.ndarray], np.ndarray]],
                 request: SegmentRequest, workers: Workers, steps: Steps) -> dict[str, Stability]:
    """Return each method's bootstrap Stability: the same draws (``resample_plan``) for every
    method, each refit a task of ``workers`` carrying only its drawn customers."""
    plan = resample_plan(len(points), resamples=request.resamples, seed=request.seed, sample=request.stability_sample)
    tasks = [partial(refit_ari, fit, points[draw.rows], labels[draw.rows], draw.fit_seed)
             for fit, labels in methods.values() for draw in plan]
    scores = workers.map(tasks, on_done=steps.advance)
    return {name: stability_of(scores[position * len(plan) : (position + 1) * len(plan)], len(plan[0].rows))
            for position, name in enumerate(methods)}
