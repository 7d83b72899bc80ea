"""Estimators in the conventions analysts know (docs/architecture.md §2): scikit-learn's
``fit``/``predict`` and optbinning's binning table, built on ``qseg.problem`` and ``qseg.solve``.

>>> from qseg.estimators import KMedoids, PropensityBinning, Segmenter

* ``KMedoids`` - k-medoids (the p-median) solved by any qseg backend or baseline; a scikit-learn
  ``BaseEstimator``/``ClusterMixin`` (clone, get/set_params, pipelines).
* ``PropensityBinning`` - optimal contiguous bins of propensity scores under a bin count, a
  minimum bin size and an optional monotone event rate, with revenue, cost and net per bin.
* ``Segmenter`` - the segmenter ``qseg segment`` saves, which ``predict``s segments of raw
  transactions (``Segmenter.load(folder)``).

This package sits above ``workflows`` in the layers contract (it re-exports the workflows'
Segmenter) and below ``api``/``cli``. Names are imported on first use, as ``qseg``'s are.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qseg.estimators.binning import PropensityBinning
    from qseg.estimators.kmedoids import KMedoids
    from qseg.workflows.segment.segmenter import Segmenter

_HOMES = {"KMedoids": "qseg.estimators.kmedoids", "PropensityBinning": "qseg.estimators.binning",
          "Segmenter": "qseg.workflows.segment.segmenter"}

__all__ = ["KMedoids", "PropensityBinning", "Segmenter"]


def __getattr__(name: str) -> Any:
    """Return the estimator ``name``, importing its module on first use."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOMES[name]), name)
    globals()[name] = value
    return value
