"""The backend contract and the entry-point registry (no solver code lives here).

Plugins import only from this package: ``Backend``, ``Parameter``, ``silenced``,
``available_memory`` (for limits checked before allocating), and ``SolverInfo`` with its key
constants (what ``SampleSet.info`` may hold; ``solver_info_problems`` checks it).
"""

from qseg.backends import info as _info
from qseg.backends.base import MODEL_KINDS, Backend, Parameter, model_kind, num_variables
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
from qseg.environment import available_memory

__all__ = [
    *_info.__all__,
    "ENTRY_POINT_GROUP",
    "MODEL_KINDS",
    "Backend",
    "BackendInfo",
    "Parameter",
    "available_memory",
    "backend_names",
    "list_backends",
    "load_backend",
    "model_kind",
    "num_variables",
    "refresh",
    "silenced",
]
