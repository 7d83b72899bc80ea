"""The decision a solve reaches, as tables a user acts on (``qseg solve --out``).

Every problem turns its best sample into a ``Decision``: named tables (the first one per
customer or per bin, the others small), the facts a JSON reader needs without the tables
(counts, spend, medoids, cut points) and the few summary lines the CLI prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Decision:
    """A decision: ``tables`` by file stem (``customers``, ``medoids``, ``bins``, ``plan``),
    ``facts`` (JSON values) and ``lines`` (short ``name  value`` lines for the text summary)."""

    tables: dict[str, pd.DataFrame]
    facts: dict[str, Any]
    lines: tuple[str, ...]


def default_ids(size: int) -> np.ndarray:
    """Return the ids of customers whose data carries none: their row positions 0..size-1,
    stable for a given generator size and seed (and for a file, its data rows in order)."""
    return np.arange(size, dtype=np.int64)


def shortened(values: list[Any], limit: int = 10) -> str:
    """Return ``values`` comma-separated, the middle left out (``... (N more)``) past ``limit``."""
    shown = [str(v) for v in values]
    if len(shown) <= limit:
        return ", ".join(shown)
    return ", ".join(shown[: limit - 2]) + f", ... ({len(shown) - limit + 1} more), " + shown[-1]
