"""k-medoids segmentation: ``problem`` (the Problem class and ``kmedoids_from_spec``), ``qubo``
(the QUBO formulations) and ``search`` (vectorised p-median costs and the PAM polish). ``qubo``
and ``search`` work on the distance matrix and never import ``problem``."""

from qseg.problems.kmedoids.problem import KMedoidsProblem, kmedoids_from_spec

__all__ = ["KMedoidsProblem", "kmedoids_from_spec"]
