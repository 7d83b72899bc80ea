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
from pathlib import Path

import numpy as np
import pandas as pd

from qseg.data.rfm import FEATURES, RfmData, generated_rfm, load_rfm
from qseg.errors import BadInputError
from qseg.record import Record
from qseg.workflows.segment.methods import Segmentation, fasterpam, gaussian_mixture, hdbscan, kmeans, refit
from qseg.workflows.segment.profiles import label_segments, segment_profiles
from qseg.workflows.segment.quality import (
    BOOTSTRAP_RESAMPLES,
    ClusterQuality,
    ModelSelection,
    Stability,
    bootstrap_stability,
    cluster_quality,
    model_selection,
)
from qseg.workflows.segment.qubo_route import QuboRoute, qubo_segmentation, refit_labels
from qseg.workflows.segment.segmenter import Segmenter

GENERATED = "generated"


@dataclass(frozen=True)
class SegmentRequest:
    """What ``qseg segment`` was asked: the transactions (a CSV path, or ``generated`` with
    ``customers``), the K values (one, or a range for model selection), the QUBO route, the
    column mapping, the seed and the bootstrap resamples (0: no stability)."""

    transactions: str
    ks: tuple[int, ...]
    route: QuboRoute
    seed: int = 0
    customers: int = 1_000
    columns: Mapping[str, str] | None = None
    resamples: int = BOOTSTRAP_RESAMPLES


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
    names of the QUBO route's segments, and the segmenter that reproduces them."""

    data: RfmData
    selection: ModelSelection | None
    k: int
    chosen: MethodResult
    record: Record
    baselines: dict[str, MethodResult]
    profiles: pd.DataFrame
    names: dict[int, str]
    segmenter: Segmenter


def parse_ks(text: str) -> tuple[int, ...]:
    """Return the K values of ``--k``: one whole number (``4``) or an inclusive range (``2..10``),
    each at least 2."""
    first, sep, last = text.partition("..")
    try:
        low = int(first)
        high = int(last) if sep else low
    except ValueError:
        raise BadInputError("k", text, "expected a whole number K or a range LOW..HIGH (e.g. 2..10)") from None
    if low < 2 or high < low:
        raise BadInputError("k", text, "K must be at least 2 (and LOW <= HIGH)")
    return tuple(range(low, high + 1))


def load_transactions(request: SegmentRequest) -> RfmData:
    """Return the cleaned, scaled RFM data of the request's transactions (generated when
    ``transactions`` is ``generated``)."""
    if request.transactions == GENERATED:
        return generated_rfm(request.customers, request.seed)
    path = Path(request.transactions).expanduser()
    if not path.is_file():
        raise BadInputError("transactions", request.transactions, "no such file")
    return load_rfm(path, columns=request.columns)


def fit_segments(request: SegmentRequest, data: RfmData) -> SegmentResult:
    """Return the SegmentResult of ``request`` on ``data`` (``load_transactions``).

    Raises BadInputError for a K outside 2..customers - 1 before any fit, and
    NoSegmentationError when the backend finds no feasible medoid set.
    """
    points = data.scaled
    customers = len(points)
    too_many = [k for k in request.ks if k > customers - 1]
    if too_many:
        raise BadInputError("k", too_many[0], f"must be at most {customers - 1} (the {customers:,} customers left "
                                              "after cleaning, minus one)")
    selection = model_selection(points, request.ks, seed=request.seed) if len(request.ks) > 1 else None
    k = selection.chosen_k if selection is not None else request.ks[0]
    segmentation, record = qubo_segmentation(points, k, seed=request.seed, route=request.route)
    chosen = _scored(points, segmentation, refit_labels(k, request.route), request)
    baselines = {
        "kmeans": _scored(points, kmeans(points, k, seed=request.seed), refit(kmeans, k=k), request),
        "gmm": _scored(points, gaussian_mixture(points, k, seed=request.seed), refit(gaussian_mixture, k=k), request),
        "fasterpam": _scored(points, fasterpam(points, k, seed=request.seed), refit(fasterpam, k=k), request),
        "hdbscan": _scored(points, hdbscan(points, seed=request.seed), refit(hdbscan), request),
    }
    profiles = segment_profiles(data.features[list(FEATURES)], segmentation.labels)
    names = label_segments(profiles)
    segmenter = Segmenter.from_rows(
        points, segmentation.medoids, features=list(FEATURES), scaling=dict(data.scaler.to_json()),
        segment_names=[names[label] for label in range(k)], method=segmentation.method, backend=request.route.backend,
    )
    return SegmentResult(data, selection, k, chosen, record, baselines, profiles, names, segmenter)


def _scored(points: np.ndarray, segmentation: Segmentation, fit: Callable[[np.ndarray, int], np.ndarray],
            request: SegmentRequest) -> MethodResult:
    quality = cluster_quality(points, segmentation.labels, segmentation.medoids, seed=request.seed)
    # Without two clusters there is no segmentation to be stable: everyone noise twice would
    # read as an ARI of 1.
    stability = (bootstrap_stability(points, fit, segmentation.labels, resamples=request.resamples, seed=request.seed)
                 if request.resamples > 0 and quality.clusters >= 2 else None)
    return MethodResult(segmentation, quality, stability)
