"""Finding standard instance files: a path, a bare file name, or ``FILE#NAME``.

Bare names (``pmed7.txt``, ``knapPI_1_50_1000.csv``) are looked up under ``$QSEG_INSTANCES_DIR``
and then ``../shared/instances`` beside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

from qseg.errors import BadInputError


def instance_roots() -> list[Path]:
    """Return the folders searched for bare instance names, in order."""
    roots = []
    if os.environ.get("QSEG_INSTANCES_DIR"):
        roots.append(Path(os.environ["QSEG_INSTANCES_DIR"]))
    checkout = Path(__file__).resolve().parents[2]
    roots.append(checkout.parent / "shared" / "instances")
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

    Raises BadInputError naming the value when nothing matches.
    """
    path = Path(name).expanduser()
    if path.is_file():
        return path
    if path.parent == Path("."):
        for root in instance_roots():
            matches = sorted(p for p in root.rglob(path.name) if p.is_file())
            if matches:
                return matches[0]
    raise BadInputError("data", name, "no such dataset or instance file")
