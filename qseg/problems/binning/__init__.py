"""Propensity binning (the Smart Segment seed): ``problem`` (the Problem class and
``binning_from_spec``), ``search`` (grid, exact DP, polish, baselines on arrays), ``qubo`` (the
domain-wall QUBO) and ``bins`` (tables, JSON, assigning new customers). ``search``, ``qubo`` and
``bins`` never import ``problem``."""

from qseg.problems.binning.bins import assign, load_bins, save_bins
from qseg.problems.binning.problem import BinningCollapseWarning, BinningProblem, binning_from_spec

__all__ = ["BinningCollapseWarning", "BinningProblem", "assign", "binning_from_spec", "load_bins", "save_bins"]
