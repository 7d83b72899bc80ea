"""A fitted segmenter saved as JSON (never pickle): it assigns new customers to segments.

File layout (``schema_version`` 1), every key required and no other allowed::

    {"schema_version": 1,
     "features": ["Recency", ...],              # F distinct names, the column order of the medoids
     "scaling": {...},                          # the scaler's own JSON (opaque here)
     "medoids": [[...F floats...], ...],        # K medoids in the scaled feature space
     "segment_names": ["at risk", ...],         # K distinct names, one per medoid
     "method": "fasterpam",                     # what produced the medoids
     "backend": null}                           # the solver behind it, or null

``assign`` maps scaled features to the nearest medoid (Euclidean; ties to the lower index), so
the customers a segmenter was fitted on get exactly the labels ``nearest_medoid`` gives them:
floats round-trip through JSON exactly. ``predict`` does the whole chain on raw transactions
(parse, clean, RFM features, the saved scaling, nearest medoid). A segmenter comes from ``qseg
segment``'s output (``Segmenter.load(folder)`` or the ``segmenter.json`` in it) or from Python
(``Segmenter.from_transactions``).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qseg.errors import BadInputError
from qseg.files import read_json
from qseg.workflows.segment.checks import check_points, check_rows
from qseg.workflows.segment.pmedian import nearest_center

SCHEMA_VERSION = 1
SEGMENTER_MAX_BYTES = 16 << 20  # K medoids of F features: a few KB in practice
KEYS = ("schema_version", "features", "scaling", "medoids", "segment_names", "method", "backend")


def _names(field: str, value: Any, count: int | None = None) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not value or not all(isinstance(v, str) and v for v in value):
        raise BadInputError(field, value, "expected a non-empty list of non-empty strings")
    if len(set(value)) != len(value):
        raise BadInputError(field, value, "names repeat")
    if count is not None and len(value) != count:
        raise BadInputError(field, value, f"expected {count} names, one per medoid")
    return tuple(value)


def _medoids(value: Any, features: int) -> np.ndarray:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, list) or not value or not all(isinstance(row, list) for row in value):
        raise BadInputError("medoids", type(value).__name__, "expected a non-empty list of rows")
    for i, row in enumerate(value):
        if len(row) != features:
            raise BadInputError("medoids", f"row {i}", f"has {len(row)} values, expected {features} (one per feature)")
        if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in row):
            raise BadInputError("medoids", f"row {i}", "expected numbers")
        if not all(math.isfinite(x) for x in row):
            raise BadInputError("medoids", f"row {i}", "contains NaN or infinity")
    return np.array(value, dtype=float)


@dataclass(frozen=True, eq=False)
class Segmenter:
    """Medoids in scaled feature space with their segment names, the feature schema and the
    scaling that produced the space; validated on construction."""

    features: tuple[str, ...]
    scaling: dict[str, Any]
    medoids: np.ndarray
    segment_names: tuple[str, ...]
    method: str
    backend: str | None = None
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if isinstance(self.schema_version, bool) or self.schema_version != SCHEMA_VERSION:
            raise BadInputError("schema_version", self.schema_version, f"this qseg reads version {SCHEMA_VERSION}")
        features = _names("features", list(self.features))
        medoids = _medoids(self.medoids, len(features))
        names = _names("segment_names", list(self.segment_names), len(medoids))
        if not isinstance(self.scaling, dict):
            raise BadInputError("scaling", type(self.scaling).__name__, "expected a JSON object")
        if not isinstance(self.method, str) or not self.method:
            raise BadInputError("method", self.method, "expected a non-empty string")
        if self.backend is not None and (not isinstance(self.backend, str) or not self.backend):
            raise BadInputError("backend", self.backend, "expected a non-empty string or null")
        medoids.setflags(write=False)
        object.__setattr__(self, "features", features)
        object.__setattr__(self, "medoids", medoids)
        object.__setattr__(self, "segment_names", names)

    @classmethod
    def from_rows(cls, points: np.ndarray, medoid_rows: np.ndarray, *, features: tuple[str, ...] | list[str],
                  scaling: dict[str, Any], segment_names: tuple[str, ...] | list[str], method: str,
                  backend: str | None = None) -> Segmenter:
        """Return the Segmenter whose medoids are the rows ``medoid_rows`` of the scaled ``points``
        (names in the same order as the rows)."""
        clean = check_points(points)
        return cls(features=tuple(features), scaling=scaling, medoids=clean[check_rows(medoid_rows, len(clean))],
                   segment_names=tuple(segment_names), method=method, backend=backend)

    def assign(self, scaled: np.ndarray) -> np.ndarray:
        """Return, for every row of ``scaled`` (columns in ``features`` order), the index of its
        nearest medoid (ties to the lower index)."""
        clean = check_points(scaled, "scaled")
        if clean.shape[1] != len(self.features):
            raise BadInputError("scaled", clean.shape, f"expected {len(self.features)} columns: {', '.join(self.features)}")
        return nearest_center(clean, self.medoids)[0]

    def predict(self, transactions: pd.DataFrame | Path | str, *, columns: dict[str, str] | str | None = None) -> pd.Series:
        """Return each customer's segment (index into ``segment_names``) as a Series indexed by
        CustomerID, from raw transactions (a DataFrame in the Online Retail layout or a CSV path;
        ``columns`` maps another layout, as ``role:Column,...`` or a dict): parsed and cleaned by
        the seed's rules, RFM features computed, scaled with the saved scaling (never refitted),
        then each customer's nearest medoid. BadInputError names a missing column or bad value."""
        from qseg.data.rfm import Scaler

        features = transaction_features(transactions, columns)
        if tuple(self.features) != tuple(features.columns):
            raise BadInputError("features", list(self.features), f"this qseg computes {', '.join(features.columns)}")
        segments = self.assign(Scaler.from_json(self.scaling).transform(features))
        return pd.Series(segments, index=features.index, name="segment")

    @classmethod
    def from_transactions(cls, transactions: pd.DataFrame | Path | str, n_segments: int = 4, *, seed: int = 0,
                          columns: dict[str, str] | str | None = None, scaling: str | None = None) -> Segmenter:
        """Return a Segmenter fitted on raw transactions (as ``predict`` takes them): RFM features
        scaled (``scaling``: qseg's default log-standard, or ``standard``), ``n_segments`` medoids
        from FasterPAM (seeded), segments named by ``profiles.label_segments``."""
        from qseg.data.rfm import DEFAULT_SCALING, Scaler
        from qseg.workflows.segment.methods import fasterpam
        from qseg.workflows.segment.profiles import label_segments, segment_profiles

        features = transaction_features(transactions, columns)
        if isinstance(n_segments, bool) or not isinstance(n_segments, int) or not 1 <= n_segments <= len(features):
            raise BadInputError("n_segments", n_segments, f"must be a whole number in 1..{len(features)} (the customers)")
        scaler = Scaler.fit(features, scaling or DEFAULT_SCALING)
        scaled = scaler.transform(features)
        found = fasterpam(scaled, n_segments, seed=seed)
        names = label_segments(segment_profiles(features, found.labels))
        return cls.from_rows(scaled, found.medoids, features=list(features.columns), scaling=dict(scaler.to_json()),
                             segment_names=[names[segment] for segment in range(len(found.medoids))],
                             method=found.method)

    def __repr__(self) -> str:
        """Return ``Segmenter(4 segments: 'at risk', ..., features=[...], method='fasterpam')``."""
        names = ", ".join(repr(name) for name in self.segment_names)
        return (f"Segmenter({len(self.segment_names)} segments: {names}; features={list(self.features)}, "
                f"method={self.method!r}, backend={self.backend!r})")

    def names_of(self, segments: np.ndarray) -> np.ndarray:
        """Return the segment name of each index in ``segments`` (as from ``assign``)."""
        return np.asarray(self.segment_names, dtype=object)[np.asarray(segments, dtype=np.int64)]

    def to_json(self) -> dict[str, Any]:
        """Return the JSON object of the module docstring."""
        return {"schema_version": self.schema_version, "features": list(self.features), "scaling": self.scaling,
                "medoids": self.medoids.tolist(), "segment_names": list(self.segment_names), "method": self.method,
                "backend": self.backend}

    def save(self, path: Path | str) -> Path:
        """Write the segmenter to ``path`` atomically (a temporary file in the same folder, then
        renamed over it); return the path."""
        target = Path(path)
        text = json.dumps(self.to_json(), indent=2, allow_nan=False) + "\n"
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    @classmethod
    def from_json(cls, data: Any) -> Segmenter:
        """Return the Segmenter of a parsed JSON object, or raise BadInputError naming the first
        missing, unknown or bad field."""
        if not isinstance(data, dict):
            raise BadInputError("segmenter", type(data).__name__, "expected a JSON object")
        for key in KEYS:
            if key not in data:
                raise BadInputError(key, "missing", "required key of a segmenter file")
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise BadInputError(_short(unknown[0]), "present", f"not a segmenter key; keys: {', '.join(KEYS)}")
        version = data["schema_version"]
        if not isinstance(version, int) or isinstance(version, bool) or version != SCHEMA_VERSION:
            shown = repr(version) if isinstance(version, str) else version  # the text "1" is not the number 1
            raise BadInputError("schema_version", shown, f"this qseg reads version {SCHEMA_VERSION}")
        for key in ("features", "segment_names"):
            if not isinstance(data[key], list):
                raise BadInputError(key, type(data[key]).__name__, "expected a list of strings")
        return cls(**{key: data[key] for key in KEYS})

    @classmethod
    def load(cls, path: Path | str) -> Segmenter:
        """Return the Segmenter saved at ``path`` or in the folder ``path`` (``qseg segment``'s
        output; see the module-level ``load``)."""
        return load(path)


def transaction_features(transactions: pd.DataFrame | Path | str, columns: dict[str, str] | str | None) -> pd.DataFrame:
    """Return the RFM features (one row per customer) of raw transactions, a DataFrame or a CSV
    path, after the seed's parsing and cleaning rules."""
    from qseg.data.rfm import clean_transactions, customer_features, parse_column_mapping, parse_transactions, read_transactions

    mapping = parse_column_mapping(columns) if isinstance(columns, str) else columns
    if isinstance(transactions, pd.DataFrame):
        parsed = parse_transactions(transactions, mapping)
    elif isinstance(transactions, (str, Path)):
        path = Path(transactions).expanduser()
        if not path.is_file():
            raise BadInputError("transactions", str(transactions), "no such file")
        parsed = read_transactions(path, mapping)
    else:
        raise BadInputError("transactions", type(transactions).__name__, "expected a DataFrame or a CSV path")
    clean, _ = clean_transactions(parsed)
    return customer_features(clean)


def load(path: Path | str) -> Segmenter:
    """Return the Segmenter saved at ``path`` (a ``segmenter.json``, or a folder holding one, as
    ``qseg segment`` writes); one BadInputError naming the file, the field and the value for an
    unreadable, oversized or non-UTF-8 file, text that is not JSON or nests too deep, a number
    that is not finite or beyond int64 (anywhere, the scaling included), a missing key, a wrong
    schema version or a bad value."""
    if Path(path).is_dir():
        path = Path(path) / "segmenter.json"
    data = read_json("segmenter", path, max_bytes=SEGMENTER_MAX_BYTES)
    try:
        segmenter = Segmenter.from_json(data)  # ``scaling`` is the scaler's to check, when it is used
    except BadInputError as exc:
        raise BadInputError("segmenter", str(path), f"{exc.field}={_short(exc.value)}: {exc.reason}") from None
    return segmenter


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())  # a value from a hostile file never breaks the line
    return text if len(text) <= 80 else text[:77] + "..."
