"""k-medoids segmentation: choose K medoids among M candidate customers minimising the sum over
all N customers of the distance to the nearest medoid (the p-median problem).

By default every customer is a candidate (M = N, an N × N distance matrix). A customer base too
large for that takes M < N candidates (``kmedoids.candidates``): the problem then holds the
M × N distances from candidates to customers, and everything below is the same with rows
meaning candidates.

The CQM is facility location: ``y_c`` (candidate customer c is a medoid), ``z_c_j`` (customer j
is served by medoid c), each customer served once, only by a medoid (``z_cj <= y_c``) and
exactly K medoids. An answer is its medoid set: every decoded sample assigns each customer to its
nearest chosen medoid, so evaluation is the true p-median cost of the medoids over all N
customers, and a sample is feasible exactly when it opens K of them. ``evaluate_reads`` computes
this with numpy and equals the CQM's own evaluation of the lifted sample (tested).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import Any

import dimod
import numpy as np
import pandas as pd

from qseg.environment import available_memory
from qseg.errors import BadInputError, ModelTooLargeError
from qseg.problems.base import (
    MEMORY_FRACTION,
    Evaluation,
    PenaltyWeight,
    Problem,
    Qubo,
    ReadEvaluations,
    penalty_values,
    sample_methods,
)
from qseg.problems.decision import Decision, shortened
from qseg.problems.kmedoids import qubo
from qseg.problems.kmedoids.candidates import default_candidates, representative_weights
from qseg.problems.kmedoids.search import medoid_set_costs, nearest_medoids, polish, polish_many

SYMMETRY_TOLERANCE = 1e-9
# Above this many customers the silhouette is computed on a seeded sample of this many.
SILHOUETTE_SAMPLE = 10_000

CQM_BYTES_PER_PAIR = 1100  # dimod memory per z_c_j variable and its rows, measured


class KMedoidsProblem(Problem):
    """p-median over ``distances`` (M candidates × N customers; square when every customer is a
    candidate) with ``k`` medoids. ``candidates`` are the customers the rows stand for (None:
    all, and ``distances`` must then be a symmetric N × N matrix); ``points`` and
    ``reference_labels`` are kept when known (k-means baseline, silhouette, adjusted Rand index)."""

    name = "kmedoids"
    sense = "min"
    has_nl = True
    formulations = ("selection", "bauckhage", "assignment")
    parameters = ("k", "metric", "candidates", "columns")
    baseline_names = ("fasterpam", "pam", "kmeans")  # fasterpam with every customer a candidate, else pam
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
        candidates: np.ndarray | None = None,
        points: np.ndarray | None = None,
        reference_labels: np.ndarray | None = None,
        instance: str,
        seed: int | None = None,
        best_known: float | None = None,
    ) -> None:
        super().__init__(instance=instance, seed=seed, best_known=best_known)
        if candidates is None:
            self.distances = check_distances(distances)
            self.candidates = np.arange(self.distances.shape[0], dtype=np.intp)
        else:
            self.distances, self.candidates = check_candidate_distances(distances, candidates)
        m = len(self.candidates)
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= m:
            pool = "the number of customers" if self.every_customer else "the number of candidates"
            raise BadInputError("k", k, f"must be a whole number in 1..{m} ({pool})")
        self.k = int(k)
        self.points = points
        self.reference_labels = reference_labels
        self.medoid_labels = [f"y_{c}" for c in self.candidates.tolist()]
        off_diagonal_zero = np.triu(self.candidate_matrix == 0, 1)
        self.duplicate_points = int(off_diagonal_zero.any(axis=0).sum())

    @property
    def size(self) -> int:
        """Return the number of customers N."""
        return int(self.distances.shape[1])

    def repr_fields(self) -> dict[str, Any]:
        """Return K and the number of candidate medoids, for ``repr``."""
        return {"k": self.k, "candidates": self.num_candidates}

    @property
    def num_candidates(self) -> int:
        """Return the number of candidate medoids M (N when every customer is one)."""
        return int(self.distances.shape[0])

    @property
    def every_customer(self) -> bool:
        """Return whether every customer is a candidate (the square problem)."""
        return self.num_candidates == self.size

    @cached_property
    def candidate_matrix(self) -> np.ndarray:
        """Return the M × M distances among candidates (exactly symmetric, zero diagonal)."""
        if self.every_customer:
            return self.distances
        among: np.ndarray = self.distances[:, self.candidates]
        among = 0.5 * (among + among.T)
        np.fill_diagonal(among, 0.0)
        return among

    @cached_property
    def weights(self) -> np.ndarray:
        """Return how many customers each candidate represents in the QUBOs (1 each when every
        customer is a candidate; otherwise the customers nearest it)."""
        if self.every_customer:
            return np.ones(self.size)
        return representative_weights(self.distances)

    def variable_name(self, index: int) -> str:
        """Return the label (``y_c`` or ``z_c_d``) of an ``assignment`` QUBO integer label; z
        runs over candidates as representatives."""
        m = self.num_candidates
        if index < m:
            return self.medoid_labels[index]
        row, column = divmod(index - m, m)
        return f"z_{self.candidates[row]}_{self.candidates[column]}"

    def build_cqm(self) -> dimod.ConstrainedQuadraticModel:
        """Return the facility-location CQM (M·N + M binaries, M·N + N + 1 constraints); refused
        (ModelTooLargeError, a skipped cell) when it would not fit: ~1.1 kB per z variable
        (measured: 4.4 GB peak at N = 2,000)."""
        m, n = self.distances.shape
        needed, available = CQM_BYTES_PER_PAIR * m * n, available_memory()
        if available is not None and needed > MEMORY_FRACTION * available:
            raise ModelTooLargeError("cqm", f"the facility-location CQM over {m:,} candidates and {n:,} customers needs "
                                            f"~{needed / 2**30:.1f} GiB, over {MEMORY_FRACTION:g} of the "
                                            f"{available / 2**30:.1f} GiB available")
        z = [[f"z_{c}_{j}" for j in range(n)] for c in self.candidates.tolist()]
        cqm = dimod.ConstrainedQuadraticModel()
        objective = dimod.BinaryQuadraticModel.from_numpy_vectors(
            np.concatenate([np.zeros(m), self.distances.ravel()]), ([], [], []), 0.0, dimod.BINARY,
            variable_order=self.medoid_labels + [label for row in z for label in row],
        )
        cqm.set_objective(objective)
        # Plain one-hot rows, not add_discrete: dimod checks every new discrete variable against
        # all earlier ones (minutes at N = 250). dimod has no bulk constraint API; the M·N
        # two-term rows below cost ~3 µs each.
        for j in range(n):
            cqm.add_constraint_from_iterable([(z[r][j], 1.0) for r in range(m)], "==", 1.0, label=f"serve_{j}")
        for r, medoid in enumerate(self.medoid_labels):
            for j in range(n):
                cqm.add_constraint_from_iterable([(z[r][j], 1.0), (medoid, -1.0)], "<=", 0.0,
                                                 label=f"open_{self.candidates[r]}_{j}")
        cqm.add_constraint_from_iterable([(v, 1.0) for v in self.medoid_labels], "==", float(self.k), label="medoids")
        return cqm

    def build_nl(self) -> Any:
        """Return the p-median as a locked NL model: a set of exactly K candidates, objective the
        sum over all customers of the distance to the nearest medoid (exact, no penalties)."""
        from dwave.optimization.model import Model  # defined here; the package re-exports it implicitly

        model = Model()
        medoids = model.set(self.num_candidates, min_size=self.k, max_size=self.k)
        model.minimize(model.constant(self.distances)[medoids, :].min(axis=0).sum())
        model.lock()
        return model

    def nl_labels(self) -> list[Any]:
        """Return the medoid variables y_c, element r of the NL model's set."""
        return list(self.medoid_labels)

    def model_size(self) -> tuple[int, int, int]:
        """Return (variables, interactions, constraints) of the CQM without building it."""
        m, n = self.distances.shape
        return m * n + m, 0, m * n + n + 1

    def smaller_model_hint(self, variables: int) -> str:
        """Return the candidate count whose facility-location CQM has about ``variables``
        variables (M·(N + 1))."""
        fits = max(self.k, variables // (self.size + 1))
        return f"candidates={fits} gives ~{fits * (self.size + 1):,} variables (or leave out the reference)"

    def fingerprint(self) -> str:
        """Return a hash of the distances, K and (when not every customer) the candidates."""
        digest = hashlib.sha256(np.ascontiguousarray(self.distances).tobytes())
        digest.update(f"k={self.k}".encode())
        if not self.every_customer:
            digest.update(np.ascontiguousarray(self.candidates, dtype=np.int64).tobytes())
        return digest.hexdigest()[:32]

    @classmethod
    def instance_bytes(cls, size: int) -> int:
        """Return 16·M·N bytes: the M × N distances (M = N up to ``FULL_MATRIX_LIMIT``
        customers, ``DEFAULT_CANDIDATES`` above) and one working copy (the facility-location CQM
        is built only when a cell needs it, and checked then)."""
        return 16 * default_candidates(size) * size

    def qubo_variables(self, formulation: str) -> int | None:
        """Return M² + M for ``assignment`` (y and z over candidates) and M for the others."""
        m = self.num_candidates
        return m * m + m if formulation == "assignment" else m

    def build_qubo(self, formulation: str, **penalty_options: Any) -> Qubo:
        """Return the named QUBO formulation (see ``kmedoids.qubo``) over the candidates."""
        formulation = self.check_formulation(formulation)
        options = penalty_values(self, formulation, penalty_options)
        built = qubo.build(formulation, self.candidate_matrix, self.weights, self.k, self.medoid_labels, options)
        if not self.every_customer:
            built.details["representatives"] = f"{self.num_candidates} candidates for {self.size} customers"
        return built

    def medoid_columns(self, labels: list[Any]) -> list[int]:
        """Return the positions of the y variables among ``labels`` (string labels, or the
        integer labels of the ``assignment`` QUBO)."""
        position = {v: i for i, v in enumerate(labels)}
        if self.medoid_labels[0] in position:
            return [position[v] for v in self.medoid_labels]
        return [position[i] for i in range(self.num_candidates)]

    def chosen(self, sample: Mapping[Any, float]) -> np.ndarray:
        """Return the boolean medoid row (over candidates) of a sample."""
        labels = list(sample)
        values = np.array([sample[v] for v in labels])
        return values[self.medoid_columns(labels)] > 0.5

    def evaluate_chosen(self, chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (cost, feasible, violation) of boolean medoid rows: the p-median cost over all
        customers with nearest-medoid assignment (inf without medoids), feasible iff exactly K
        medoids, and the violation |medoids - K|."""
        chosen = np.atleast_2d(chosen)
        counts = chosen.sum(axis=1)
        violation = np.abs(counts - self.k).astype(float)
        return medoid_set_costs(self.distances, chosen), violation == 0, violation

    def evaluate(self, sample: Mapping[Any, float]) -> Evaluation:
        """Return the p-median cost of a sample's medoids and the medoid-count violation."""
        cost, feasible, violation = self.evaluate_chosen(self.chosen(sample))
        return Evaluation(float(cost[0]), bool(feasible[0]), {"medoids": float(violation[0])}, float(violation[0]))

    def reads_of_states(self, samples: np.ndarray, sample_labels: Sequence[Any], energy: np.ndarray,
                        occurrences: np.ndarray) -> ReadEvaluations:
        """Return every read's p-median cost and feasibility from its medoids (y variables)."""
        chosen = samples[:, self.medoid_columns(list(sample_labels))] > 0.5
        return self.reads_of(chosen, energy, occurrences)

    def reads_of(self, chosen: np.ndarray, energy: np.ndarray, occurrences: np.ndarray) -> ReadEvaluations:
        """Return the ReadEvaluations of boolean medoid rows with their energies and counts."""
        cost, feasible, violation = self.evaluate_chosen(chosen)
        return ReadEvaluations(cost, feasible, violation, energy, occurrences, chosen.astype(np.int8), self.medoid_labels,
                               self.sense)

    def polish_reads(self, reads: ReadEvaluations) -> ReadEvaluations:
        """Return the reads after the PAM swap polish of each decoded medoid set on the true cost
        over all customers (energies kept: they describe the sampler's own states). With
        candidates, each set is first polished on the weighted representatives (M × M, cheap),
        which brings most reads to a few sets, and then on the true cost."""
        states = reads.states.astype(bool)
        if not self.every_customer:
            states = polish_many(self.candidate_matrix * self.weights[None, :], states, self.k)
        polished = polish_many(self.distances, states, self.k)
        return self.reads_of(polished, reads.energy, reads.num_occurrences)

    def qubo_best_known(
        self, bqm: dimod.BinaryQuadraticModel, reads: ReadEvaluations, polished: ReadEvaluations | None = None
    ) -> float | None:
        """Return the p-median cost of the lowest-energy state known for ``bqm`` among the reads,
        the reads after polish and the classical baseline's answer (each encoded in the QUBO's
        variables): an estimate of what the formulation itself allows, apart from the solver.
        None when that state does not open K medoids."""
        classical = self.chosen(self._classical())
        improved = polished.states if polished is not None else self.polish_reads(reads).states
        states = np.vstack([reads.states.astype(bool), improved.astype(bool), classical])
        energies = bqm.energies(self.encode(states, bqm))
        best = states[int(np.argmin(energies))]
        cost, feasible, _ = self.evaluate_chosen(best)
        return float(cost[0]) if feasible[0] else None

    def encode(self, chosen: np.ndarray, bqm: dimod.BinaryQuadraticModel) -> tuple[np.ndarray, list[Any]]:
        """Return medoid rows as states over ``bqm``'s variables: y alone for the M-variable
        QUBOs; y and the nearest-medoid z over representatives for ``assignment`` (integer
        labels)."""
        chosen = np.atleast_2d(chosen)
        m = self.num_candidates
        if len(bqm.variables) == m:
            return chosen.astype(np.int8), self.medoid_labels
        states = np.zeros((len(chosen), m + m * m), dtype=np.int8)
        states[:, :m] = chosen
        for row, medoids in enumerate(chosen):
            picked = np.flatnonzero(medoids)
            if picked.size:
                serving = picked[nearest_medoids(self.candidate_matrix, picked)]
                states[row, m + serving * m + np.arange(m)] = 1
        return states, list(range(m + m * m))

    def decode(self, sample: Mapping[Any, float]) -> dict[str, Any]:
        """Return the medoids (customer indices), each customer's cluster (index into medoids)
        and the cost."""
        rows = np.flatnonzero(self.chosen(sample))
        clusters = nearest_medoids(self.distances, rows).tolist() if rows.size else []
        cost = float(self.distances[rows].min(axis=0).sum()) if rows.size else None
        return {"medoids": self.candidates[rows].tolist(), "clusters": clusters, "cost": cost}

    def decision(self, sample: Mapping[Any, float]) -> Decision:
        """Return the segmentation: one row per customer (id, segment 0..K-1, the id of its
        medoid) and one per segment (its medoid, customer count and cost, the medoid's features
        when the customers are points), segments numbered by their medoid's position."""
        rows = np.flatnonzero(self.chosen(sample))
        ids = self.customer_ids()
        medoid_customers = self.candidates[rows]
        segment = nearest_medoids(self.distances, rows)
        served = self.distances[rows[segment], np.arange(self.size)]
        customers = pd.DataFrame({"customer": ids, "segment": segment, "medoid": ids[medoid_customers][segment]})
        medoids = pd.DataFrame({"segment": np.arange(rows.size), "medoid": ids[medoid_customers],
                                "customers": np.bincount(segment, minlength=rows.size),
                                "cost": np.bincount(segment, weights=served, minlength=rows.size)})
        if self.points is not None:
            for column in range(self.points.shape[1]):
                medoids[f"feature_{column + 1}"] = self.points[medoid_customers, column]
        counts = "/".join(str(c) for c in medoids["customers"].tolist())
        facts = {"k": self.k, "medoids": ids[medoid_customers].tolist(), "segment_sizes": medoids["customers"].tolist(),
                 "cost": float(served.sum())}
        lines = (f"medoids    {shortened(ids[medoid_customers].tolist())} (customers {counts})",)
        return Decision({"customers": customers, "medoids": medoids}, facts, lines)

    def details(self, sample: Mapping[Any, float]) -> dict[str, Any]:
        """Return medoid count, the medoids (customer indices, ``medoid_ids``), K, candidates,
        silhouette (sampled above ``SILHOUETTE_SAMPLE`` customers, the sample size recorded),
        adjusted Rand index (when a reference labelling exists) and the number of duplicate
        points among candidates."""
        rows = np.flatnonzero(self.chosen(sample))
        found: dict[str, Any] = {"medoids": int(rows.size), "medoid_ids": self.candidates[rows].tolist(), "k": self.k,
                                 "candidates": self.num_candidates, "duplicate_points": self.duplicate_points}
        if rows.size:
            clusters = nearest_medoids(self.distances, rows)
            found.update(self.cluster_quality(clusters))
        return found

    def cluster_quality(self, clusters: np.ndarray) -> dict[str, float | int | None]:
        """Return the silhouette (None with one cluster or one customer per cluster; from the
        distance matrix when square, else from the points, sampled above ``SILHOUETTE_SAMPLE``),
        its sample size (None: every customer) and the adjusted Rand index against the reference
        labels (None without them), from scikit-learn."""
        from sklearn.metrics import adjusted_rand_score, silhouette_score

        distinct = len(np.unique(clusters))
        silhouette: float | None = None
        sample: int | None = None
        if 2 <= distinct <= len(clusters) - 1:
            if self.every_customer:
                silhouette = float(silhouette_score(self.distances, clusters, metric="precomputed"))
            elif self.points is not None:
                sample = SILHOUETTE_SAMPLE if self.size > SILHOUETTE_SAMPLE else None
                silhouette = float(silhouette_score(self.points, clusters, sample_size=sample,
                                                    random_state=self.seed or 0))
        ari = float(adjusted_rand_score(self.reference_labels, clusters)) if self.reference_labels is not None else None
        return {"silhouette": silhouette, "silhouette_sample": sample, "ari": ari}

    def baselines(self) -> dict[str, Callable[[], dict[Any, int]]]:
        """Return the classical methods as samples over y, all heuristics (none is exact: each
        stops at a local optimum): FasterPAM when every customer is a candidate, otherwise PAM
        swaps over the candidates (``pam``); and k-means when the customers are points."""
        return sample_methods(self.native_baselines(), self._sample_of)

    def native_baselines(self) -> dict[str, Callable[[], Any]]:
        """Return the classical methods of ``baselines``, each returning its medoids as candidate
        rows (an int array), scored by ``native_reads``."""
        methods: dict[str, Callable[[], Any]] = (
            {"fasterpam": self._fasterpam} if self.every_customer else {"pam": self._pam}
        )
        if self.points is not None:
            methods["kmeans"] = self._kmeans
        return methods

    def native_reads(self, answer: Any) -> ReadEvaluations:
        """Return the one-read ReadEvaluations of medoid candidate rows (energy 0)."""
        chosen = np.zeros((1, self.num_candidates), dtype=bool)
        chosen[0, np.asarray(answer, dtype=np.int64)] = True
        return self.reads_of(chosen, np.zeros(1), np.ones(1, dtype=np.int64))

    def _classical(self) -> dict[str, int]:
        return self._sample_of(self._fasterpam() if self.every_customer else self._pam())

    def _sample_of(self, rows: np.ndarray) -> dict[str, int]:
        chosen = np.zeros(self.num_candidates, dtype=int)
        chosen[np.asarray(rows, dtype=int)] = 1
        return dict(zip(self.medoid_labels, chosen.tolist()))

    def _fasterpam(self) -> np.ndarray:
        import kmedoids

        result = kmedoids.fasterpam(self.distances, self.k, random_state=self.seed or 0, n_cpu=1)
        return np.asarray(result.medoids, dtype=np.int64)

    def _pam(self) -> np.ndarray:
        """PAM's swap phase on the true cost over all customers, from the K candidates that
        represent the most customers."""
        start = np.zeros(self.num_candidates, dtype=bool)
        start[np.argsort(-self.weights, kind="stable")[: self.k]] = True
        return np.flatnonzero(polish(self.distances, start, self.k))

    def _kmeans(self) -> np.ndarray:
        """Lloyd's k-means from K random points (``default_rng(0)``, as the seed notebook), each
        centre then replaced by its nearest candidate not already taken."""
        from sklearn.cluster import KMeans

        assert self.points is not None
        start = self.points[np.random.default_rng(0).choice(self.size, self.k, replace=False)]
        centres = KMeans(self.k, init=start, n_init=1, algorithm="lloyd", random_state=0).fit(self.points).cluster_centers_
        candidate_points = self.points[self.candidates]
        to_centre = np.linalg.norm(candidate_points[None, :, :] - centres[:, None, :], axis=2)
        rows: list[int] = []
        for row in to_centre:
            row = row.copy()
            row[rows] = np.inf
            rows.append(int(np.argmin(row)))
        return np.array(rows, dtype=np.int64)


def check_distances(distances: Any) -> np.ndarray:
    """Return ``distances`` as a float matrix after checking it is square, finite, non-negative,
    symmetric and zero on the diagonal; BadInputError names the first offending entry."""
    matrix = np.asarray(distances, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise BadInputError("distances", f"shape {matrix.shape}", "must be a square matrix")
    if matrix.shape[0] < 1:
        raise BadInputError("distances", "shape (0, 0)", "needs at least one customer")
    _check_entries(matrix)
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


def check_candidate_distances(distances: Any, candidates: Any) -> tuple[np.ndarray, np.ndarray]:
    """Return (distances as an M × N float matrix, candidates as M distinct customer indices)
    after checking the entries are finite and non-negative and each candidate is at distance 0
    from itself; BadInputError names the first offending entry."""
    matrix = np.asarray(distances, dtype=float)
    rows = np.asarray(candidates)
    if matrix.ndim != 2 or matrix.shape[0] < 1 or matrix.shape[1] < matrix.shape[0]:
        raise BadInputError("distances", f"shape {matrix.shape}", "must be M candidates × N >= M customers")
    if rows.ndim != 1 or len(rows) != matrix.shape[0] or not np.issubdtype(rows.dtype, np.integer):
        raise BadInputError("candidates", f"shape {rows.shape}", f"must be {matrix.shape[0]} customer indices")
    if rows.min() < 0 or rows.max() >= matrix.shape[1] or len(np.unique(rows)) != len(rows):
        raise BadInputError("candidates", rows.tolist()[:10], f"must be distinct indices in 0..{matrix.shape[1] - 1}")
    _check_entries(matrix)
    own = matrix[np.arange(len(rows)), rows]
    nonzero = np.flatnonzero(own != 0)
    if nonzero.size:
        r = nonzero[0]
        raise BadInputError(f"distances[{r}][{rows[r]}]", float(own[r]), "a candidate's distance to itself must be 0")
    return matrix, rows.astype(np.intp)


def _check_entries(matrix: np.ndarray) -> None:
    for mask, problem in ((~np.isfinite(matrix), "must be finite"), (matrix < 0, "must be >= 0")):
        bad = np.argwhere(mask)
        if bad.size:
            i, j = bad[0]
            raise BadInputError(f"distances[{i}][{j}]", float(matrix[i, j]), problem)


def euclidean_distances(points: np.ndarray) -> np.ndarray:
    """Return the Euclidean distance matrix of ``points`` (rows), exactly symmetric."""
    from scipy.spatial.distance import pdist, squareform

    return np.asarray(squareform(pdist(points)), dtype=float)
