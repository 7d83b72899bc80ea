"""Loaders for 0-1 knapsack instances with published optima (``../shared/instances/knapsack``).

Two formats: Pisinger's CSV archives (blocks split by ``-----``: name, ``n``, ``c``, ``z`` (the
optimum), ``time``, then ``i,p,w,x`` rows), and the ``instances_01_KP`` files (``n c`` then
``p w`` rows, an optional optimal 0/1 line; the optimum in ``<folder>-optimum/<name>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qseg.errors import BadInputError


@dataclass(frozen=True)
class KnapsackInstance:
    """One published instance: profits, weights, capacity and its optimum (None if unknown)."""

    name: str
    profit: np.ndarray
    weight: np.ndarray
    capacity: float
    optimum: float | None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as exc:
        raise BadInputError("data", str(path), f"unreadable: {exc.strerror}") from None


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
    for block in text.split("-----"):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        try:
            name = lines[0]
            header = dict(line.split(None, 1) for line in lines[1:5])
            n, capacity, optimum = int(header["n"]), float(header["c"]), float(header["z"])
            rows = np.array([line.split(",") for line in lines[5 : 5 + n]], dtype=float)
            if rows.shape != (n, 4):
                raise ValueError(f"expected {n} rows of i,p,w,x")
        except (KeyError, ValueError, IndexError) as exc:
            raise BadInputError("data", str(path), f"not a Pisinger CSV block ({exc})") from None
        instances[name] = KnapsackInstance(name, rows[:, 1], rows[:, 2], capacity, optimum)
    if not instances:
        raise BadInputError("data", str(path), "no instances found")
    return instances


def _parse_kp01(text: str, path: Path) -> KnapsackInstance:
    tokens = text.split()
    try:
        n, capacity = int(tokens[0]), float(tokens[1])
        pairs = np.array(tokens[2 : 2 + 2 * n], dtype=float).reshape(n, 2)
    except (IndexError, ValueError) as exc:
        raise BadInputError("data", str(path), f"not an 'n c / p w' knapsack file ({exc})") from None
    optimum_file = path.parent.with_name(path.parent.name + "-optimum") / path.name
    optimum = float(optimum_file.read_text().split()[0]) if optimum_file.is_file() else None
    return KnapsackInstance(path.name, pairs[:, 0], pairs[:, 1], capacity, optimum)
