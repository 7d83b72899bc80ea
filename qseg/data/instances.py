"""Finding standard instance files: a path, a bare file name, or ``FILE#NAME``.

Bare names (``pmed7.txt``, ``knapPI_1_50_1000.csv``) are looked up under ``$QSEG_INSTANCES_DIR``
(when set) and then in the instances shipped with the package (``qseg/data/instance_files/``,
their origins, licences and optima in each folder's README.md and OPTIMA.csv). Nothing outside the
package is searched unless the user names it; see docs/architecture.md §8.
"""

from __future__ import annotations

import os
from pathlib import Path

from qseg.errors import BadInputError

PACKAGED_INSTANCES = Path(__file__).resolve().parent / "instance_files"
"""The folder of standard instances shipped as package data (pmed, gap, knapsack)."""


def instance_roots() -> list[Path]:
    """Return the folders searched for bare instance names, in order: ``$QSEG_INSTANCES_DIR``
    when it is set and names a folder, then the packaged instances."""
    roots = []
    extra = os.environ.get("QSEG_INSTANCES_DIR")
    if extra:
        roots.append(Path(extra).expanduser())
    roots.append(PACKAGED_INSTANCES)
    return [root for root in roots if root.is_dir()]


def split_selector(spec: str) -> tuple[str, str | None]:
    """Return (file part, instance name or None) of ``FILE#NAME``."""
    if "#" in spec:
        path, name = spec.split("#", 1)
        if not name:
            raise BadInputError("data", spec, "empty instance name after '#'")
        return path, name
    return spec, None


def find_instance_file(name: str) -> Path:
    """Return the path of an instance file given as a path or a bare file name.

    Raises BadInputError naming the value and the folders searched when nothing matches.
    """
    path = Path(name).expanduser()
    if path.is_file():
        return path
    roots = instance_roots()
    if path.parent == Path("."):
        for root in roots:
            matches = sorted(p for p in root.rglob(path.name) if p.is_file())
            if matches:
                return matches[0]
        searched = "; ".join(str(root) for root in roots) or "none"
        why = f"no such file, dataset or instance name (folders searched: {searched}; $QSEG_INSTANCES_DIR adds one)"
    else:
        why = "no such dataset or instance file"
    raise BadInputError("data", name, why)
