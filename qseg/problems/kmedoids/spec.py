"""k-medoids instances from the API/CLI fields (``data=``, ``size``, ``seed``, ``--set``).

Points sources (generated blobs, ``seed-000``, a points CSV, RFM features of transactions) take
the ``candidates`` parameter: ``all`` (every customer a candidate, an N × N matrix) or a number M
of coreset candidates (an M × N matrix; ``kmedoids.candidates``). The default is
``candidates.default_candidates``.
Distance sources (an OR-Library ``pmed*.txt`` file, ``metric=precomputed``) are always square.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from qseg.data.sources import Sources
from qseg.errors import BadInputError
from qseg.problems.base import check_parameters, refuse_if_too_large, whole_number
from qseg.problems.kmedoids.candidates import candidate_distances, coreset_candidates, default_candidates
from qseg.problems.kmedoids.problem import KMedoidsProblem, euclidean_distances

DEFAULT_K = 4
DISTANCE_BYTES = 16  # per candidate-customer pair: the float64 matrix and one working copy
GENERATOR_DEFAULT_SIZE = 250
RFM_GENERATOR_DEFAULT_SIZE = 1_000
RFM_PREFIX = "rfm:"
RFM_GENERATED = "generated"
SOURCES = Sources(named=("seed-000",))


def kmedoids_from_spec(*, size: int | None, seed: int, data: Any, params: Mapping[str, Any]) -> KMedoidsProblem:
    """Return a k-medoids instance from the API/CLI fields.

    ``data=None`` generates ``size`` customers (default 250) with the seed recipe and ``seed``
    (blobs around four centres, the true segments as reference labels); ``seed-000`` is the
    notebook's 250 customers (or the first ``size``); ``rfm:PATH.csv`` is the scaled RFM features
    of the customers in an invoice file (``columns=role:Column,...`` maps another layout) and
    ``rfm:generated`` those of ``size`` generated customers (default 1,000; their behaviour
    archetypes as reference labels); a ``pmed*.txt`` file is an OR-Library instance with its own
    p and published optimum; any other ``.csv`` is points (or a distance matrix with
    ``metric=precomputed``). A numpy array or a DataFrame is the points themselves, one row per
    customer (a DataFrame's index, unless the default 0..N-1, gives the ids; ``size`` not taken).
    """
    check_parameters("kmedoids", params, KMedoidsProblem.parameters)
    if data is not None and not isinstance(data, str):
        return _from_array(data, size, seed, params)
    metric = params.get("metric", "euclidean")
    if metric not in ("euclidean", "precomputed"):
        raise BadInputError("metric", metric, "expected euclidean or precomputed")
    k = whole_number("k", params.get("k", DEFAULT_K))
    is_rfm = data is not None and data.startswith(RFM_PREFIX)
    if "columns" in params and not is_rfm:
        raise BadInputError("columns", params["columns"], "maps transaction columns: only with --data rfm:FILE")
    if is_rfm:
        assert data is not None
        return _from_transactions(data[len(RFM_PREFIX):], size, seed, k, params)
    if SOURCES.is_file(data):
        path, _ = SOURCES.locate(data, size)
        return _from_file(path, k, metric, seed, params)
    from qseg.data.synthetic import synthetic_customers

    dataset = SOURCES.dataset(data)
    if dataset is None:
        n = GENERATOR_DEFAULT_SIZE if size is None else size
        customers, instance, instance_seed = synthetic_customers(n, seed), f"blobs-n{n}-s{seed}", seed
    else:
        customers, instance, instance_seed = dataset.load(size), dataset.name, dataset.seed
    points = customers[["f1", "f2", "f3"]].to_numpy()
    return from_points(points, k, params, instance=instance, seed=instance_seed,
                       reference_labels=customers["segment"].to_numpy())


def from_points(
    points: np.ndarray, k: int, params: Mapping[str, Any], *, instance: str, seed: int,
    reference_labels: np.ndarray | None = None, ids: np.ndarray | None = None,
) -> KMedoidsProblem:
    """Return the Euclidean p-median of ``points`` with every customer a candidate, or with the
    ``candidates`` parameter's number of coreset candidates (seeded by ``seed``); ``ids`` are the
    customers' ids from the data (None: row positions)."""
    m = candidate_count(params.get("candidates"), len(points))
    if m == len(points):
        problem = KMedoidsProblem(euclidean_distances(points), k, points=points, reference_labels=reference_labels,
                                  instance=instance, seed=seed)
    else:
        rows = coreset_candidates(points, m, seed)
        problem = KMedoidsProblem(candidate_distances(points, points[rows]), k, candidates=rows, points=points,
                                  reference_labels=reference_labels, instance=f"{instance}-m{m}", seed=seed)
    problem.ids = ids
    return problem


def candidate_count(value: Any, customers: int) -> int:
    """Return the number of candidates ``value`` asks for (``all``, a whole number in
    1..customers, or None for the default)."""
    if value is None:
        return default_candidates(customers)
    if value == "all":
        m = customers
    else:
        m = whole_number("candidates", value)
        if not 1 <= m <= customers:
            raise BadInputError("candidates", value, f"must be 'all' or a whole number in 1..{customers} (the customers)")
    # The M × N float64 distances and one working copy, refused before numpy is asked for them.
    refuse_if_too_large("candidates", value, DISTANCE_BYTES * m * customers,
                        f"{m:,} candidates × {customers:,} customers of distances")
    return m


def _from_array(data: Any, size: int | None, seed: int, params: Mapping[str, Any]) -> KMedoidsProblem:
    """Return the Euclidean p-median of points given in memory (an N × F array or DataFrame)."""
    from qseg.data.arrays import points_of

    if "columns" in params:
        raise BadInputError("columns", params["columns"], "maps transaction columns: only with --data rfm:FILE")
    if params.get("metric", "euclidean") != "euclidean":
        raise BadInputError("metric", params["metric"], "points given in memory are Euclidean (precomputed: a CSV file)")
    if size is not None:
        raise BadInputError("size", size, "points given in memory fix their own size")
    points, ids = points_of(data)
    k = whole_number("k", params.get("k", DEFAULT_K))
    if not 1 <= k <= len(points):
        raise BadInputError("k", k, f"must be a whole number in 1..{len(points)} (the customers)")
    return from_points(points, k, params, instance=f"points-n{len(points)}-f{points.shape[1]}", seed=seed, ids=ids)


def _from_transactions(source: str, size: int | None, seed: int, k: int, params: Mapping[str, Any]) -> KMedoidsProblem:
    """Return the p-median of the scaled RFM features of the customers in an invoice file, or of
    generated customers (``rfm:generated``)."""
    from qseg.data.rfm import generated_rfm, load_rfm, parse_column_mapping

    if source == RFM_GENERATED:
        if "columns" in params:
            raise BadInputError("columns", params["columns"], "generated transactions have the Online Retail layout")
        n = RFM_GENERATOR_DEFAULT_SIZE if size is None else size
        data = generated_rfm(n, seed)
        instance = f"rfm-n{n}-s{seed}"
    else:
        if not source:
            raise BadInputError("data", RFM_PREFIX, "name a transactions CSV after rfm: (or rfm:generated)")
        if size is not None:
            raise BadInputError("size", size, "a transactions file fixes its own customers")
        columns = parse_column_mapping(str(params["columns"])) if "columns" in params else None
        data = load_rfm(Path(source).expanduser(), columns=columns)
        instance = f"rfm-{Path(source).stem}"
    customers = len(data.scaled)
    if k > customers:
        raise BadInputError("k", k, f"must be at most the {customers:,} customers left after cleaning")
    return from_points(data.scaled, k, params, instance=instance, seed=seed, reference_labels=data.truth,
                       ids=data.features.index.to_numpy())


def _from_file(path: Path, k: int, metric: str, seed: int, params: Mapping[str, Any]) -> KMedoidsProblem:
    """Return the instance in an OR-Library ``pmed*.txt`` file (its own p) or a points CSV (a
    distance matrix with ``metric=precomputed``)."""
    if path.suffix == ".txt":
        from qseg.data.pmed import load_pmed

        for key in ("k", "candidates"):
            if key in params:
                raise BadInputError(key, params[key], f"{path.name} carries its own p and distances")
        pmed = load_pmed(path)
        return KMedoidsProblem(pmed.distances, pmed.p, instance=pmed.name, best_known=pmed.optimum)
    from qseg.data.points_csv import load_points_csv

    table = load_points_csv(path, precomputed=metric == "precomputed")
    if table.points is not None:
        return from_points(table.points, k, params, instance=table.name, seed=seed, reference_labels=table.labels,
                           ids=table.ids)
    if "candidates" in params:
        raise BadInputError("candidates", params["candidates"], "needs points (metric=euclidean), not a distance matrix")
    assert table.distances is not None  # load_points_csv gives points or, precomputed, distances
    return KMedoidsProblem(table.distances, k, instance=table.name)
