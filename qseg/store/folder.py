"""The append-only results store: one directory per suite run.

``run.json`` holds the suite (text and hash), versions, machine, git revision and start time;
``cells.jsonl`` one JSON object per finished cell, flushed and fsynced as it is written. A torn
last line (a crash mid-write) is ignored and cut off before appending. One writer at a time:
an advisory ``fcntl.flock`` on ``.lock``, released by the kernel when its holder dies, so a
crash never leaves a stale lock. ``read_run`` returns ``run.json`` as a ``RunInfo`` and
``read_cells`` every cell as a ``StoredCell`` (``qseg.store.schema``); the report's DataFrame of
the cells is ``qseg.reports.frame.load_frame``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qseg.errors import BadInputError, StoreError
from qseg.files import check_output_dir, named, replacing
from qseg.store.schema import SCHEMA_VERSION, RunInfo, StoredCell, run_from_json

RUN_FILE = "run.json"
CELLS_FILE = "cells.jsonl"
LOCK_FILE = ".lock"
SAMPLES_DIR = "samples"
_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean",
               type(None): "null"}


class Store:
    """A store directory opened for writing by exactly one process."""

    def __init__(self, root: Path, lock_handle: Any) -> None:
        self.root = root
        self._lock = lock_handle

    @classmethod
    def open(cls, root: Path | str, run_info: RunInfo, *, resume: bool = False,
             overwrite: bool = False, check: Callable[[RunInfo], None] | None = None) -> Store:
        """Return the store at ``root`` locked for writing, created or reused as asked; a new
        store's ``run.json`` is ``run_info`` with this qseg's ``SCHEMA_VERSION``.

        Raises StoreError when the store exists and neither ``resume`` nor ``overwrite`` is set,
        when another writer holds the lock, or when resuming and ``check`` (given the stored
        ``run.json``) raises it: the caller decides what makes a run resumable.
        """
        root = Path(root)
        exists = (root / RUN_FILE).is_file()
        if exists and not (resume or overwrite):
            raise StoreError("out", str(root), "store exists; pass --resume to finish it or --overwrite to start again")
        check_output_dir("out", root)
        if not exists and (root / CELLS_FILE).exists() and not overwrite:
            # cells without their run.json: whose suite they belong to is unknown, so never adopt them
            raise StoreError("out", str(root), "holds cells.jsonl but no run.json; pass --overwrite to start again")
        if exists and resume:
            _checked(root, check)  # refused before the lock file is created: a refusal writes nothing
        root.mkdir(parents=True, exist_ok=True)
        handle = open(root / LOCK_FILE, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StoreError("out", str(root), "another qseg bench is writing to this store") from None
        store = cls(root, handle)
        if exists and resume:
            try:
                _checked(root, check)  # again under the lock: the holder before us may have changed it
                store._cut_torn_tail()
            except BaseException:
                store.close()
                raise
            return store
        if overwrite:  # with or without a run.json: start again means no old cell survives
            (root / CELLS_FILE).unlink(missing_ok=True)
            shutil.rmtree(root / SAMPLES_DIR, ignore_errors=True)
        try:
            _write_run(root, {**run_info, "schema_version": SCHEMA_VERSION})
            (root / CELLS_FILE).touch()
        except BaseException:
            store.close()
            raise
        return store

    def note_resumed(self, run_info: RunInfo) -> None:
        """Record in ``run.json`` that this run resumed the store: the new settings apply to the
        cells run from now on, and the resume is listed with its time and settings."""
        stored = read_run(self.root)
        stored["resumed"].append({"utc": datetime.now(UTC).isoformat(timespec="seconds"),
                                  "settings": run_info["settings"], "git_revision": run_info["git_revision"]})
        _write_run(self.root, {**stored, "settings": run_info["settings"]})

    def note_finished(self) -> None:
        """Record in ``run.json`` when this run's cells were all done and the machine's load then
        (``finished``: utc, load_average), so that a comparison of timings can see the load."""
        from qseg.environment import load_average

        stored = read_run(self.root)
        stored["finished"] = {"utc": datetime.now(UTC).isoformat(timespec="seconds"), "load_average": load_average()}
        _write_run(self.root, stored)

    def finished_keys(self) -> set[str]:
        """Return the keys of every cell already in the store."""
        return {record["key"] for record in read_records(self.root) if record.get("key")}

    def append(self, cell: StoredCell) -> None:
        """Append one finished cell, flushed and fsynced before returning."""
        self.append_json(cell.to_json())

    def append_json(self, payload: dict[str, Any]) -> None:
        """Append one line as it is given (``append`` writes a ``StoredCell`` through it), flushed
        and fsynced before returning."""
        # Strict JSON: NaN and infinity (from a solver's facts) are stored as null, never as NaN.
        line = json.dumps(_finite(payload), separators=(",", ":"), default=_json_default, allow_nan=False) + "\n"
        path = self.root / CELLS_FILE
        data = line.encode()
        # Unbuffered: a buffered file would retry its failed flush on close and raise again.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            end = os.fstat(fd).st_size
            try:
                written = 0
                while written < len(data):
                    written += os.write(fd, data[written:])
                os.fsync(fd)
            except OSError as exc:
                # A full disk mid-line: cut the part written, so that the store ends with its last
                # whole cell and a resume (after freeing space) appends cleanly.
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, end)
                raise named(exc, path) from exc
        finally:
            os.close(fd)

    def samples_dir(self) -> Path:
        """Return (creating it) the folder for raw samples kept with ``--keep-samples``."""
        path = self.root / SAMPLES_DIR
        path.mkdir(exist_ok=True)
        return path

    def close(self) -> None:
        """Release the writer lock."""
        if not self._lock.closed:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def _cut_torn_tail(self) -> None:
        path = self.root / CELLS_FILE
        data = path.read_bytes() if path.exists() else b""
        if data and not data.endswith(b"\n"):
            with open(path, "r+b") as stream:
                stream.truncate(data.rfind(b"\n") + 1)
                os.fsync(stream.fileno())

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_cells(root: Path | str) -> Iterator[StoredCell]:
    """Yield every complete cell of a store (schema 1 to 3) as a ``StoredCell``; a torn or
    damaged line, or one that is no cell, is skipped."""
    for payload in read_records(root):
        try:
            yield StoredCell.from_json(payload)
        except BadInputError:
            continue


def read_records(root: Path | str) -> Iterator[dict[str, Any]]:
    """Yield every complete line of ``cells.jsonl`` as the JSON object it holds (``read_cells``
    reads them as ``StoredCell``); a torn or damaged line is skipped."""
    path = Path(root) / CELLS_FILE
    if not path.exists():
        return
    with open(path) as stream:
        for line in stream:
            if not line.endswith("\n"):
                break  # torn last line from a crash mid-write
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and record.get("key"):  # null, [1, 2] or {} is damage, not a cell
                yield record


def _checked(root: Path, check: Callable[[RunInfo], None] | None) -> None:
    stored = read_run(root)
    if check is not None:
        check(stored)


def read_run(root: Path | str) -> RunInfo:
    """Return a store's ``run.json`` as a ``RunInfo`` (what an older store lacks is None); raise
    BadInputError when the folder is not a store."""
    path = Path(root) / RUN_FILE
    if not path.is_file():
        raise BadInputError("store", str(root), "not a qseg store (no run.json)")
    try:
        run = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInputError("store", str(root), f"run.json is damaged ({type(exc).__name__})") from None
    if not isinstance(run, dict):
        raise BadInputError("store", str(root), f"run.json holds {_JSON_KINDS.get(type(run), type(run).__name__)}, "
                            "not an object")
    return run_from_json(run)


def _write_run(root: Path, run: RunInfo) -> None:
    _write_json(root / RUN_FILE, dict(run))


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as strict JSON under a temporary name, then rename it into place, so a
    crash or a full disk never leaves a torn ``run.json`` (nor the temporary file)."""
    text = json.dumps(_finite(payload), indent=2, default=_json_default, allow_nan=False)
    with replacing(path) as temporary:
        temporary.write_text(text)


def _finite(value: Any) -> Any:
    """Return ``value`` with every non-finite float (at any depth) replaced by None."""
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
