"""The backend contract and the entry-point registry (no solver code lives here).

Plugins import only from this package: ``Backend``, ``Parameter``, ``silenced``,
``available_memory``, ``memory_refusal`` and ``WorkEstimate`` (for limits checked before
allocating), and ``SolverInfo`` with its key
constants (what ``SampleSet.info`` may hold; ``solver_info_problems`` checks it).
"""

from qseg.backends import info as _info
from qseg.backends.base import MAX_WORK_SECONDS, MODEL_KINDS, Backend, Parameter, WorkEstimate, model_kind, num_variables
from qseg.backends.info import *  # noqa: F403 - SolverInfo, its nested TypedDicts, key constants
from qseg.backends.quiet import silenced
from qseg.backends.registry import (
    ENTRY_POINT_GROUP,
    BackendInfo,
    backend_names,
    list_backends,
    load_backend,
    refresh,
)
from qseg.environment import MEMORY_FRACTION, available_memory, memory_refusal

__all__ = [
    *_info.__all__,
    "ENTRY_POINT_GROUP",
    "MAX_WORK_SECONDS",
    "MEMORY_FRACTION",
    "MODEL_KINDS",
    "Backend",
    "BackendInfo",
    "Parameter",
    "WorkEstimate",
    "available_memory",
    "backend_names",
    "list_backends",
    "load_backend",
    "memory_refusal",
    "model_kind",
    "num_variables",
    "refresh",
    "silenced",
]
