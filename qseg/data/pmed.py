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
import pandas as pd

from qseg.environment import available_memory
from qseg.errors import BadInputError
from qseg.files import bad_line, read_text

DISTANCE_BYTES = 16  # per pair: the float64 shortest-path matrix and scipy's working copy


@dataclass(frozen=True)
class PMedianInstance:
    """A p-median instance: shortest-path distances, p, and its published optimum (or None)."""

    name: str
    distances: np.ndarray
    p: int
    optimum: float | None


def load_pmed(path: Path) -> PMedianInstance:
    """Return the instance in an OR-Library ``pmed`` file; BadInputError names the file, the
    line and the value that cannot be used (a vertex outside 1..n, 0, negative or not a whole
    number; a cost that is negative or not a finite number), and the vertex when the graph is
    disconnected."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import shortest_path

    lines = [(number, line.split()) for number, line in enumerate(read_text("data", path).splitlines(), 1) if line.strip()]
    if not lines:
        raise BadInputError("data", str(path), "empty file: expected 'n m p' then 'i j cost' lines")
    header_line, header = lines[0]
    n, m, p = (_header_int(path, header_line, header, index, key) for index, key in enumerate(("n", "m", "p")))
    if n < 1:
        raise bad_line("data", path, header_line, "n", header[0], "must be a whole number >= 1")
    if m < 0:
        raise bad_line("data", path, header_line, "m", header[1], "must be a whole number >= 0")
    available = available_memory()
    if available is not None and DISTANCE_BYTES * n * n > available / 2:
        needed = DISTANCE_BYTES * n * n / 2**30
        raise bad_line("data", path, header_line, "n", header[0],
                       f"its distances need ~{needed:.1f} GiB, over half of the {available / 2**30:.1f} GiB available")
    if not 1 <= p <= n:
        raise bad_line("data", path, header_line, "p", header[2], f"outside 1..{n} (n={n})")
    rows = lines[1 : 1 + m]
    if len(rows) != m:
        raise bad_line("data", path, header_line, "m", header[1], f"the header promises {m} edges, the file has {len(rows)}")
    short = next(((number, tokens) for number, tokens in rows if len(tokens) < 3), None)
    if short is not None:
        raise bad_line("data", path, short[0], "edge", " ".join(short[1]), "expected 'i j cost'")
    numbers = [number for number, _ in rows]
    tokens = np.array([tokens[:3] for _, tokens in rows], dtype=object).reshape(-1, 3)
    edges = np.column_stack([_numbers(path, numbers, tokens[:, column], key) for column, key in enumerate(("i", "j", "cost"))])
    for column, key in enumerate(("i", "j")):
        vertex = edges[:, column]
        bad = np.flatnonzero((vertex != np.round(vertex)) | (vertex < 1) | (vertex > n))
        if bad.size:
            raise bad_line("data", path, numbers[bad[0]], key, tokens[bad[0], column],
                           f"a vertex must be a whole number in 1..{n}")
    negative = np.flatnonzero(edges[:, 2] < 0)
    if negative.size:
        raise bad_line("data", path, numbers[negative[0]], "cost", tokens[negative[0], 2], "must be >= 0")
    i, j = edges[:, 0].astype(int) - 1, edges[:, 1].astype(int) - 1
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


def _header_int(path: Path, line: int, header: list[str], index: int, key: str) -> int:
    """Return the header's ``key`` (its ``index``-th token) as an int; BadInputError otherwise."""
    if index >= len(header):
        raise bad_line("data", path, line, "header", " ".join(header), "expected 'n m p'")
    try:
        return int(header[index])
    except ValueError:
        raise bad_line("data", path, line, key, header[index], "must be a whole number") from None


def _numbers(path: Path, lines: list[int], tokens: np.ndarray, key: str) -> np.ndarray:
    """Return a column of edge tokens as finite floats; BadInputError names the first other one."""
    values: np.ndarray = pd.to_numeric(pd.Series(tokens, dtype=object), errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise bad_line("data", path, lines[bad[0]], key, tokens[bad[0]], "must be a finite number")
    return values


def _published_optimum(path: Path) -> float | None:
    """Return the optimum ``OPTIMA.csv`` beside ``path`` gives its instance, None when there is
    no table or no row; BadInputError naming the table, line and value when it is unusable."""
    table = path.parent / "OPTIMA.csv"
    if not table.is_file():
        return None
    rows = csv.DictReader(read_text("optimum file", table).splitlines())
    if rows.fieldnames is None or not {"instance", "optimum"} <= set(rows.fieldnames):
        raise BadInputError("optimum file", str(table), "expected the columns instance,optimum")
    for row in rows:
        if row.get("instance") == path.stem:
            return finite_optimum(table, rows.line_num, row.get("optimum"))
    return None


def finite_optimum(table: Path, line: int, text: str | None) -> float:
    """Return an optimum read from a side file as a finite float; BadInputError naming the file,
    line and text otherwise."""
    try:
        value = float(text or "")
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise bad_line("optimum file", table, line, "optimum", text, "must be a finite number")
    return value
