"""Loaders for 0-1 knapsack instances with published optima (``qseg/data/instance_files/knapsack``).

Two formats: Pisinger's CSV archives (blocks split by ``-----``: name, ``n``, ``c``, ``z`` (the
optimum), ``time``, then ``i,p,w,x`` rows), and the ``instances_01_KP`` files (``n c`` then
``p w`` rows, an optional optimal 0/1 line; the optimum in ``<folder>-optimum/<name>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from qseg.errors import BadInputError
from qseg.files import bad_line, read_text


@dataclass(frozen=True)
class KnapsackInstance:
    """One published instance: profits, weights, capacity and its optimum (None if unknown)."""

    name: str
    profit: np.ndarray
    weight: np.ndarray
    capacity: float
    optimum: float | None


def _read(path: Path) -> str:
    return read_text("data", path)


def load_pisinger_csv(path: Path) -> dict[str, KnapsackInstance]:
    """Return every instance of a Pisinger CSV archive, by name, in file order."""
    return _parse_pisinger_csv(_read(path), path)


def load_knapsack_file(path: Path, selector: str | None = None) -> KnapsackInstance:
    """Return the instance in ``path`` (a multi-instance CSV needs ``selector``, its name)."""
    if path.suffix == ".csv":
        instances = load_pisinger_csv(path)
        if selector is None:
            raise BadInputError(
                "data", str(path), f"holds {len(instances)} instances; name one as FILE#NAME, "
                f"e.g. {path.name}#{next(iter(instances))}"
            )
        if selector not in instances:
            raise BadInputError("data", f"{path.name}#{selector}", "no instance of that name in the file")
        return instances[selector]
    if selector is not None:
        raise BadInputError("data", f"{path.name}#{selector}", "this file holds one instance; drop '#NAME'")
    return _parse_kp01(_read(path), path)


def _parse_pisinger_csv(text: str, path: Path) -> dict[str, KnapsackInstance]:
    instances: dict[str, KnapsackInstance] = {}
    first_line = 1
    for block in text.split("-----"):
        numbered = [(first_line + k, line.strip()) for k, line in enumerate(block.split("\n")) if line.strip()]
        first_line += block.count("\n")
        if not numbered:
            continue
        name = numbered[0][1]
        where = f"{path}#{name}"
        header: dict[str, tuple[int, str]] = {}
        for number, line in numbered[1:5]:
            key, _, value = line.partition(" ")
            header[key] = (number, value.strip())
        for key in ("n", "c", "z"):
            if key not in header:
                raise BadInputError("data", where, f"not a Pisinger CSV block: no '{key}' line after the name")
        n = _count(where, *header["n"])
        capacity = _finite(where, "c", *header["c"])
        optimum = _finite(where, "z", *header["z"])
        rows = numbered[5 : 5 + n]
        if len(rows) != n:
            raise bad_line("data", where, header["n"][0], "n", header["n"][1], f"the block has {len(rows)} rows of i,p,w,x")
        values = _rows(where, rows)
        instances[name] = KnapsackInstance(name, values[:, 1], values[:, 2], capacity, optimum)
    if not instances:
        raise BadInputError("data", str(path), "no instances found")
    return instances


def _count(where: str, line: int, text: str) -> int:
    """Return a file's item count ``n`` as an int >= 1; BadInputError naming it otherwise (a
    negative count is the file's error, not an instance of size 0)."""
    try:
        n = int(text)
    except ValueError:
        raise bad_line("data", where, line, "n", text, "must be a whole number >= 1") from None
    if n < 1:
        raise bad_line("data", where, line, "n", text, "must be a whole number >= 1")
    return n


def _finite(where: str, key: str, line: int, text: str) -> float:
    """Return a file's number ``key`` as a finite float; BadInputError naming it otherwise."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise bad_line("data", where, line, key, text, "must be a finite number")
    return value


def _rows(where: str, rows: list[tuple[int, str]]) -> np.ndarray:
    """Return the ``i,p,w,x`` rows as an (n, 4) float array; BadInputError naming the first row
    that is not four finite numbers."""
    fields = [line.split(",") for _, line in rows]
    short = next((k for k, parts in enumerate(fields) if len(parts) != 4), None)
    if short is not None:
        raise bad_line("data", where, rows[short][0], "row", rows[short][1], "expected i,p,w,x")
    values: np.ndarray = pd.DataFrame(fields).apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        row = int(bad[0][0])
        raise bad_line("data", where, rows[row][0], "row", rows[row][1], "expected i,p,w,x as finite numbers")
    return values


def _parse_kp01(text: str, path: Path) -> KnapsackInstance:
    tokens = text.split()
    if len(tokens) < 2:
        raise BadInputError("data", str(path), "not an 'n c / p w' knapsack file (no 'n c' line)")
    n = _count(str(path), 1, tokens[0])
    capacity = _finite(str(path), "c", 1, tokens[1])
    pairs = tokens[2 : 2 + 2 * n]
    if len(pairs) != 2 * n:
        raise bad_line("data", path, 1, "n", tokens[0], f"the file has {len(pairs) // 2} 'p w' rows")
    values = pd.to_numeric(pd.Series(pairs, dtype=object), errors="coerce").to_numpy(dtype=float).reshape(n, 2)
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        row, column = (int(v) for v in bad[0])
        raise bad_line("data", path, None, f"{'pw'[column]}[{row}]", pairs[2 * row + column], "must be a finite number")
    optimum_file = path.parent.with_name(path.parent.name + "-optimum") / path.name
    optimum = _side_optimum(optimum_file) if optimum_file.is_file() else None
    return KnapsackInstance(path.name, values[:, 0], values[:, 1], capacity, optimum)


def _side_optimum(path: Path) -> float:
    """Return the optimum in an ``instances_01_KP`` side file (its first token); BadInputError
    naming the file and the text when it is not a finite number."""
    tokens = read_text("optimum file", path).split()
    text = tokens[0] if tokens else ""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        raise bad_line("optimum file", path, 1, "optimum", text, "must be a finite number")
    return value
