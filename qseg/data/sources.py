"""What a ``data=`` value names, shared by every problem's ``*_from_spec``.

``None`` asks for generated customers; a registered name (``seed-000``, ``retention``) is a named
dataset; anything else is a file: by default an instance file given as a path or a bare name
looked up under ``instance_roots()`` (``FILE#NAME`` picks one instance of a multi-instance file
where the problem allows selectors), or a path taken as given. Each problem states the sources
it takes with one ``Sources``; what a file holds (its format) is the problem's own loader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

import pandas as pd

from qseg.data.instances import find_instance_file, split_selector
from qseg.data.retention import RETENTION_DATASET, retention_dataset
from qseg.data.synthetic import SEED_000, seed_000
from qseg.errors import BadInputError


@dataclass(frozen=True)
class NamedDataset:
    """A dataset known by name: ``load(size)`` gives its customers (the first ``size``, all for
    None) and ``seed`` is the seed they were drawn with."""

    name: str
    seed: int
    load: Callable[[int | None], pd.DataFrame]


NAMED_DATASETS = {
    dataset.name: dataset
    for dataset in (
        NamedDataset("seed-000", SEED_000["seed"], seed_000),
        NamedDataset(RETENTION_DATASET["name"], RETENTION_DATASET["seed"], retention_dataset),
    )
}


@dataclass(frozen=True)
class Sources:
    """The ``data=`` values one problem takes besides None (generated customers).

    ``named``: the named datasets it takes (keys of ``NAMED_DATASETS``); anything else is a file.
    ``selectors``: ``FILE#NAME`` picks an instance of a multi-instance file (otherwise ``#`` is
    part of the name). ``search``: a bare file name is looked up under ``instance_roots()``
    (otherwise the value is a path, taken as given, for the problem's loader to check).
    ``file_kind`` names such a file in messages.
    """

    named: tuple[str, ...] = ()
    selectors: bool = False
    search: bool = True
    file_kind: str = "an instance file"

    def __post_init__(self) -> None:
        unknown = [name for name in self.named if name not in NAMED_DATASETS]
        if unknown:
            raise ValueError(f"no named dataset {unknown[0]!r}; known: {', '.join(NAMED_DATASETS)}")

    def is_file(self, data: str | None) -> TypeGuard[str]:
        """Return whether ``data`` names a file: neither None nor one of the named datasets."""
        return data is not None and data not in self.named

    def dataset(self, data: str | None) -> NamedDataset | None:
        """Return the named dataset ``data`` names, or None (generated customers, or a file)."""
        return NAMED_DATASETS[data] if data in self.named else None

    def locate(self, data: str, size: int | None) -> tuple[Path, str | None]:
        """Return (path, instance name or None) of the file ``data`` names.

        Raises BadInputError for an empty name after ``#``, with ``search`` a file that is not
        found, and then for a ``size`` (a file fixes its own): a missing file is named first,
        as the size is only wrong once the file exists.
        """
        file_part, selector = split_selector(data) if self.selectors else (data, None)
        path = find_instance_file(file_part) if self.search else Path(file_part).expanduser()
        if size is not None:
            if not path.exists():
                raise BadInputError("data", data, f"no such dataset or {self.file_kind.removeprefix('a ').removeprefix('an ')}")
            raise BadInputError("size", size, f"{self.file_kind} fixes its own size")
        return path, selector


FAMILIES = ("generated", "seed", "library", "file")


GENERATED_TRANSACTIONS = "rfm:generated"  # kmedoids' generated invoice lines (``problems.kmedoids.spec``)


def instance_family(data: str | None) -> str:
    """Return the family of the instance a ``data=`` value names, one of ``FAMILIES``:
    ``generated`` (None: customers drawn by a generator), ``seed`` (a named dataset, the seed
    documents' own: ``seed-000``, ``retention``), ``library`` (a bare standard-instance name such
    as ``pmed1.txt`` or ``knapPI_1_100_1000_1``, looked up under ``instance_roots()``) or
    ``file`` (a path with a folder, or a ``rfm:`` CSV: the user's own data); ``rfm:generated``
    (generated transactions) is ``generated``."""
    if data is None or data == GENERATED_TRANSACTIONS:
        return "generated"
    if data in NAMED_DATASETS:
        return "seed"
    file_part = data.split("#", 1)[0]
    if ":" in file_part or Path(file_part).expanduser().parent != Path("."):
        return "file"
    return "library"
