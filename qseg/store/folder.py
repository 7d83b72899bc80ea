"""The append-only results store: one directory per suite run.

``run.json`` holds the suite (text and hash), versions, machine, git revision and start time;
``cells.jsonl`` one JSON object per finished cell, flushed and fsynced as it is written. A torn
last line (a crash mid-write) is ignored and cut off before appending. One writer at a time:
an advisory ``fcntl.flock`` on ``.lock``, released by the kernel when its holder dies, so a
crash never leaves a stale lock. ``read_run`` returns ``run.json`` as a ``RunInfo`` and
``read_cells`` every cell as a ``StoredCell`` (``qseg.store.schema``); the report's DataFrame of
the cells is ``qseg.reports.frame.load_frame``.

The rule for a damaged store (issue 23): a complete line that is no cell of this store's suite
(not UTF-8, not JSON, too deep, a number not finite or beyond int64, not an object, a field of
the wrong kind, a cell already stored, a key ``run.json``'s ``cell_keys`` does not list) is
never read past and never pooled: ``report``, ``compare`` and ``bench --resume`` refuse the
store in one line naming the file, the line and why (exit 2), and ``--repair`` moves every such
line out, keeping the original file beside it as ``cells.jsonl.orig-<UTC time>``. The user
decides, and nothing is dropped without a copy.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from qseg.errors import BadInputError, StoreError
from qseg.files import check_output_dir, loads_bounded, named, read_json, replacing
from qseg.store.schema import SCHEMA_VERSION, RunInfo, StoredCell, run_from_json

RUN_FILE = "run.json"
CELLS_FILE = "cells.jsonl"
LOCK_FILE = ".lock"
CELLS_MAX_LINE_BYTES = 4 << 20  # one cell's line is a few KB (details and tuning included)
RUN_MAX_BYTES = 64 << 20  # the suite's text and one key per cell
SAMPLES_DIR = "samples"
_JSON_KINDS = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean",
               type(None): "null"}


class Store:
    """A store directory opened for writing by exactly one process."""

    def __init__(self, root: Path, lock_handle: Any) -> None:
        self.root = root
        self._lock = lock_handle
        self.repaired: Repair | None = None  # what ``finished_keys(repair=True)`` moved out

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
        # cell_keys too: a store older than the list gets it (a resume runs the same suite definition)
        _write_run(self.root, {**stored, "settings": run_info["settings"], "cell_keys": run_info.get("cell_keys")})

    def note_finished(self) -> None:
        """Record in ``run.json`` when this run's cells were all done and the machine's load then
        (``finished``: utc, load_average), so that a comparison of timings can see the load."""
        from qseg.environment import load_average

        stored = read_run(self.root)
        stored["finished"] = {"utc": datetime.now(UTC).isoformat(timespec="seconds"), "load_average": load_average()}
        _write_run(self.root, stored)

    def finished_keys(self, expected: Collection[str], *, repair: bool = False) -> set[str]:
        """Return the keys of every cell already in the store, ``expected`` being the keys of the
        suite's cells; StoreError naming the first bad line (``scan_cells``) unless ``repair``,
        which first moves the bad lines out (``repair_cells``; this store holds the lock)."""
        if repair:
            self.repaired = _repair_locked(self.root, expected)
        scan = scan_cells(self.root, expected)
        scan.refuse_damage()
        return {cell.key for cell in scan.cells}

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
        """Cut a torn last line (no newline: a crash mid-write), reading only the file's end."""
        path = self.root / CELLS_FILE
        if not path.exists():
            return
        if not path.is_file():  # a device (/dev/zero) or a folder: never read, never appended to
            raise StoreError("store", str(path), "not a regular file")
        with open(path, "r+b") as stream:
            end = stream.seek(0, os.SEEK_END)
            position = end
            while position > 0:
                start = max(0, position - (1 << 16))
                stream.seek(start)
                chunk = stream.read(position - start)
                newline = chunk.rfind(b"\n")
                if newline >= 0:
                    position = start + newline + 1
                    break
                position = start
            if position < end:
                stream.truncate(position)
                os.fsync(stream.fileno())

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_cells(root: Path | str, *, repair: bool = False) -> Iterator[StoredCell]:
    """Yield every cell of a store (schema 1 to 3) as a ``StoredCell``, in the order stored.

    A line that is not a cell of this store's suite (``scan_cells``) refuses the whole store:
    StoreError naming ``cells.jsonl``, the first bad line's number and why, and ``--repair``;
    with ``repair`` the bad lines are first moved out (``repair_cells``). A torn last line
    (a crash mid-write) is no damage: it is never read.
    """
    if repair:
        repair_cells(root)
    scan = scan_cells(root, read_run(root)["cell_keys"])
    scan.refuse_damage()
    yield from scan.cells


def read_records(root: Path | str) -> Iterator[dict[str, Any]]:
    """Yield the JSON object of every good line of ``cells.jsonl`` (``read_cells`` reads them as
    ``StoredCell``); StoreError as ``read_cells`` for a store with a bad line."""
    for cell in read_cells(root):
        yield cell.to_json()


@dataclass(frozen=True)
class BadLine:
    """A line of ``cells.jsonl`` that is no cell of the store's suite: its number (from 1) and why."""

    number: int
    reason: str


@dataclass(frozen=True)
class CellsScan:
    """What ``scan_cells`` found: the good cells, in order, and every bad line."""

    path: Path
    cells: list[StoredCell]
    bad: list[BadLine]

    def refuse_damage(self) -> None:
        """Raise StoreError naming the file, the first bad line and the count of the others."""
        if not self.bad:
            return
        first = self.bad[0]
        more = f" (and {len(self.bad) - 1} more bad lines)" if len(self.bad) > 1 else ""
        raise StoreError("store", str(self.path), f"line {first.number}: {first.reason}{more}; pass --repair to "
                         f"move the bad lines out (the original is kept beside it as {CELLS_FILE}.orig-UTC)")


def scan_cells(root: Path | str, expected: Collection[str] | None = None) -> CellsScan:
    """Return every line of ``root``'s ``cells.jsonl`` read as a cell, or as a bad line with its
    number and why: longer than ``CELLS_MAX_LINE_BYTES``, not UTF-8, not JSON (too deep, a
    number not finite or beyond int64), not an object, no cell (no key, a field of the wrong
    kind: a gap stored as text), a key seen on an earlier line (a cell appended twice: only the
    first is kept), or, when ``expected`` (the suite's cell keys) is given, a cell whose stored key
    and whose key recomputed from its spec are both outside it (a line of another suite). A torn
    last line (no newline: a crash mid-write) is not read."""
    path = Path(root) / CELLS_FILE
    good, bad = _sorted_lines(path, expected)
    return CellsScan(path, [cell for _, cell in good], bad)


def _sorted_lines(path: Path, expected: Collection[str] | None) -> tuple[list[tuple[bytes, StoredCell]], list[BadLine]]:
    """Return ``path``'s lines that are cells (each with its raw bytes) and its bad lines (``_lines``)."""
    good: list[tuple[bytes, StoredCell]] = []
    bad: list[BadLine] = []
    for number, raw, cell, reason in _lines(path, expected):
        if cell is not None:
            good.append((raw, cell))
        else:
            bad.append(BadLine(number, reason))
    return good, bad


@dataclass(frozen=True)
class Repair:
    """What ``repair_cells`` did: the lines it moved out of ``path`` and where the original is
    kept (None when every line was good and nothing was written)."""

    path: Path
    moved: list[BadLine]
    original: Path | None

    def describe(self) -> str:
        """Return one line saying what was repaired (or that nothing needed it)."""
        if not self.moved:
            return f"{self.path}: every line is a cell of this suite; nothing to repair"
        first = self.moved[0]
        return (f"{self.path}: moved out {len(self.moved)} bad line(s) (first: line {first.number}: {first.reason}); "
                f"the original is kept as {self.original}")


def repair_cells(root: Path | str, expected: Collection[str] | None = None) -> Repair:
    """Rewrite ``cells.jsonl`` of the store at ``root`` without its bad lines (``scan_cells``;
    ``expected`` defaults to ``run.json``'s ``cell_keys``), keeping the original beside it as
    ``cells.jsonl.orig-<UTC time>``; return what was moved (nothing is written when no line is
    bad). Raises StoreError while a ``qseg bench`` holds the store's lock."""
    root = Path(root)
    if expected is None:
        expected = read_run(root)["cell_keys"]
    with _locked(root):
        return _repair_locked(root, expected)


def _repair_locked(root: Path, expected: Collection[str] | None) -> Repair:
    path = root / CELLS_FILE
    good, bad = _sorted_lines(path, expected)
    kept = [raw for raw, _ in good]
    if not bad:
        return Repair(path, bad, None)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    original = root / f"{CELLS_FILE}.orig-{stamp}"
    shutil.copy2(path, original)
    with replacing(path) as temporary:
        temporary.write_bytes(b"".join(kept))
    return Repair(path, bad, original)


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """Hold the store's writer lock (StoreError when a ``qseg bench`` holds it)."""
    with open(root / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError("store", str(root), "a qseg bench is writing to this store; repair it after") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _lines(path: Path, expected: Collection[str] | None) -> Iterator[tuple[int, bytes, StoredCell | None, str]]:
    """Yield (line number, the line's bytes, its cell or None, why it is bad) for every complete
    line of ``path`` (none when it does not exist)."""
    if not path.exists():
        return
    if not path.is_file():
        raise StoreError("store", str(path), "not a regular file")
    first_line: dict[str, int] = {}
    with open(path, "rb") as stream:
        number = 0
        while True:
            raw = stream.readline(CELLS_MAX_LINE_BYTES + 1)
            if not raw:
                return
            number += 1
            if len(raw) > CELLS_MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line: a regular file ends
                    raw = stream.readline(1 << 20)
                yield number, b"", None, f"longer than {CELLS_MAX_LINE_BYTES} bytes"
                continue
            if not raw.endswith(b"\n"):
                return  # torn last line from a crash mid-write
            cell, reason = _cell_of(raw, path, number, expected, first_line)
            yield number, raw, cell, reason


def _cell_of(raw: bytes, path: Path, number: int, expected: Collection[str] | None,
             first_line: dict[str, int]) -> tuple[StoredCell | None, str]:
    """Return the cell one line holds and "", or None and why the line is no cell of this suite."""
    if not raw.strip():
        return None, "an empty line"
    try:
        payload = loads_bounded(raw, field=CELLS_FILE, source=f"{path}: line {number}")
    except BadInputError as exc:
        return None, exc.reason
    if not isinstance(payload, dict):
        return None, f"holds {_JSON_KINDS.get(type(payload), type(payload).__name__)}, not a cell (a JSON object)"
    try:
        cell = StoredCell.from_json(payload)
    except BadInputError as exc:
        return None, f"not a cell: {exc}"
    if cell.key in first_line:
        return None, f"repeats the cell {cell.key} of line {first_line[cell.key]} (a cell stored twice)"
    if expected is not None and cell.key not in expected and cell.identity not in expected:
        return None, f"cell {cell.key} is not a cell of this store's suite (a line of another run?)"
    first_line[cell.key] = number
    return cell, ""


def _checked(root: Path, check: Callable[[RunInfo], None] | None) -> None:
    stored = read_run(root)
    if check is not None:
        check(stored)


def read_run(root: Path | str) -> RunInfo:
    """Return a store's ``run.json`` as a ``RunInfo`` (what an older store lacks is None); raise
    BadInputError when the folder is not a store."""
    path = Path(root) / RUN_FILE
    if path.exists() and not path.is_file():
        raise BadInputError("store", str(root), "run.json is not a regular file")
    if not path.is_file():
        raise BadInputError("store", str(root), "not a qseg store (no run.json)")
    try:
        run = read_json(RUN_FILE, path, max_bytes=RUN_MAX_BYTES)
    except BadInputError as exc:
        raise BadInputError("store", str(root), f"run.json is damaged: {exc.reason}") from None
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
