"""Files in and out: output paths checked before any work, outputs written under a temporary
name and renamed into place, input text files read with one-line errors.

A full disk, a permission error or a vanished folder while writing raises ``OSError`` carrying
the path (``filename``) of the output, never a temporary name: the CLI turns it into one line
and exit 74. A failed write leaves neither a 0-byte output nor the temporary file.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import stat
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qseg.errors import BadInputError

SNIFF_BYTES = 1 << 16  # enough of a file to tell text from binary without reading it all


@contextmanager
def replacing(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same folder, same suffix, so writers that infer a
    format from it still do); when the block ends without error the temporary file replaces
    ``path`` in one rename, otherwise it is removed and the error, an ``OSError`` naming
    ``path``, propagates."""
    target = Path(path)
    # pid and a random part: unique per process and per call, so concurrent writers (three
    # `qseg report --html` on one store, forked workers sharing a pid's parent) never share one
    temporary = target.with_name(f".{target.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp{target.suffix}")
    try:
        yield temporary
        os.replace(temporary, target)
    except OSError as exc:
        raise named(exc, target) from exc
    finally:
        temporary.unlink(missing_ok=True)


# the hidden names ``replacing`` and ``publish_folder`` stage under, anywhere in a path
_TEMPORARY = re.compile(r"^\..*\.tmp(\.[^.]*)?$")


def named(exc: OSError, path: Path | str) -> OSError:
    """Return ``exc`` itself when it names a file that is not a temporary one, else an OSError
    of the same kind (errno) naming ``path``: a write that fails mid-stream has no file name."""
    if exc.filename and not any(_TEMPORARY.match(part) for part in Path(str(exc.filename)).parts):
        return exc
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))


def check_output_file(field: str, path: Path | str) -> Path:
    """Return ``path`` when a file can be written there: not a folder, its folder existing and
    writable; else raise BadInputError naming ``field`` (checked before any work starts)."""
    target = Path(path).expanduser()
    if target.is_dir():
        raise BadInputError(field, str(path), "is a folder; give a file name")
    folder = target.parent
    if not folder.exists():
        raise BadInputError(field, str(path), f"folder {folder} does not exist")
    if not folder.is_dir():
        raise BadInputError(field, str(path), f"{folder} is a file, not a folder")
    if not os.access(folder, os.W_OK):
        raise BadInputError(field, str(path), f"folder {folder} is not writable")
    return target


def check_output_dir(field: str, path: Path | str) -> Path:
    """Return ``path`` when it is, or can be created as, a writable folder: not a file, and its
    nearest existing ancestor a writable folder; else raise BadInputError naming ``field`` and
    the path as given. A symlink to an existing folder is followed; a dangling symlink or a
    symlink loop, as the path or as one of its missing ancestors, is refused here, before any
    work (found later it would name a staging folder after the work was done)."""
    target = Path(path).expanduser()
    check_no_broken_link(field, path)
    if target.exists() and not target.is_dir():
        raise BadInputError(field, str(path), "is a file, not a folder")
    ancestor = target
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise BadInputError(field, str(path), f"{ancestor} is a file, not a folder")
    if not os.access(ancestor, os.W_OK):
        raise BadInputError(field, str(path), f"folder {ancestor} is not writable")
    return target


def check_no_broken_link(field: str, path: Path | str) -> None:
    """Raise BadInputError naming ``field`` and ``path`` (as given) when ``path`` or one of its
    ancestors is a dangling symlink or part of a symlink loop."""
    given = Path(path).expanduser()
    try:
        given.resolve(strict=False)
    except (RuntimeError, OSError):  # Python 3.11 raises RuntimeError for a loop, later ones OSError
        raise BadInputError(field, str(path), "is a symlink loop") from None
    for link in (given, *given.parents):
        if link.is_symlink() and not link.exists():
            raise BadInputError(field, str(path), f"{'is' if link == given else f'{link} is'} a symlink to "
                                                  f"{os.readlink(link)}, which does not exist")


def check_not_input(field: str, given: Path | str, outputs: Iterable[Path], inputs: Iterable[Path | str | None]) -> None:
    """Raise BadInputError naming ``field`` and ``given`` (the output path as the user wrote it)
    when one of ``outputs`` (the files a command writes or removes) is one of ``inputs``,
    compared resolved (symlinks followed) and, when both exist, as the same file (hard links)."""
    targets = [Path(output).expanduser() for output in outputs]
    resolved = {_resolved(target): target for target in targets}
    for source in inputs:
        if source is None:
            continue
        path = Path(source).expanduser()
        hit = resolved.get(_resolved(path))
        if hit is None and path.exists():
            hit = next((target for target in targets if target.exists() and _same_file(target, path)), None)
        if hit is not None:
            raise BadInputError(field, str(given), f"would write over the input {source} ({hit.name}); "
                                                   "write to another folder")


def _resolved(path: Path) -> Path:
    try:
        return path.absolute().resolve()
    except (RuntimeError, OSError):
        return path.absolute()


def _same_file(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False


def check_text_file(field: str, path: Path) -> None:
    """Raise BadInputError naming ``field`` and the file when ``path`` cannot be read or its
    start is not UTF-8 text (a NUL byte, or bytes no text encoding of ours holds), so that
    binary data never reaches a parser whose error would be a traceback."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(SNIFF_BYTES)
    except OSError as exc:
        raise BadInputError(field, str(path), f"unreadable ({exc.strerror})") from None
    _check_text(field, path, head, complete=len(head) < SNIFF_BYTES)


def read_text(field: str, path: Path) -> str:
    """Return the text of ``path``; BadInputError naming ``field`` and the file when it cannot
    be read or is not UTF-8 text (the offset of the first bad byte is given)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInputError(field, str(path), f"unreadable ({exc.strerror})") from None
    _check_text(field, path, data, complete=True)
    return data.decode()


def _check_text(field: str, path: Path, data: bytes, *, complete: bool) -> None:
    zero = data.find(b"\0")
    if zero >= 0:
        raise BadInputError(field, str(path), f"not a text file (a NUL byte at offset {zero})")
    try:
        data.decode()
    except UnicodeDecodeError as exc:
        # A sniffed head may end inside a multi-byte character: only that is not an error.
        if complete or exc.start < len(data) - 3:
            raise BadInputError(field, str(path), f"not a UTF-8 text file (byte 0x{data[exc.start]:02x} "
                                                  f"at offset {exc.start})") from None


def bad_line(field: str, path: Path | str, line: int | None, key: str, value: Any, reason: str) -> BadInputError:
    """Return the BadInputError for a bad value inside a file: ``field=PATH: line N: KEY='VALUE':
    REASON`` (the text as written in the file, quoted, so an empty or numeric-looking token shows)."""
    where = f"line {line}: " if line is not None else ""
    return BadInputError(field, str(path), f"{where}{key}={value!r}: {reason}")


def read_csv(field: str, path: Path, **options: Any) -> Any:
    """Return ``pandas.read_csv(path, **options)`` after checking the file is text; any reading
    or parsing error is BadInputError naming ``field`` and the file, its reason on one line."""
    import pandas as pd

    check_text_file(field, path)
    try:
        return pd.read_csv(path, **options)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise BadInputError(field, str(path), f"unreadable CSV ({one_line(exc)})") from None


LISTED_NAMES = 12  # names an error line lists before it says how many more there are


def short_list(names: Iterable[Any], limit: int = LISTED_NAMES) -> str:
    """Return ``names`` joined by commas, cut after ``limit`` with ``... (N more)`` so that an
    error line stays short whatever the file holds (a 100,000-column header)."""
    listed = [str(name) for name in names]
    shown = ", ".join(repr(name) if not name or name != name.strip() else name for name in listed[:limit])
    return shown + (f", ... ({len(listed) - limit:,} more)" if len(listed) > limit else "")


def header_names(field: str, path: Path | str, columns: Iterable[Any]) -> dict[str, Any]:
    """Return, for a CSV header, each column's name with surrounding blanks removed -> the name
    as written; BadInputError naming ``field``, the file and both names when two columns differ
    only by blanks (``' CustomerID '`` beside ``CustomerID``): which one is meant is not ours to
    guess, and keeping either silently would read the wrong column."""
    names: dict[str, Any] = {}
    for column in columns:
        key = str(column).strip()
        if key in names:
            raise BadInputError(field, str(path), f"columns {str(names[key])!r} and {str(column)!r} differ only by "
                                                  "blanks; rename or remove one")
        names[key] = column
    return names


def one_line(exc: BaseException) -> str:
    """Return an exception's message as one line (parsers end theirs with newlines)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def publish_folder(out: Path | str, write: Callable[[Path], None], *, owned: Iterable[str] = ()) -> list[Path]:
    """Write a folder of outputs atomically: ``write(staging)`` fills a temporary folder beside
    ``out``, which then becomes ``out`` in one rename (or, when ``out`` exists, each file written
    replaces its namesake; files of ``owned`` names that were not written this time are removed, so
    a stale figure never survives). Return the files written, sorted. Nothing partial is left when
    ``write`` fails; the caller checks ``out`` first (``check_output_dir``)."""
    target = Path(out).expanduser()
    parent = target.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    # mkdir (not mkdtemp, which makes it 0700) so that a folder renamed into place gets the umask's mode
    staging = parent / f".{target.name}.{uuid.uuid4().hex[:12]}.tmp"
    try:
        staging.mkdir()
        try:
            write(staging)
            names = sorted(path.name for path in staging.iterdir())
            if not target.exists():
                os.rename(staging, target)
            else:
                for name in names:
                    os.replace(staging / name, target / name)
                for stale in set(owned) - set(names):
                    (target / stale).unlink(missing_ok=True)
            return [target / name for name in names]
        finally:
            # Runs on an error, Ctrl-C, and SIGTERM/SIGHUP too (the CLI turns them into an
            # interruption): no staging folder is ever left behind.
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as exc:
        raise named(exc, out) from exc



# ---- CSV for spreadsheets ---------------------------------------------------------------------

# OWASP's CSV-injection rule: a spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def spreadsheet_cell(value: Any) -> Any:
    """Return ``value`` safe for a spreadsheet cell: a text starting with ``= + - @``, a tab or a
    carriage return, and not a plain number, prefixed with ``'`` (shown as text, never run);
    anything else (numbers, a negative number written as text) unchanged."""
    import re

    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not re.fullmatch(_NUMBER, value):
        return FORMULA_GUARD + value
    return value


def spreadsheet_safe(frame: Any) -> Any:
    """Return a copy of the pandas DataFrame ``frame`` whose text cells, column names and index
    labels are ``spreadsheet_cell``-safe (numeric columns untouched): what every CSV the project
    writes from a user's text goes through."""
    import pandas as pd

    def guard(values: pd.Series) -> pd.Series:
        if values.dtype.kind not in "OSU" and not isinstance(values.dtype, pd.StringDtype):
            return values
        text = values.where(values.map(lambda value: isinstance(value, str)).astype(bool), None)
        risky = text.str.match(r"[=+\-@\t\r]", na=False) & ~text.str.fullmatch(_NUMBER, na=False)
        if not risky.any():
            return values
        guarded = values.copy()
        guarded[risky] = FORMULA_GUARD + text[risky]
        return guarded

    safe = frame.copy()
    for position in range(safe.shape[1]):
        safe.isetitem(position, guard(safe.iloc[:, position]))
    safe.columns = pd.Index([spreadsheet_cell(name) for name in safe.columns])
    if not isinstance(safe.index, pd.MultiIndex) and safe.index.dtype.kind == "O":
        safe.index = pd.Index(guard(pd.Series(safe.index, dtype=object)).to_numpy(), name=spreadsheet_cell(safe.index.name))
    return safe


def spreadsheet_rows(rows: Iterable[Iterable[Any]]) -> list[list[Any]]:
    """Return ``rows`` (for ``csv.writer``) with every cell ``spreadsheet_cell``-safe."""
    return [[spreadsheet_cell(value) for value in row] for row in rows]


# --- JSON the tool reads back (saved segmenters, bins, run.json, store lines) -----------------
# A damaged or hostile file gives one BadInputError naming the file, where in it and the value;
# nothing is read past a size bound, nothing parsed past a depth bound, no number is non-finite
# or beyond int64 (issue 23, item 2).

JSON_MAX_BYTES = 16 << 20  # far above any file qseg writes (a segmenter or bins file is a few KB)
JSON_MAX_DEPTH = 32  # qseg's own files nest at most 6 deep; the C parser recurses per level
LARGEST_INTEGER = 2**63 - 1  # what numpy's int64 (indices, seeds, nanoseconds) holds
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
# Tokens that may be a non-finite or out-of-range number; only then is the parsed value walked.
# A refused number needs NaN or Infinity, 19 digits in a row (beyond int64, or a float beyond
# double range) or an exponent of 3 digits or more ending the token: searched in the raw text with
# digits mapped to 0 (strings included: a match inside one only costs the exact check, a walk).
_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789E", b"0000000000e")
_LONG_EXPONENT = re.compile(rb"e[+-]?000+[,}\]\s]|e[+-]?000+$")
_NOT_BRACKETS = bytes(code for code in range(256) if code not in b"[]{}")
_UTF8_BOM = b"\xef\xbb\xbf"


def read_bounded(field: str, path: Path | str, max_bytes: int) -> bytes:
    """Return the bytes of ``path``, reading at most ``max_bytes + 1`` of them: a regular file
    larger than ``max_bytes`` is refused from its size before reading, anything else (a device
    such as /dev/zero, a pipe) once more than ``max_bytes`` arrived. BadInputError naming
    ``field`` and the path when unreadable or too large."""
    try:
        with open(path, "rb") as stream:
            info = os.fstat(stream.fileno())
            if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
                raise BadInputError(field, str(path), f"{info.st_size} bytes, more than the {max_bytes} this file may have")
            data = stream.read(max_bytes + 1)
    except OSError as exc:
        raise BadInputError(field, str(path), f"unreadable ({exc.strerror or one_line(exc)})") from None
    if len(data) > max_bytes:
        raise BadInputError(field, str(path), f"more than the {max_bytes} bytes this file may have (not a regular file?)")
    return data


def read_text_bounded(field: str, path: Path | str, max_bytes: int) -> str:
    """Return the text of ``path`` read with ``read_bounded`` (at most ``max_bytes``), checked as
    ``read_text`` checks it (UTF-8, no NUL byte); BadInputError naming ``field`` and the path."""
    data = read_bounded(field, path, max_bytes)
    _check_text(field, Path(path), data, complete=True)
    return data.decode()


def read_json(field: str, path: Path | str, *, max_bytes: int = JSON_MAX_BYTES,
              max_depth: int = JSON_MAX_DEPTH) -> Any:
    """Return the JSON value held by ``path`` (a leading UTF-8 byte-order mark is allowed),
    read with ``read_bounded`` and parsed with ``loads_bounded``; BadInputError naming
    ``field`` and the path for any damage."""
    data = read_bounded(field, path, max_bytes)
    if not data.strip():
        raise BadInputError(field, str(path), "empty file, expected JSON")
    return loads_bounded(data.removeprefix(_UTF8_BOM), field=field, source=str(path), max_depth=max_depth)


def loads_bounded(data: bytes | str, *, field: str, source: str, max_depth: int = JSON_MAX_DEPTH) -> Any:
    """Return the JSON value of ``data`` (strict UTF-8 when bytes); BadInputError(``field``,
    ``source``, reason) when it is not UTF-8, not JSON, nested deeper than ``max_depth``, or
    holds NaN, Infinity, a float beyond double range or an integer beyond int64 (the reason
    names where: ``medoids[0][1]=1234...``)."""
    raw = data.encode() if isinstance(data, str) else data
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInputError(field, source, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
                                ) from None
    else:
        text = data
    depth = json_depth(raw)  # counting brackets inside strings too: an overestimate, exact when small
    if depth > max_depth:
        depth = json_depth(_JSON_STRING.sub(b'""', raw))  # brackets inside strings are text, not structure
    if depth > max_depth:
        raise BadInputError(field, source, f"nested {depth} levels deep, more than the {max_depth} allowed")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(field, source, f"not JSON ({exc.msg}: line {exc.lineno} column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:  # an integer of more than 4300 digits; a depth the scan missed
        _check_numbers(text, field=field, source=source)
        raise BadInputError(field, source, f"not JSON qseg can read ({one_line(exc)[:120]})") from None
    if _may_hold_a_refused_number(raw) and refused_number(value) is not None:
        _check_numbers(text, field=field, source=source)  # again, keeping each number's text for the message
    return value


def _may_hold_a_refused_number(raw: bytes) -> bool:
    """Return False when JSON text ``raw`` cannot hold NaN, infinity or an integer beyond int64
    (C-speed substring tests; True means "look at the parsed value")."""
    if b"NaN" in raw or b"Infinity" in raw:
        return True
    digits = raw.translate(_DIGITS_AS_ZERO)
    return b"0" * 19 in digits or _LONG_EXPONENT.search(digits) is not None


def json_depth(data: bytes) -> int:
    """Return how deep the arrays and objects of JSON text ``data`` nest, counting every bracket
    (remove the strings first for the exact depth; 0 for a bare number or string); counted
    without parsing, so without recursion."""
    brackets = data.translate(None, _NOT_BRACKETS)  # C speed: a store line keeps a few dozen bytes
    if len(brackets) < 4096:
        depth = deepest = 0
        for code in brackets:
            depth += 1 if code in (0x5B, 0x7B) else -1
            deepest = max(deepest, depth)
        return deepest
    import numpy as np  # here: only a large document needs it

    codes = np.frombuffer(brackets, dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1).astype(np.int64)
    return int(np.cumsum(steps).max())


class _BadNumber:
    """A number token JSON parsed that qseg refuses, kept as written (``NaN``, ``1e999``)."""

    def __init__(self, token: str) -> None:
        self.token = token


def _integer_token(token: str) -> int | _BadNumber:
    if len(token.lstrip("-")) > 19:  # beyond int64 for sure, and int() of 4301+ digits raises
        return _BadNumber(token)
    number = int(token)
    return number if abs(number) <= LARGEST_INTEGER else _BadNumber(token)


def _float_token(token: str) -> float | _BadNumber:
    number = float(token)
    return number if math.isfinite(number) else _BadNumber(token)


def _check_numbers(text: str, *, field: str, source: str) -> None:
    """Raise BadInputError naming the first refused number of JSON ``text`` and where it is."""
    marked = json.loads(text, parse_int=_integer_token, parse_float=_float_token, parse_constant=_BadNumber)
    check_numbers(marked, field=field, source=source)


def check_numbers(value: Any, *, field: str, source: str) -> None:
    """Raise BadInputError(``field``, ``source``, ``WHERE=NUMBER: why``) for the first number in
    the parsed ``value`` that ``refused_number`` finds."""
    found = refused_number(value)
    if found is not None:
        where, token, kind = found
        shown = token if len(token) <= 24 else f"{token[:12]}...({len(token)} characters)"
        raise BadInputError(field, source, f"{where or 'value'}={shown}: {kind}")


def refused_number(value: Any) -> tuple[str, str, str] | None:
    """Return (where, the number as text, why) for the first number in the parsed ``value``
    (nested lists and dicts, as JSON or TOML gives) that is NaN, infinite or an integer beyond
    int64, None when there is none; walked without recursion."""
    if not _holds_a_refused_number(value):
        return None  # the common case, found without building a path per value
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        token = _refused_number(item)
        if token is not None:
            kind = "an integer beyond int64" if token.lstrip("-").isdigit() else "not a finite number"
            return where, token, kind
        if isinstance(item, dict):
            stack.extend((member, _member(where, str(key))) for key, member in reversed(item.items()))
        elif isinstance(item, list):
            stack.extend((member, f"{where}[{index}]") for index, member in reversed(list(enumerate(item))))
    return None


def _holds_a_refused_number(value: Any) -> bool:
    """Return whether a refused number is anywhere in the parsed ``value`` (no paths: fast)."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is float:
            if not math.isfinite(item):
                return True
        elif kind is int:
            if item > LARGEST_INTEGER or item < -LARGEST_INTEGER:
                return True
        elif kind is dict:
            stack.extend(item.values())
        elif kind is list:
            stack.extend(item)
        elif isinstance(item, _BadNumber | float | int) and _refused_number(item) is not None:
            return True
    return False


def _refused_number(item: Any) -> str | None:
    """Return the text of ``item`` when it is a number qseg refuses, else None."""
    if isinstance(item, _BadNumber):
        return item.token
    if isinstance(item, float) and not math.isfinite(item):
        return repr(item)
    if isinstance(item, int) and not isinstance(item, bool) and abs(item) > LARGEST_INTEGER:
        if item.bit_length() < 14000:  # str() of 4301+ digits raises; say how long it is instead
            return str(item)
        return f"{'-' if item < 0 else ''}(about {int(item.bit_length() * 0.30103)} digits)"
    return None


def _member(where: str, key: str) -> str:
    """Return the path of member ``key`` of the object at ``where`` (``medoids``, ``a.b``, or
    ``a['odd key']`` for a key that is no identifier, shortened, so the error stays one line)."""
    if key.isidentifier():
        return f"{where}.{key}" if where else key
    shown = key if len(key) <= 40 else key[:37] + "..."
    return f"{where}[{shown!r}]"
