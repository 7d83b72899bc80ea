"""Classical segmentation of scaled customer features and its quality: the p-median objective
without an N x N matrix, KMeans / GaussianMixture / HDBSCAN / FasterPAM scored on it, internal
metrics, bootstrap stability, the K sweep, segment profiles with business labels, a JSON segmenter
and figures.

Modules: ``pmedian`` (objective, nearest medoid, medoids of a labelling), ``methods`` (the
classical methods, each a ``Segmentation``), ``quality`` (metrics, stability, model selection),
``profiles`` (profiles, labels), ``segmenter`` (the saved model), ``plots`` (figures); for the
command, ``limits`` (size knobs refused with an estimate), ``steps`` (per-step times and progress)
and ``workers`` (``--jobs``).

The names below load their module on first use (PEP 562): ``qseg segment`` checks its size
knobs (``limits``) before scikit-learn, pandas and the backends are imported, so a refusal
costs the interpreter's start and not a second more.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qseg.workflows.segment.methods import Segmentation, fasterpam, gaussian_mixture, hdbscan, kmeans, refit
    from qseg.workflows.segment.pmedian import medoids_of_labels, nearest_medoid, pmedian_cost
    from qseg.workflows.segment.profiles import label_segments, segment_profiles
    from qseg.workflows.segment.quality import (
        ClusterQuality,
        ModelSelection,
        Stability,
        bootstrap_stability,
        cluster_quality,
        model_selection,
        stability_reading,
    )
    from qseg.workflows.segment.segmenter import Segmenter

_HOMES = {
    "methods": ("Segmentation", "fasterpam", "gaussian_mixture", "hdbscan", "kmeans", "refit"),
    "pmedian": ("medoids_of_labels", "nearest_medoid", "pmedian_cost"),
    "profiles": ("label_segments", "segment_profiles"),
    "quality": ("ClusterQuality", "ModelSelection", "Stability", "bootstrap_stability", "cluster_quality",
                "model_selection", "stability_reading"),
    "segmenter": ("Segmenter",),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "ClusterQuality", "ModelSelection", "Segmentation", "Segmenter", "Stability", "bootstrap_stability",
    "cluster_quality", "fasterpam", "gaussian_mixture", "hdbscan", "kmeans", "label_segments", "medoids_of_labels",
    "model_selection", "nearest_medoid", "pmedian_cost", "refit", "segment_profiles", "stability_reading",
]


def __getattr__(name: str) -> Any:
    """Return the re-exported ``name`` from its module, imported on first use."""
    if name not in _HOME_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME_OF[name]}"), name)
