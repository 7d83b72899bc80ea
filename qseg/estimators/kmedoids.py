"""``KMedoids``: scikit-learn's clustering interface over qseg's k-medoids problem.

``fit(X)`` builds ``qseg.problem("kmedoids", data=X, k=n_clusters, candidates=...)`` and solves
it with ``qseg.solve`` (a backend: ``tabu``, ``sa``, ``cqm``, ...) or ``qseg.solve_baseline`` (a
classical baseline: ``fasterpam``, ``pam``, ``kmeans``); the medoids are customers of ``X``.
The Record of that solve is kept as ``record_``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted

from qseg.problems import KMedoidsProblem, build_problem
from qseg.record import Record, Status
from qseg.solving.solve import solve, solve_baseline

BASELINES = KMedoidsProblem.baseline_names


def _validate(estimator: BaseEstimator, X: Any, *, reset: bool) -> np.ndarray:
    """Return ``X`` as a finite 2-D float array through scikit-learn's own validation (so its
    errors and ``n_features_in_``/``feature_names_in_`` are scikit-learn's)."""
    from sklearn.utils.validation import validate_data  # scikit-learn >= 1.6

    return np.asarray(validate_data(estimator, X, reset=reset, dtype=float))


class KMedoids(ClusterMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn ships no type hints
    """k-medoids clustering: choose ``n_clusters`` customers (rows of X) as medoids minimising the
    sum of Euclidean distances from every row to its nearest medoid (the p-median).

    Parameters
    ----------
    n_clusters : int, the number of medoids K (1..n_samples).
    backend : str, a qseg backend (``tabu``, ``sa``, ``cqm``, ...; ``qseg backends``) or a
        baseline (``fasterpam``, ``pam``, ``kmeans``).
    formulation : str or None, the QUBO formulation (``selection``, ``bauckhage``,
        ``assignment``; None: the problem's default); ignored by baselines.
    candidates : "all", int or None, the candidate medoids (None: qseg's default, every customer
        up to 2,000 rows).
    random_state : int or None, the problem seed and through it the solver seed (None: 0, so
        fits are reproducible unless asked otherwise).
    polish : bool, apply qseg's PAM swap polish to the solver's reads (backends only).
    backend_params : dict or None, backend parameters (``num_reads``, ``timeout``, ...); keyword
        arguments not named above are merged into it.

    Attributes (after ``fit``): ``labels_``, ``medoid_indices_``, ``cluster_centers_``,
    ``inertia_`` (the p-median cost), ``record_`` (the qseg Record), ``n_features_in_``.
    """

    def __init__(self, n_clusters: int = 4, *, backend: str = "tabu", formulation: str | None = None,
                 candidates: int | str | None = None, random_state: int | None = None, polish: bool = False,
                 backend_params: dict[str, Any] | None = None, **more_backend_params: Any) -> None:
        self.n_clusters = n_clusters
        self.backend = backend
        self.formulation = formulation
        self.candidates = candidates
        self.random_state = random_state
        self.polish = polish
        # scikit-learn's get_params sees named parameters only, so extra keywords live in backend_params.
        # No validation here (scikit-learn's rule): a backend_params that is not a dict is refused by fit.
        given = backend_params if isinstance(backend_params, dict) else {}
        self.backend_params = backend_params if not more_backend_params else {**given, **more_backend_params}

    def _seed(self) -> int:
        if self.random_state is None:
            return 0
        if isinstance(self.random_state, bool) or not isinstance(self.random_state, (int, np.integer)):
            raise ValueError(f"random_state={self.random_state!r}: expected a whole number >= 0 or None "
                             "(a RandomState instance is not supported: qseg seeds are integers)")
        return int(self.random_state)

    def _problem(self, X: np.ndarray) -> KMedoidsProblem:
        n_clusters = self.n_clusters
        if isinstance(n_clusters, bool) or not isinstance(n_clusters, (int, np.integer)) or not 1 <= n_clusters <= len(X):
            raise ValueError(f"n_clusters={n_clusters!r}: must be a whole number in 1..{len(X)} (the samples)")
        params: dict[str, Any] = {"k": int(n_clusters)}
        if self.candidates is not None:
            params["candidates"] = self.candidates
        problem = build_problem("kmedoids", data=X, seed=self._seed(), params=params)
        assert isinstance(problem, KMedoidsProblem)
        return problem

    def _solve(self, problem: KMedoidsProblem) -> Record:
        if self.backend in BASELINES:
            if self.formulation is not None or self.backend_params:
                raise ValueError(f"backend={self.backend!r}: a baseline takes no formulation or backend_params")
            return solve_baseline(problem, self.backend)
        if not isinstance(self.backend, str):
            raise ValueError(f"backend={self.backend!r}: expected a backend or baseline name")
        if self.backend_params is not None and not isinstance(self.backend_params, dict):
            raise ValueError(f"backend_params={self.backend_params!r}: expected a dict of backend parameters")
        return solve(problem, self.backend, formulation=self.formulation, polish=bool(self.polish),
                     params=self.backend_params or {})

    def fit(self, X: Any, y: Any = None) -> KMedoids:
        """Return self after choosing the medoids of ``X`` (n_samples × n_features; ``y`` is
        ignored). ValueError names the parameter for bad input (shape, NaN, n_clusters, an
        unknown backend or backend parameter); RuntimeError when the solver found no K medoids."""
        matrix = _validate(self, X, reset=True)
        problem = self._problem(matrix)
        record = self._solve(problem)
        medoids = np.asarray(record.details.get("medoid_ids", []), dtype=np.intp)
        if record.status != Status.OK or len(medoids) != problem.k:
            raise RuntimeError(f"backend={self.backend!r} found no set of {problem.k} medoids "
                               f"(status {record.status}: {record.message or 'no feasible read'})")
        self.record_ = record
        self.medoid_indices_ = medoids
        self.cluster_centers_ = matrix[medoids]
        self.labels_ = self._nearest(matrix)
        self.inertia_ = float(record.objective) if record.objective is not None else float("nan")
        return self

    def _nearest(self, matrix: np.ndarray) -> np.ndarray:
        """Return each row's nearest centre (ties to the lower index), without an N × N matrix."""
        from scipy.spatial.distance import cdist

        return np.asarray(np.argmin(cdist(matrix, self.cluster_centers_), axis=1), dtype=np.intp)

    def predict(self, X: Any) -> np.ndarray:
        """Return the index of the nearest medoid (in ``medoid_indices_`` order) of each row of
        ``X``; NotFittedError before ``fit``, ValueError for a wrong number of features or NaN."""
        check_is_fitted(self, "cluster_centers_")
        return self._nearest(_validate(self, X, reset=False))

    def fit_predict(self, X: Any, y: Any = None, **kwargs: Any) -> np.ndarray:
        """Return ``labels_`` after ``fit(X)``."""
        return np.asarray(self.fit(X).labels_)


__all__ = ["KMedoids"]
