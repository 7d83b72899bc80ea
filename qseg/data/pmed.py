"""OR-Library p-median instances (``pmed1.txt`` .. ``pmed40.txt``, Beasley).

Format: a first line ``n_vertices n_edges p``, then one ``i j cost`` line per undirected edge
(1-based vertices). Distances are all-pairs shortest paths over the graph. Some files list an
edge twice with different costs: OR-Library's convention, which reproduces the published optima,
is that the **last** occurrence sets the cost (reading the minimum instead gives pmed1 an optimum
of 5718, not 5819). Published optima come from ``OPTIMA.csv`` beside the files.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qseg.errors import BadInputError


@dataclass(frozen=True)
class PMedianInstance:
    """A p-median instance: shortest-path distances, p, and its published optimum (or None)."""

    name: str
    distances: np.ndarray
    p: int
    optimum: float | None


def load_pmed(path: Path) -> PMedianInstance:
    """Return the instance in an OR-Library ``pmed`` file; BadInputError names the file and line
    when it cannot be read, and the vertex when the graph is disconnected."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import shortest_path

    try:
        rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
        n, m, p = (int(v) for v in rows[0][:3])
        edges = np.array([[float(v) for v in row[:3]] for row in rows[1 : 1 + m]]).reshape(-1, 3)
    except OSError as exc:
        raise BadInputError("data", str(path), f"unreadable: {exc.strerror}") from None
    except (ValueError, IndexError):
        raise BadInputError("data", str(path), "not a pmed file: expected 'n m p' then 'i j cost' lines") from None
    if not 1 <= p <= n:
        raise BadInputError("data", str(path), f"p={p} outside 1..{n}")
    if edges.shape != (m, 3):
        raise BadInputError("data", str(path), f"header promises {m} edges, file has {len(edges)}")
    i, j = edges[:, 0].astype(int) - 1, edges[:, 1].astype(int) - 1
    if i.min(initial=0) < 0 or max(i.max(initial=0), j.max(initial=0)) >= n:
        raise BadInputError("data", str(path), f"edge vertex outside 1..{n}")
    if np.any(edges[:, 2] < 0):
        raise BadInputError("data", str(path), "negative edge cost")
    # Keep the last occurrence of each undirected edge (OR-Library convention, see module doc).
    low, high = np.minimum(i, j), np.maximum(i, j)
    edge_id = low * n + high
    _, last_from_end = np.unique(edge_id[::-1], return_index=True)
    keep = len(edge_id) - 1 - last_from_end
    graph = coo_matrix((edges[keep, 2], (low[keep], high[keep])), shape=(n, n)).tocsr()
    distances = shortest_path(graph, directed=False)
    unreachable = np.argwhere(~np.isfinite(distances))
    if unreachable.size:
        raise BadInputError("data", str(path), f"graph is disconnected (vertex {unreachable[0][1] + 1} unreachable)")
    return PMedianInstance(path.stem, distances, p, _published_optimum(path))


def _published_optimum(path: Path) -> float | None:
    table = path.parent / "OPTIMA.csv"
    if not table.is_file():
        return None
    with table.open(newline="") as stream:
        for row in csv.DictReader(stream):
            if row.get("instance") == path.stem:
                return float(row["optimum"])
    return None
