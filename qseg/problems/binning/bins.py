"""Bins as an analyst keeps them: a per-bin table, JSON on disk, and assignment of new customers.

A bin set is a dict ``{"edges": [e_0 = 0, e_1, ..., e_B = 1], ...}``: bin b holds propensities in
``[e_b, e_{b+1})``, the last bin ``[e_{B-1}, 1]``, so every propensity in [0, 1] has exactly one
bin (ties never split: an edge is a propensity value, and equal values fall on the same side).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from qseg.errors import BadInputError
from qseg.files import read_json, replacing

BINS_MAX_BYTES = 16 << 20  # a bin set is a few KB; its table one row per bin


def bin_table(edges: np.ndarray, customers: np.ndarray, conversions: np.ndarray, revenue: np.ndarray,
              cost: np.ndarray) -> list[dict[str, Any]]:
    """Return one row per bin: band, edges, customers, conversions, conversion rate, revenue
    (R(b) x conversions), cost (C(b) x customers), net (revenue - cost) and net per customer."""
    rows = []
    last = len(customers) - 1
    for b in range(len(customers)):
        size, conv = float(customers[b]), float(conversions[b])
        earned, spent = float(revenue[b] * conv), float(cost[b] * size)
        close = "]" if b == last else ")"
        rows.append({
            "bin": b, "band": f"[{edges[b]:.4g}, {edges[b + 1]:.4g}{close}", "lower": float(edges[b]),
            "upper": float(edges[b + 1]), "customers": int(size), "conversions": int(conv),
            "conversion_rate": conv / size if size else None, "revenue": earned, "cost": spent,
            "net": earned - spent, "net_per_customer": (earned - spent) / size if size else None,
        })
    return rows


def collapsed_bins(steps: np.ndarray, sizes: np.ndarray, min_size: int) -> str | None:
    """Return a one-line warning when bins collapse to what the rules allow rather than what the
    data says: bins one candidate-grid step wide (``steps[b] == 1``: the cut could not be finer)
    or holding exactly ``min_size`` customers; None when no bin does. ``steps`` are the bins' widths
    in grid steps, ``sizes`` their customers."""
    notes = []
    at_step = np.flatnonzero(steps == 1)
    at_minimum = np.flatnonzero(sizes == min_size)
    if at_step.size:
        counts = sorted({int(s) for s in sizes[at_step]})
        shown = ", ".join(f"{c:,}" for c in counts[:3]) + (", ..." if len(counts) > 3 else "")
        notes.append(f"{_listed(at_step)} one grid step wide ({shown} customers): the cut is the grid's, "
                     "raise candidates")
    if at_minimum.size:
        notes.append(f"{_listed(at_minimum)} at min_bin_size={min_size:,} customers")
    if not notes:
        return None
    return f"bins collapse: {'; '.join(notes)} (the objective pushes them to the limit, not the data)"


def _listed(bins: np.ndarray) -> str:
    """Return "bin 3" or "bins 1-8" (consecutive) or "bins 1, 4, 6"."""
    values = [int(b) for b in bins]
    if len(values) == 1:
        return f"bin {values[0]}"
    if values == list(range(values[0], values[-1] + 1)):
        return f"bins {values[0]}-{values[-1]}"
    return "bins " + ", ".join(map(str, values))


def check_edges(edges: Any) -> np.ndarray:
    """Return ``edges`` as floats after checking: a flat list (or 1-d array) of real numbers,
    not booleans, 0 first, 1 last, strictly increasing, finite; BadInputError naming ``edges``."""
    if isinstance(edges, np.ndarray):
        if edges.ndim != 1 or edges.dtype.kind not in "iuf":
            raise BadInputError("edges", _short(edges.tolist()), "expected a flat list of numbers")
    elif not isinstance(edges, list | tuple):
        raise BadInputError("edges", _short(edges), "expected a list of numbers")
    else:
        for index, edge in enumerate(edges):
            if isinstance(edge, bool) or not isinstance(edge, int | float | np.integer | np.floating):
                raise BadInputError(f"edges[{index}]", _short(edge), "expected a number (not text, a list, "
                                    "an object or a boolean)")
            if isinstance(edge, int) and abs(edge) > 2**63:
                raise BadInputError(f"edges[{index}]", _short(edge), "must be finite, start at 0 and end at 1")
    array = np.asarray(edges, dtype=float).ravel()
    if len(array) < 2 or not np.all(np.isfinite(array)) or array[0] != 0.0 or array[-1] != 1.0:
        raise BadInputError("edges", array.tolist(), "must be finite, start at 0 and end at 1")
    if np.any(np.diff(array) <= 0):
        raise BadInputError("edges", array.tolist(), "must be strictly increasing")
    return array


def save_bins(bins: dict[str, Any], path: str | Path) -> Path:
    """Write a bin set (``edges`` and any table or settings) as JSON; return the path."""
    check_edges(bins["edges"])
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(bins, indent=2)
    with replacing(out) as temporary:
        temporary.write_text(text)
    return out


def load_bins(path: str | Path) -> dict[str, Any]:
    """Return the bin set saved by ``save_bins`` (edges checked); one BadInputError naming the
    file, the field and the value for a file that is unreadable, too large, not JSON, too deep,
    holds a non-finite or out-of-range number, or whose edges are not a valid edge list."""
    bins = read_json("bins", path, max_bytes=BINS_MAX_BYTES)
    if not isinstance(bins, dict):
        raise BadInputError("bins", str(path), f"holds {type(bins).__name__}, expected a JSON object with edges")
    if "edges" not in bins:
        raise BadInputError("bins", str(path), "has no edges")
    try:
        check_edges(bins["edges"])
    except BadInputError as exc:
        raise BadInputError("bins", str(path), f"{exc.field}={_short(exc.value)}: {exc.reason}") from None
    return bins


def _short(value: Any) -> str:
    """Return ``value`` as one short line of text (a hostile file's value never floods a message)."""
    text = " ".join((value if isinstance(value, str) else repr(value)).split())
    return text if len(text) <= 80 else text[:77] + "..."


def assign(propensities: Any, bins: dict[str, Any] | Any) -> np.ndarray:
    """Return the bin index (0 = lowest propensities) of each propensity under ``bins`` (a bin
    set or its edges); BadInputError for a propensity outside [0, 1] or not a number."""
    edges = check_edges(bins["edges"] if isinstance(bins, dict) else bins)
    p = np.asarray(propensities, dtype=float).ravel()
    bad = np.flatnonzero(~np.isfinite(p) | (p < 0) | (p > 1))
    if bad.size:
        raise BadInputError(f"propensity[{bad[0]}]", float(p[bad[0]]), "must be a finite number in [0, 1]")
    return np.searchsorted(edges[1:-1], p, side="right").astype(np.int64)
