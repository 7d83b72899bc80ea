"""Segmentation on seed-000: the notebook's k-means segments, and k-medoids by the exact p-median,
FasterPAM, k-means medoids, both N-variable QUBOs (raw and polished) and, on a prefix, the
notebook's own N² + N-variable assignment QUBO."""

from __future__ import annotations

import numpy as np

from qseg.errors import SolverError
from qseg.problems import build_problem
from qseg.problems.kmedoids.problem import KMedoidsProblem
from qseg.problems.kmedoids.search import nearest_medoids
from qseg.record import Record, Status
from qseg.solving.solve import solve, solve_baseline
from qseg.workflows.demo.results import DemoSettings, KMedoidsRun, MedoidRow
from qseg.workflows.demo.rows import SA, gap_to, note, raw_fraction, raw_objective, sa_params, seconds, shown_read

NOTEBOOK_KMEANS_SEED = 7  # the notebook's `kmeans(..., rng=np.random.default_rng(7))`
N_VARIABLE_QUBOS = ("selection", "bauckhage")


def notebook_kmeans(points: np.ndarray, k: int, *, seed: int = NOTEBOOK_KMEANS_SEED) -> np.ndarray:
    """Return the notebook's k-means segments of ``points``: Lloyd's iterations (at most 100)
    from K distinct customers drawn with ``default_rng(seed)``, one label per customer."""
    from sklearn.cluster import KMeans

    start = points[np.random.default_rng(seed).choice(len(points), size=k, replace=False)]
    fitted = KMeans(k, init=start, n_init=1, max_iter=100, algorithm="lloyd", random_state=seed).fit(points)
    labels: np.ndarray = fitted.labels_.astype(np.intp)
    return labels


def run_kmedoids(settings: DemoSettings) -> KMedoidsRun:
    """Return the KMedoidsRun on seed-000 (K = 4) and on its first ``settings.assignment_prefix``
    customers. Raises SolverError when an exact backend finds no optimum."""
    problem = _kmedoids(None)
    exact, optimum, exact_medoids = _exact(problem, settings)
    rows = [_row(problem, exact, exact_medoids, optimum, key="exact", method=f"exact p-median ({settings.pmedian_exact})",
                 kind="exact")]
    for name, key, method in (("fasterpam", "fasterpam", "FasterPAM"), ("kmeans", "kmeans", "k-means medoids")):
        record = solve_baseline(problem, name)
        rows.append(_row(problem, record, _medoids(record), optimum, key=key, method=method, kind="baseline"))
    for formulation in N_VARIABLE_QUBOS:
        record, reads = solve(problem, SA, formulation=formulation, polish=True,
                              params=sa_params(settings.num_reads, settings.num_sweeps), keep_sampleset=True)
        raw_read = shown_read(problem, reads)
        raw_medoids = _chosen(problem, raw_read) if raw_read is not None else ()
        rows.append(_row(problem, record, raw_medoids, optimum, key=f"sa/{formulation}", method=f"sa / {formulation}",
                         kind="qubo", objective=raw_objective(record), fraction=raw_fraction(record), raw=True))
        rows.append(_row(problem, record, _medoids(record), optimum, key=f"sa/{formulation}+polish",
                         method=f"sa / {formulation} + polish", kind="qubo", fraction=record.feasible_fraction))

    prefix = _kmedoids(settings.assignment_prefix)
    prefix_exact, prefix_optimum, prefix_medoids = _exact(prefix, settings)
    prefix_rows = [_row(prefix, prefix_exact, prefix_medoids, prefix_optimum, key="exact",
                        method=f"exact p-median ({settings.pmedian_exact})", kind="exact")]
    record, reads = solve(prefix, SA, formulation="assignment",
                          params=sa_params(settings.assignment_reads, settings.num_sweeps), keep_sampleset=True)
    read = shown_read(prefix, reads)
    prefix_rows.append(_row(prefix, record, _chosen(prefix, read) if read is not None else (), prefix_optimum,
                            key="sa/assignment", method="sa / assignment", kind="qubo", fraction=record.feasible_fraction,
                            extra="the notebook's QUBO"))
    full_variables = problem.qubo_variables("assignment") or 0
    return KMedoidsRun(k=problem.k, optimum=optimum, rows=tuple(rows), clusters=_clusters(problem, exact_medoids),
                       prefix=prefix.size, prefix_optimum=prefix_optimum, prefix_rows=tuple(prefix_rows),
                       prefix_clusters=_clusters(prefix, prefix_medoids), full_assignment_variables=full_variables)


def _clusters(problem: KMedoidsProblem, medoids: tuple[int, ...]) -> np.ndarray:
    """Return each customer's index into ``medoids`` (its nearest; every customer a candidate)."""
    clusters: np.ndarray = nearest_medoids(problem.distances, np.asarray(medoids, dtype=np.intp))
    return clusters


def _kmedoids(size: int | None) -> KMedoidsProblem:
    problem = build_problem("kmedoids", size=size, seed=0, data="seed-000", params={})
    assert isinstance(problem, KMedoidsProblem)
    return problem


def _exact(problem: KMedoidsProblem, settings: DemoSettings) -> tuple[Record, float, tuple[int, ...]]:
    record = solve(problem, settings.pmedian_exact)
    if record.status != Status.OK or record.objective is None:
        raise SolverError(f"{settings.pmedian_exact} found no p-median optimum for {problem.instance}: {note(record)}")
    return record, float(record.objective), _medoids(record)


def _medoids(record: Record) -> tuple[int, ...]:
    return tuple(sorted(int(i) for i in record.details.get("medoid_ids", ())))


def _chosen(problem: KMedoidsProblem, read: dict[object, float]) -> tuple[int, ...]:
    return tuple(sorted(problem.candidates[problem.chosen(read)].tolist()))


def _row(problem: KMedoidsProblem, record: Record, medoids: tuple[int, ...], optimum: float, *, key: str, method: str,
         kind: str, objective: float | None = None, fraction: float | None = None, raw: bool = False,
         extra: str = "") -> MedoidRow:
    found = record.objective if objective is None and not raw else objective
    cost = float(problem.distances[list(medoids)].min(axis=0).sum()) if medoids else None
    failed = note(record) if record.status not in (Status.OK, Status.INFEASIBLE) else ""
    notes = "; ".join(part for part in (extra, failed or ("no feasible read" if found is None else "")) if part)
    return MedoidRow(
        key=key, method=method, kind=kind, status=str(record.status) if found is not None else str(Status.INFEASIBLE),
        customers=problem.size, variables=None if kind == "baseline" else record.num_variables, objective=found,
        gap=gap_to(problem, found, optimum),
        feasible=found is not None, feasible_fraction=fraction, seconds=seconds(record, without_polish=raw), note=notes,
        medoids=medoids, cost=cost,
    )
