"""What a store holds, as types: ``RunInfo`` (``run.json``) and ``StoredCell`` (one line of
``cells.jsonl``), with the one place where older layouts are read (docs/architecture.md §5).

Schema versions:

- 3 (written now): a stored cell's ``spec`` names the exact backend that computes references
  ``reference_backend`` (2 called it ``reference``, the word a record uses for the reference
  *value*). A cell's key hashes what it did in 2, so a cell keeps its key across the change.
- 2: cell keys hash only what defines a result; run settings live in ``run.json``'s ``settings``.
  Read as 3.
- 1 and older: a cell's spec held the run settings beside the fields (``timeout_s``, ``eps``);
  such a spec is kept as ``StoredCell.legacy_spec`` so that a comparison can still match it.

Readers outside ``qseg.store`` get these typed values and never look into the JSON themselves.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import UnionType
from typing import Any, TypedDict, Union, cast, get_args, get_origin, get_type_hints

from qseg.errors import BadInputError
from qseg.record import Record
from qseg.store.spec import CellSpec, SettingsJSON, content_hash

SCHEMA_VERSION = 3
READABLE_SCHEMAS = (2, 3)  # stores a report and a comparison read as this version's types
RUN_SETTING_NAMES = ("timeout_s", "eps")  # what an old (flat) spec carried that defines no result


class SuiteInfo(TypedDict):
    """``run.json``'s ``suite``: where the suite came from, its text and its two hashes
    (``sha256`` of the text; ``definition_sha256`` of what defines its cells)."""

    path: str | None
    name: str | None
    sha256: str | None
    definition_sha256: str | None
    text: str


class BackendInfo(TypedDict):
    """``run.json``'s ``backends[name]``: the package behind a backend and whether it could run."""

    package: str | None
    version: str | None
    available: bool
    reason: str | None


class ResumeInfo(TypedDict):
    """One entry of ``run.json``'s ``resumed``: when a run resumed the store and with what."""

    utc: str | None
    settings: SettingsJSON | None
    git_revision: str | None


class FinishedInfo(TypedDict):
    """``run.json``'s ``finished``: when the run's cells were all done and the machine's load."""

    utc: str | None
    load_average: list[float] | None


class RunInfo(TypedDict):
    """``run.json``: the suite, the run settings, how the cells were executed, provenance
    (``qseg.environment.provenance``: utc, git_revision, python, platform, machine, cpu_count,
    load_average, packages), the run's resumes and finish, and ``cell_keys``: the key of every
    cell of the suite, so that a reader can tell a line of another suite appended to
    ``cells.jsonl``. ``read_run`` fills what an older store lacks with None (empty for
    ``resumed``, ``backends``, ``packages``)."""

    schema_version: int | None
    suite: SuiteInfo
    settings: SettingsJSON
    cells: int | None
    executor: str | None
    workers: int | None
    solver_threads: int | None
    backends: dict[str, BackendInfo]
    utc: str | None
    git_revision: str | None
    python: str | None
    platform: str | None
    machine: str | None
    cpu_count: int | None
    load_average: list[float] | None
    packages: dict[str, str | None]
    resumed: list[ResumeInfo]
    finished: FinishedInfo | None
    cell_keys: list[str] | None


def run_from_json(data: Mapping[str, Any]) -> RunInfo:
    """Return ``run.json``'s content as a ``RunInfo``: what an older or partial file lacks is
    None (or empty); a block of the wrong JSON kind counts as missing."""
    suite = _mapping(data.get("suite"))
    settings = _mapping(data.get("settings"))
    finished = data.get("finished")
    return {
        "schema_version": _integer(data.get("schema_version")),
        "suite": {"path": _text(suite.get("path")), "name": _text(suite.get("name")),
                  "sha256": _text(suite.get("sha256")), "definition_sha256": _text(suite.get("definition_sha256")),
                  "text": _text(suite.get("text")) or ""},
        # Kept as stored, not checked: a comparison names what differs, a resume parses it.
        "settings": cast(SettingsJSON, dict(settings)),
        "cells": _integer(data.get("cells")),
        "executor": _text(data.get("executor")),
        "workers": _integer(data.get("workers")),
        "solver_threads": _integer(data.get("solver_threads")),
        "backends": {str(name): _backend_info(info) for name, info in _mapping(data.get("backends")).items()
                     if isinstance(info, Mapping)},
        "utc": _text(data.get("utc")),
        "git_revision": _text(data.get("git_revision")),
        "python": _text(data.get("python")),
        "platform": _text(data.get("platform")),
        "machine": _text(data.get("machine")),
        "cpu_count": _integer(data.get("cpu_count")),
        "load_average": _loads(data.get("load_average")),
        "packages": {str(name): _text(version) for name, version in _mapping(data.get("packages")).items()},
        "resumed": [{"utc": _text(entry.get("utc")), "settings": entry.get("settings"),
                     "git_revision": _text(entry.get("git_revision"))}
                    for entry in data.get("resumed") or [] if isinstance(entry, Mapping)],
        "finished": ({"utc": _text(finished.get("utc")), "load_average": _loads(finished.get("load_average"))}
                     if isinstance(finished, Mapping) else None),
        "cell_keys": _keys(data.get("cell_keys")),
    }


@dataclass(frozen=True)
class StoredCell:
    """One finished cell as the store keeps it: its ``Record``, its key and its ``CellSpec``.

    ``spec`` is None only for a cell of a layout older than schema 2 (its spec, when it had one,
    is kept as ``legacy_spec``); every cell this qseg writes has one.
    """

    record: Record
    key: str
    spec: CellSpec | None
    legacy_spec: Mapping[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the line ``cells.jsonl`` holds: the record's fields (``Record.to_dict``, the
        same as ``qseg solve --json``), then ``key`` and ``spec`` (``CellSpec.to_json``)."""
        payload = self.record.to_dict()
        payload["key"] = self.key
        if self.spec is not None:
            payload["spec"] = self.spec.to_json()
        else:  # an older layout is written back as it was read
            payload["spec"] = None if self.legacy_spec is None else dict(self.legacy_spec)
        return payload

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StoredCell:
        """Return the cell a ``cells.jsonl`` line of schema 1, 2 or 3 describes.

        Raises BadInputError (field ``cell``) when the line is no cell: no key, or a record
        field missing or of the wrong kind.
        """
        key = data.get("key")
        if "key" in data and not (isinstance(key, str) and key):
            raise BadInputError("cell.key", _short_value(key), "a stored cell's key is non-empty text")
        if not isinstance(key, str) or not key:
            raise BadInputError("cell", _short_keys(data), "a stored cell needs a key")
        check_record_kinds(data)
        raw_spec = data.get("spec")
        spec, legacy = None, None
        if isinstance(raw_spec, Mapping):
            try:
                spec = CellSpec.from_json(raw_spec)
            except (TypeError, KeyError, ValueError, AttributeError):
                legacy = dict(raw_spec)  # an older layout: matched on its content, see ``identity``
        return cls(record=Record.from_dict(data), key=key, spec=spec, legacy_spec=legacy)

    @property
    def identity(self) -> str:
        """Return what a comparison matches this cell on: the ``CellSpec`` key recomputed from
        the spec (run settings never enter it); for an older layout the hash of its spec without
        the run settings it carried; for a cell without a spec its stored key."""
        if self.spec is not None:
            return self.spec.key
        if self.legacy_spec is not None:
            return content_hash({k: v for k, v in self.legacy_spec.items() if k not in RUN_SETTING_NAMES})
        return self.key

    @property
    def instance_label(self) -> str:
        """Return the instance as a short label (the spec's; problem, instance and seed without)."""
        if self.spec is not None:
            return self.spec.instance.label
        record = self.record
        return f"{record.problem} {record.instance} seed={record.seed}"

    @property
    def unit(self) -> str:
        """Return what identifies the cell's instance across runs (repeats of one instance share it)."""
        return self.spec.instance.key if self.spec is not None else self.instance_label

    @property
    def label(self) -> str:
        """Return a short human description of the cell."""
        if self.spec is not None:
            return self.spec.label
        return f"{self.instance_label} {self.record.backend}/{self.record.formulation}"


def check_record_kinds(data: Mapping[str, Any]) -> None:
    """Raise BadInputError (field ``cell.NAME``) for the first field of a stored line whose JSON
    kind is not the one its ``Record`` field holds (a gap stored as text, a size as a list, a
    flag as a number); fields that are no Record field are not checked here."""
    for name, (kinds, nullable) in _record_kinds().items():
        if name not in data:
            continue
        value = data[name]
        if value is None and nullable:
            continue
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            raise BadInputError(f"cell.{name}", _short_value(value), f"expected {_kind_names(kinds, nullable)}")


@cache
def _record_kinds() -> dict[str, tuple[tuple[type, ...], bool]]:
    """Return, per Record field, the Python types its JSON value may have and whether null is allowed."""
    hints = get_type_hints(Record)
    kinds: dict[str, tuple[tuple[type, ...], bool]] = {}
    for item in dataclasses.fields(Record):
        hint = hints[item.name]
        members = get_args(hint) if isinstance(hint, UnionType) or get_origin(hint) is Union else (hint,)
        nullable = type(None) in members or item.name in ("timing", "params", "details")
        allowed: set[type] = set()
        for member in members:
            origin = get_origin(member) or member
            if origin is float:
                allowed |= {int, float}
            elif isinstance(origin, type) and issubclass(origin, str):
                allowed.add(str)  # a StrEnum (status) is stored as its text
            elif origin in (int, bool, dict, list):
                allowed.add(origin)
        kinds[item.name] = (tuple(sorted(allowed, key=lambda kind: kind.__name__)), nullable)
    return kinds


def _kind_names(kinds: tuple[type, ...], nullable: bool) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "text", dict: "an object", list: "an array"}
    words = sorted({names[kind] for kind in kinds}) + (["null"] if nullable else [])
    return " or ".join(words)


def _short_value(value: Any) -> Any:
    if isinstance(value, str | dict | list):
        text = " ".join(repr(value).split())
        return text if len(text) <= 60 else text[:57] + "..."
    return value


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _loads(value: Any) -> list[float] | None:
    """Return a stored load average as three floats, None when absent or not one."""
    if isinstance(value, list) and len(value) == 3 and all(isinstance(v, int | float) for v in value):
        return [float(v) for v in value]
    return None


def _keys(value: Any) -> list[str] | None:
    """Return the stored suite's cell keys, None when absent (a store older than the list) or not
    a list of strings."""
    if isinstance(value, list) and all(isinstance(key, str) for key in value):
        return value
    return None


def _backend_info(info: Mapping[str, Any]) -> BackendInfo:
    return {"package": _text(info.get("package")), "version": _text(info.get("version")),
            "available": bool(info.get("available")), "reason": _text(info.get("reason"))}


def _short_keys(data: Mapping[str, Any]) -> str:
    return "{" + ", ".join(sorted(str(k) for k in data)[:6]) + "}"
