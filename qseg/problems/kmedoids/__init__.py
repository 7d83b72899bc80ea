"""k-medoids segmentation: ``problem`` (the Problem class), ``spec`` (instances from the API/CLI
fields), ``candidates`` (coreset candidates and representative weights for large customer
bases), ``qubo`` (the QUBO formulations) and ``search`` (vectorised p-median costs and the PAM
polish). ``qubo``, ``search`` and ``candidates`` work on arrays and never import ``problem``."""

from qseg.problems.kmedoids.problem import KMedoidsProblem
from qseg.problems.kmedoids.spec import kmedoids_from_spec

__all__ = ["KMedoidsProblem", "kmedoids_from_spec"]
