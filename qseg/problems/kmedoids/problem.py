"""k-medoids segmentation: choose K medoids among N customers minimising the sum of distances
from every customer to its nearest medoid (the p-median problem).

The CQM is facility location: ``y_i`` (customer i is a medoid), ``z_i_j`` (customer j is served
by medoid i), each customer served once (a discrete constraint), only by a medoid (``z_ij <=
y_i``) and exactly K medoids. An answer is its medoid set: every decoded sample assigns each
customer to its nearest chosen medoid, so evaluation is the true p-median cost of the medoids, and
a sample is feasible exactly when it opens K of them. ``evaluate_reads`` computes this with numpy
and equals the CQM's own evaluation of the lifted sample (tested).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, cast

import dimod
import numpy as np

from qseg.data.sources import Sources
from qseg.environment import available_memory
from qseg.errors import BadInputError, ModelTooLargeError
from qseg.problems.base import (
    MEMORY_FRACTION,
    Evaluation,
    PenaltyWeight,
    Problem,
    Qubo,
    ReadEvaluations,
    check_parameters,
    penalty_values,
    whole_number,
)
from qseg.problems.kmedoids import qubo
from qseg.problems.kmedoids.search import medoid_set_costs, nearest_medoids, polish_many

DEFAULT_K = 4
GENERATOR_DEFAULT_SIZE = 250
SOURCES = Sources(named=("seed-000",))
SYMMETRY_TOLERANCE = 1e-9

CQM_BYTES_PER_PAIR = 1100  # dimod memory per z_i_j variable and its rows, measured


class KMedoidsProblem(Problem):
    """p-median over a distance matrix ``distances`` with ``k`` medoids; ``points`` and
    ``reference_labels`` are kept when known (k-means baseline, adjusted Rand index)."""

    name = "kmedoids"
    sense = "min"
    has_nl = True
    formulations = ("selection", "bauckhage", "assignment")
    parameters = ("k", "metric")
    penalty_options = {
        "selection": ("gamma", "radius_rank"),
        "bauckhage": ("alpha", "beta", "gamma", "sigma"),
        "assignment": ("penalty", "max_memory_fraction"),
    }
    can_polish = True
    # Penalty tuning: gamma enforces the medoid count; assignment's one weight is A = B = G.
    penalty_weights = {
        "selection": (PenaltyWeight("gamma", "gamma", ("medoids",)),),
        "bauckhage": (PenaltyWeight("gamma", "gamma", ("medoids",)),),
        "assignment": (PenaltyWeight("penalty", "A"),),
    }

    def __init__(
        self,
        distances: np.ndarray,
        k: int,
        *,
        points: np.ndarray | None = None,
        reference_labels: np.ndarray | None = None,
        instance: str,
        seed: int | None = None,
        best_known: float | None = None,
    ) -> None:
        super().__init__(instance=instance, seed=seed, best_known=best_known)
        self.distances = check_distances(distances)
        n = self.distances.shape[0]
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
            raise BadInputError("k", k, f"must be a whole number in 1..{n} (the number of customers)")
        self.k = int(k)
        self.points = points
        self.reference_labels = reference_labels
        self.medoid_labels = [f"y_{i}" for i in range(n)]
        off_diagonal_zero = np.triu(self.distances == 0, 1)
        self.duplicate_points = int(off_diagonal_zero.any(axis=0).sum())

    @property
    def size(self) -> int:
        """Return the number of customers."""
        return int(self.distances.shape[0])

    def variable_name(self, index: int) -> str:
        """Return the CQM label (``y_i`` or ``z_i_j``) of an ``assignment`` QUBO integer label."""
        n = self.size
        if index < n:
            return f"y_{index}"
        i, j = divmod(index - n, n)
        return f"z_{i}_{j}"

    def build_cqm(self) -> dimod.ConstrainedQuadraticModel:
        """Return the facility-location CQM (N² + N binaries, N² + N + 1 constraints); refused
        (ModelTooLargeError, a skipped cell) when it would not fit: ~1.1 kB per z variable
        (measured: 4.4 GB peak at N = 2,000)."""
        n = self.size
        needed, available = CQM_BYTES_PER_PAIR * n * n, available_memory()
        if available is not None and needed > MEMORY_FRACTION * available:
            raise ModelTooLargeError("cqm", f"the facility-location CQM at N = {n:,} needs ~{needed / 2**30:.1f} GiB, "
                                            f"over {MEMORY_FRACTION:g} of the {available / 2**30:.1f} GiB available")
        z = [[f"z_{i}_{j}" for j in range(n)] for i in range(n)]
        cqm = dimod.ConstrainedQuadraticModel()
        objective = dimod.BinaryQuadraticModel.from_numpy_vectors(
            np.concatenate([np.zeros(n), self.distances.ravel()]), ([], [], []), 0.0, dimod.BINARY,
            variable_order=self.medoid_labels + [label for row in z for label in row],
        )
        cqm.set_objective(objective)
        # Plain one-hot rows, not add_discrete: dimod checks every new discrete variable against
        # all earlier ones (minutes at N = 250). dimod has no bulk constraint API; the N²
        # two-term rows below cost ~3 µs each.
        for j in range(n):
            cqm.add_constraint_from_iterable([(z[i][j], 1.0) for i in range(n)], "==", 1.0, label=f"serve_{j}")
        for i, medoid in enumerate(self.medoid_labels):
            for j in range(n):
                cqm.add_constraint_from_iterable([(z[i][j], 1.0), (medoid, -1.0)], "<=", 0.0, label=f"open_{i}_{j}")
        cqm.add_constraint_from_iterable([(v, 1.0) for v in self.medoid_labels], "==", float(self.k), label="medoids")
        return cqm

    def build_nl(self) -> Any:
        """Return the p-median as a locked NL model: a set of exactly K medoids, objective the
        sum over customers of the distance to the nearest medoid (exact, no penalties)."""
        from dwave.optimization.model import Model  # defined here; the package re-exports it implicitly

        model = Model()
        medoids = model.set(self.size, min_size=self.k, max_size=self.k)
        model.minimize(model.constant(self.distances)[medoids, :].min(axis=0).sum())
        model.lock()
        return model

    def nl_labels(self) -> list[Any]:
        """Return the medoid variables y_i, element i of the NL model's set."""
        return list(self.medoid_labels)

    def model_size(self) -> tuple[int, int, int]:
        """Return (variables, interactions, constraints) of the CQM without building it."""
        n = self.size
        return n * n + n, 0, n * n + n + 1

    def fingerprint(self) -> str:
        """Return a hash of the distances and K (the CQM is a function of them)."""
        digest = hashlib.sha256(np.ascontiguousarray(self.distances).tobytes())
        digest.update(f"k={self.k}".encode())
        return digest.hexdigest()[:32]

    @classmethod
    def instance_bytes(cls, size: int) -> int:
        """Return 16·N² bytes: the N × N distances and one working copy (the facility-location
        CQM is built only when a cell needs it, and checked then)."""
        return 16 * size * size

    def qubo_variables(self, formulation: str) -> int | None:
        """Return N² + N for ``assignment`` (y_i and z_ij) and N for the medoid-only QUBOs."""
        return self.size * self.size + self.size if formulation == "assignment" else self.size

    def build_qubo(self, formulation: str, **penalty_options: Any) -> Qubo:
        """Return the named QUBO formulation (see ``kmedoids.qubo``)."""
        formulation = self.check_formulation(formulation)
        options = penalty_values(self, formulation, penalty_options)
        return qubo.build(formulation, self.distances, self.k, self.medoid_labels, options)

    def medoid_columns(self, labels: list[Any]) -> list[int]:
        """Return the positions of y_0..y_{N-1} among ``labels`` (string labels, or the integer
        labels of the ``assignment`` QUBO)."""
        position = {v: i for i, v in enumerate(labels)}
        if self.medoid_labels[0] in position:
            return [position[v] for v in self.medoid_labels]
        return [position[i] for i in range(self.size)]

    def chosen(self, sample: Mapping[Any, float]) -> np.ndarray:
        """Return the boolean medoid row of a sample."""
        labels = list(sample)
        values = np.array([sample[v] for v in labels])
        return values[self.medoid_columns(labels)] > 0.5

    def evaluate_chosen(self, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (cost, feasible, violation) of boolean medoid rows: the p-median cost with
        nearest-medoid assignment (inf without medoids), feasible iff exactly K medoids, and the
        violation |medoids - K|."""
        chosen = np.atleast_2d(chosen)
        counts = chosen.sum(axis=1)
        violation = np.abs(counts - self.k).astype(float)
        return medoid_set_costs(self.distances, chosen), violation == 0, violation

    def evaluate(self, sample: Mapping[Any, float]) -> Evaluation:
        """Return the p-median cost of a sample's medoids and the medoid-count violation."""
        cost, feasible, violation = self.evaluate_chosen(self.chosen(sample))
        return Evaluation(float(cost[0]), bool(feasible[0]), {"medoids": float(violation[0])}, float(violation[0]))

    def evaluate_reads(self, sampleset: dimod.SampleSet) -> ReadEvaluations:
        """Return every read's p-median cost and feasibility from its medoids (y variables)."""
        # dimod's annotation of as_samples omits the SampleSet it accepts (and documents).
        samples, labels = dimod.as_samples(cast(Any, sampleset))
        chosen = samples[:, self.medoid_columns(list(labels))] > 0.5
        return self.reads_of(chosen, np.asarray(sampleset.record.energy, dtype=float),
                             np.asarray(sampleset.record.num_occurrences, dtype=np.int64))

    def reads_of(self, chosen: np.ndarray, energy: np.ndarray, occurrences: np.ndarray) -> ReadEvaluations:
        """Return the ReadEvaluations of boolean medoid rows with their energies and counts."""
        cost, feasible, violation = self.evaluate_chosen(chosen)
        return ReadEvaluations(cost, feasible, violation, energy, occurrences, chosen.astype(np.int8), self.medoid_labels,
                               self.sense)

    def polish_reads(self, reads: ReadEvaluations) -> ReadEvaluations:
        """Return the reads after the PAM swap polish of each decoded medoid set (energies kept:
        they describe the sampler's own states)."""
        polished = polish_many(self.distances, reads.states.astype(bool), self.k)
        return self.reads_of(polished, reads.energy, reads.num_occurrences)

    def qubo_best_known(
        self, bqm: dimod.BinaryQuadraticModel, reads: ReadEvaluations, polished: ReadEvaluations | None = None
    ) -> float | None:
        """Return the p-median cost of the lowest-energy state known for ``bqm`` among the reads,
        the reads after polish and FasterPAM's answer (each encoded in the QUBO's variables): an
        estimate of what the formulation itself allows, apart from the solver. None when that
        state does not open K medoids."""
        fasterpam = self.chosen(self._fasterpam())
        improved = polished.states if polished is not None else polish_many(self.distances, reads.states, self.k)
        candidates = np.vstack([reads.states.astype(bool), improved.astype(bool), fasterpam])
        energies = bqm.energies(self.encode(candidates, bqm))
        best = candidates[int(np.argmin(energies))]
        cost, feasible, _ = self.evaluate_chosen(best)
        return float(cost[0]) if feasible[0] else None

    def encode(self, chosen: np.ndarray, bqm: dimod.BinaryQuadraticModel) -> tuple[np.ndarray, list[Any]]:
        """Return medoid rows as states over ``bqm``'s variables: y alone for the N-variable
        QUBOs; y and the nearest-medoid z for ``assignment`` (integer labels)."""
        chosen = np.atleast_2d(chosen)
        n = self.size
        if len(bqm.variables) == n:
            return chosen.astype(np.int8), self.medoid_labels
        states = np.zeros((len(chosen), n + n * n), dtype=np.int8)
        states[:, :n] = chosen
        for row, medoids in enumerate(chosen):
            picked = np.flatnonzero(medoids)
            if picked.size:
                serving = picked[nearest_medoids(self.distances, picked)]
                states[row, n + serving * n + np.arange(n)] = 1
        return states, list(range(n + n * n))

    def decode(self, sample: Mapping[Any, float]) -> dict[str, Any]:
        """Return the medoids, each customer's cluster (index into medoids) and the cost."""
        medoids = np.flatnonzero(self.chosen(sample))
        clusters = nearest_medoids(self.distances, medoids).tolist() if medoids.size else []
        cost = float(self.distances[medoids].min(axis=0).sum()) if medoids.size else None
        return {"medoids": medoids.tolist(), "clusters": clusters, "cost": cost}

    def details(self, sample: Mapping[Any, float]) -> dict[str, Any]:
        """Return medoid count, K, silhouette, adjusted Rand index (when a reference labelling
        exists) and the number of duplicate points."""
        medoids = np.flatnonzero(self.chosen(sample))
        found: dict[str, Any] = {"medoids": int(medoids.size), "k": self.k, "duplicate_points": self.duplicate_points}
        if medoids.size:
            found.update(cluster_quality(self.distances, nearest_medoids(self.distances, medoids), self.reference_labels))
        return found

    def baselines(self) -> dict[str, Callable[[], dict[Any, int]]]:
        """Return FasterPAM, and k-means when the customers are points, as samples over y_i."""
        methods = {"fasterpam": self._fasterpam}
        if self.points is not None:
            methods["kmeans"] = self._kmeans
        return methods

    def _sample_of(self, medoids: np.ndarray) -> dict[str, int]:
        chosen = np.zeros(self.size, dtype=int)
        chosen[np.asarray(medoids, dtype=int)] = 1
        return dict(zip(self.medoid_labels, chosen.tolist()))

    def _fasterpam(self) -> dict[str, int]:
        import kmedoids

        result = kmedoids.fasterpam(self.distances, self.k, random_state=self.seed or 0, n_cpu=1)
        return self._sample_of(result.medoids)

    def _kmeans(self) -> dict[str, int]:
        """Lloyd's k-means from K random points (``default_rng(0)``, as the seed notebook), each
        centre then replaced by its nearest customer not already taken."""
        from sklearn.cluster import KMeans

        assert self.points is not None
        start = self.points[np.random.default_rng(0).choice(self.size, self.k, replace=False)]
        centres = KMeans(self.k, init=start, n_init=1, algorithm="lloyd", random_state=0).fit(self.points).cluster_centers_
        to_centre = np.linalg.norm(self.points[None, :, :] - centres[:, None, :], axis=2)
        medoids: list[int] = []
        for row in to_centre:
            row = row.copy()
            row[medoids] = np.inf
            medoids.append(int(np.argmin(row)))
        return self._sample_of(np.array(medoids))


def check_distances(distances: Any) -> np.ndarray:
    """Return ``distances`` as a float matrix after checking it is square, finite, non-negative,
    symmetric and zero on the diagonal; BadInputError names the first offending entry."""
    matrix = np.asarray(distances, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise BadInputError("distances", f"shape {matrix.shape}", "must be a square matrix")
    if matrix.shape[0] < 1:
        raise BadInputError("distances", "shape (0, 0)", "needs at least one customer")
    for mask, problem in ((~np.isfinite(matrix), "must be finite"), (matrix < 0, "must be >= 0")):
        bad = np.argwhere(mask)
        if bad.size:
            i, j = bad[0]
            raise BadInputError(f"distances[{i}][{j}]", float(matrix[i, j]), problem)
    scale = max(float(matrix.max()), 1.0)
    asymmetric = np.argwhere(np.abs(matrix - matrix.T) > SYMMETRY_TOLERANCE * scale)
    if asymmetric.size:
        i, j = asymmetric[0]
        raise BadInputError(
            f"distances[{i}][{j}]", float(matrix[i, j]), f"differs from distances[{j}][{i}]={matrix[j, i]} (not symmetric)"
        )
    diagonal = np.flatnonzero(np.diag(matrix) != 0)
    if diagonal.size:
        i = diagonal[0]
        raise BadInputError(f"distances[{i}][{i}]", float(matrix[i, i]), "a customer's distance to itself must be 0")
    return matrix


def cluster_quality(distances: np.ndarray, clusters: np.ndarray, reference: np.ndarray | None) -> dict[str, float | None]:
    """Return the silhouette (None with one cluster or one customer per cluster) and the adjusted
    Rand index against ``reference`` (None without one), from scikit-learn."""
    from sklearn.metrics import adjusted_rand_score, silhouette_score

    distinct = len(np.unique(clusters))
    silhouette = (
        float(silhouette_score(distances, clusters, metric="precomputed"))
        if 2 <= distinct <= len(clusters) - 1 else None
    )
    ari = float(adjusted_rand_score(reference, clusters)) if reference is not None else None
    return {"silhouette": silhouette, "ari": ari}


def euclidean_distances(points: np.ndarray) -> np.ndarray:
    """Return the Euclidean distance matrix of ``points`` (rows), exactly symmetric."""
    from scipy.spatial.distance import pdist, squareform

    return np.asarray(squareform(pdist(points)), dtype=float)


def kmedoids_from_spec(*, size: int | None, seed: int, data: str | None, params: Mapping[str, Any]) -> KMedoidsProblem:
    """Return a k-medoids instance from the API/CLI fields.

    ``data=None`` generates ``size`` customers (default 250) with the seed recipe and ``seed``
    (blobs around four centres, the true segments as reference labels); ``seed-000`` is the
    notebook's 250 customers (or the first ``size``); a ``pmed*.txt`` file is an OR-Library
    instance with its own p and published optimum; any other ``.csv`` is points (or a distance
    matrix with ``metric=precomputed``).
    """
    from qseg.data.synthetic import synthetic_customers

    check_parameters("kmedoids", params, KMedoidsProblem.parameters)
    metric = params.get("metric", "euclidean")
    if metric not in ("euclidean", "precomputed"):
        raise BadInputError("metric", metric, "expected euclidean or precomputed")
    k = whole_number("k", params.get("k", DEFAULT_K))
    if SOURCES.is_file(data):
        path, _ = SOURCES.locate(data, size)
        return _from_file(path, k, metric, params)
    dataset = SOURCES.dataset(data)
    if dataset is None:
        n = GENERATOR_DEFAULT_SIZE if size is None else size
        customers, instance, instance_seed = synthetic_customers(n, seed), f"blobs-n{n}-s{seed}", seed
    else:
        customers, instance, instance_seed = dataset.load(size), dataset.name, dataset.seed
    points = customers[["f1", "f2", "f3"]].to_numpy()
    return KMedoidsProblem(euclidean_distances(points), k, points=points,
                           reference_labels=customers["segment"].to_numpy(), instance=instance, seed=instance_seed)


def _from_file(path: Path, k: int, metric: str, params: Mapping[str, Any]) -> KMedoidsProblem:
    """Return the instance in an OR-Library ``pmed*.txt`` file (its own p) or a points CSV (a
    distance matrix with ``metric=precomputed``)."""
    if path.suffix == ".txt":
        from qseg.data.pmed import load_pmed

        if "k" in params:
            raise BadInputError("k", params["k"], f"{path.name} carries its own p")
        pmed = load_pmed(path)
        return KMedoidsProblem(pmed.distances, pmed.p, instance=pmed.name, best_known=pmed.optimum)
    from qseg.data.points_csv import load_points_csv

    table = load_points_csv(path, precomputed=metric == "precomputed")
    if table.points is not None:
        return KMedoidsProblem(euclidean_distances(table.points), k, points=table.points,
                               reference_labels=table.labels, instance=table.name)
    assert table.distances is not None  # load_points_csv gives points or, precomputed, distances
    return KMedoidsProblem(table.distances, k, instance=table.name)
