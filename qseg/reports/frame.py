"""The report's table of cells: one row per stored cell, columns named by the constants below.

``cell_frame`` is the one function that builds it (from ``StoredCell`` values, so a store of any
readable schema gives the same columns) and ``load_frame`` reads a store into it. Every Record
field is a column of its name, nested fields are flattened one level (``timing.wall_ns``,
``details.random_control``, ``spec.repeat``), and three columns are derived here:

- ``backend``: the backend, marked ``+polish`` for polished cells and ``+tuned`` for cells with
  penalty tuning, so that reports never pool them with the others (schema 2's report called this
  column ``solver``; the bare backend name stays in ``spec.backend``);
- ``sweep``: the cell's grid values as one label (``num_sweeps=100``; empty without a grid);
- ``family``: the instance's family (``generated``, ``seed``, ``library``, ``file``; see
  ``qseg.data.sources.instance_family``), ``unknown`` for a cell without a spec.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from qseg.data.sources import FAMILIES, instance_family
from qseg.store import StoredCell, read_cells, read_run

# Record fields the reports read.
PROBLEM = "problem"
INSTANCE = "instance"
FORMULATION = "formulation"
STATUS = "status"
MESSAGE = "message"
GAP = "gap"
FEASIBLE = "feasible"
FEASIBLE_FRACTION = "feasible_fraction"
WALL_S = "wall_s"
TTS99_S = "tts99_s"
REFERENCE = "reference"
OBJECTIVE = "objective"
NUM_VARIABLES = "num_variables"
NUM_INTERACTIONS = "num_interactions"
NUM_READS = "num_reads"
SEED = "seed"
SIZE = "size"
EPS = "eps"
BOUND = "bound"
SUCCESS_PROBABILITY = "success_probability"
PHYSICAL_QUBITS = "physical_qubits"
MAX_CHAIN_LENGTH = "max_chain_length"
CHAIN_BREAK_FRACTION = "chain_break_fraction"
SHOTS = "shots"
REPS = "reps"
APPROXIMATION_RATIO_BEST = "approximation_ratio_best"
APPROXIMATION_RATIO_MEAN = "approximation_ratio_mean"
KEY = "key"
# Flattened nested fields.
TIMING_PREFIX = "timing."
RANDOM_CONTROL = "details.random_control"
SOLVER_EXTRA = "details.extra"
SPEC_BACKEND = "spec.backend"
SPEC_SEED = "spec.instance.seed"
# Derived here.
BACKEND = "backend"
SWEEP = "sweep"
FAMILY = "family"
UNKNOWN_FAMILY = "unknown"

__all__ = ["FAMILIES", "cell_frame", "load_frame", "sweep_label", "timing_column"]


def timing_column(name: str) -> str:
    """Return the column of the timing field ``name`` (``wall_ns`` -> ``timing.wall_ns``)."""
    return TIMING_PREFIX + name


def load_frame(root: Path | str) -> pd.DataFrame:
    """Return every cell of the store at ``root`` as ``cell_frame`` describes; raise
    BadInputError when the folder is not a store."""
    read_run(root)
    return cell_frame(read_cells(root))


def cell_frame(cells: Iterable[StoredCell]) -> pd.DataFrame:
    """Return one row per cell, columns as this module describes; empty when there are none."""
    stored = list(cells)
    if not stored:
        return pd.DataFrame()
    frame = pd.json_normalize([cell.to_json() for cell in stored], max_level=1)
    frame[BACKEND] = [_series_backend(cell) for cell in stored]
    frame[SWEEP] = [sweep_label(cell.spec.sweep if cell.spec is not None else {}) for cell in stored]
    frame[FAMILY] = [instance_family(cell.spec.instance.data) if cell.spec is not None else UNKNOWN_FAMILY
                     for cell in stored]
    return frame


def sweep_label(sweep: Mapping[str, Any]) -> str:
    """Return a cell's grid values as one label, keys sorted: ``num_reads=10 num_sweeps=100``."""
    return " ".join(f"{key}={sweep[key]}" for key in sorted(sweep))


def _series_backend(cell: StoredCell) -> str:
    """Return the backend a report's series is named by: marked ``+polish`` and ``+tuned``."""
    name = cell.record.backend
    if cell.record.polished:
        name += "+polish"
    if cell.spec is not None and cell.spec.penalty_tuning:
        name += "+tuned"
    return name
