"""qseg: compare quantum and classical optimisation solvers on customer segmentation and targeting."""

from qseg.backends.registry import load_backend as backend

__version__ = "0.1.0"

__all__ = ["__version__", "backend"]
