"""Invoice-level transactions in the Online Retail layout: reading, column mapping, writing.

One row per invoice line, with the columns of ``ONLINE_RETAIL_COLUMNS`` (role -> column):
``InvoiceNo`` (a leading ``C`` marks a cancellation), ``StockCode``, ``Description``, ``Quantity``,
``InvoiceDate``, ``UnitPrice``, ``CustomerID``, ``Country``. Other layouts name their columns with
a mapping (``parse_column_mapping("invoice:Order,customer:Client")``); ``Description`` and
``Country`` may be absent (the features do not use them) and are then left empty.

``read_transactions`` takes UTF-8 (with or without a byte-order mark), else Latin-1 (the Online
Retail file's encoding); ``parse_transactions`` turns the raw text columns into the typed frame
(also for frames built in memory, such as the generator's):

- ``InvoiceDate`` becomes ``datetime64``. The format is detected once for the whole column, from
  its first value: the Online Retail data set writes month/day/year (``12/1/2010 8:26``), other
  exports ISO (``2010-12-01 08:26:00``); when several formats fit, the one that parses the most
  rows wins, month-first before day-first. A value that does not parse in that format (an empty
  one included) is bad input naming the column and the first bad data row (1-based, after the
  header), never a per-row guess.
- ``Quantity`` and ``UnitPrice`` become ``float64``; a non-numeric, empty, NaN or infinite value
  is bad input naming the row (a file with unknown amounts cannot be cleaned honestly, so no rule
  drops them silently).
- ``InvoiceNo`` and ``StockCode`` must be present on every row (bad input naming the row).
- The other columns are kept as text (``CustomerID`` is normalised later, by the cleaning).
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from qseg.errors import BadInputError
from qseg.files import header_names, short_list

ONLINE_RETAIL_COLUMNS: dict[str, str] = {
    "invoice": "InvoiceNo",
    "stock_code": "StockCode",
    "description": "Description",
    "quantity": "Quantity",
    "invoice_date": "InvoiceDate",
    "unit_price": "UnitPrice",
    "customer": "CustomerID",
    "country": "Country",
}
OPTIONAL_ROLES = ("description", "country")
NUMERIC_ROLES = ("quantity", "unit_price")
TEXT_ROLES = ("invoice", "stock_code", "description", "customer", "country")
REQUIRED_TEXT_ROLES = ("invoice", "stock_code")  # a line without either cannot be counted

# Month-first before day-first: the Online Retail data set is month/day/year.
DATE_FORMATS = (
    "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y",
    "ISO8601",
    "%m-%d-%Y %H:%M", "%m-%d-%Y %H:%M:%S",
    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y",
    "%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y",
    "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y",
)
ENCODINGS = ("utf-8-sig", "latin-1")
_SNIFF_BYTES = 65536


def parse_column_mapping(text: str) -> dict[str, str]:
    """Return the role -> column mapping written ``role:Column,role:Column`` (spaces around
    names are dropped; a column name may contain ``:`` but not ``,``).

    Raises BadInputError("columns", text, ...) for an unknown role, a pair without ``:``, an empty
    name, a role given twice or a column given to two roles.
    """
    mapping: dict[str, str] = {}
    if not text.strip():
        raise BadInputError("columns", text, "expected role:Column pairs separated by commas")
    for pair in text.split(","):
        role, sep, column = (part.strip() for part in pair.partition(":"))
        if not sep or not role or not column:
            raise BadInputError("columns", text, f"{pair.strip()!r} is not role:Column")
        if role in mapping:
            raise BadInputError("columns", text, f"role {role!r} given twice")
        mapping[role] = column
    check_column_mapping(mapping, text)
    return mapping


def check_column_mapping(mapping: Mapping[str, str], shown: object = None) -> None:
    """Raise BadInputError("columns", ...) when ``mapping`` has a role outside
    ``ONLINE_RETAIL_COLUMNS``, an empty column name or one column for two roles; return None
    otherwise."""
    shown = dict(mapping) if shown is None else shown
    if any(not isinstance(column, str) or not column.strip() for column in mapping.values()):
        raise BadInputError("columns", shown, "every role must map to a column name")
    unknown = [role for role in mapping if role not in ONLINE_RETAIL_COLUMNS]
    if unknown:
        raise BadInputError("columns", shown, f"unknown role {unknown[0]!r}; roles: {', '.join(ONLINE_RETAIL_COLUMNS)}")
    targets = list(mapping.values())
    twice = [column for column in targets if targets.count(column) > 1]
    if twice:
        raise BadInputError("columns", shown, f"column {twice[0]!r} is mapped to two roles")


def read_transactions(path: Path, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Return the transactions in the CSV at ``path`` with the canonical Online Retail column
    names (``columns`` maps a role to the file's name for it), typed as in the module docstring.

    Raises BadInputError for a missing, empty, header-only or binary file, a missing column
    (named, with the mapping key when mapped), a mapping naming a column the file lacks, and for
    the first bad date or amount (column and data row named).
    """
    mapping = dict(columns or {})
    check_column_mapping(mapping)
    path = Path(path)
    raw = _read_bytes(path)
    encoding = _encoding(raw)
    try:
        header = pd.read_csv(io.BytesIO(raw), encoding=encoding, nrows=0)
    except (ValueError, pd.errors.ParserError) as exc:
        raise BadInputError("data", str(path), f"not a readable CSV ({exc})") from None
    names = header_names("data", path, header.columns)
    wanted = _file_columns(mapping, set(names), path.name)
    text_columns = {names[wanted[role]]: str for role in TEXT_ROLES + ("invoice_date",) if role in wanted}
    try:
        frame = pd.read_csv(io.BytesIO(raw), encoding=encoding, usecols=[names[c] for c in wanted.values()],
                            dtype=text_columns)
    except (ValueError, pd.errors.ParserError) as exc:
        raise BadInputError("data", str(path), f"not a readable CSV ({exc})") from None
    if len(frame) == 0:
        raise BadInputError("data", str(path), "has a header but no data rows")
    frame.columns = [str(name).strip() for name in frame.columns]
    return _typed(frame, wanted, mapping)


def parse_transactions(frame: pd.DataFrame, columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Return ``frame`` (raw rows, e.g. the generator's, dates as text) renamed to the canonical
    columns and typed like ``read_transactions``'s result; the same BadInputErrors, with data
    row = position + 1."""
    mapping = dict(columns or {})
    check_column_mapping(mapping)
    wanted = _file_columns(mapping, {str(c) for c in frame.columns}, "the transactions")
    return _typed(frame.reset_index(drop=True), wanted, mapping)


def write_transactions_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as a UTF-8 CSV at ``path`` through a temporary file in the same folder,
    renamed into place, so a reader never sees half a file; return None."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            frame.to_csv(stream, index=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise BadInputError("data", str(path), "no such file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInputError("data", str(path), f"cannot be read ({exc.strerror})") from None
    if not raw or raw.isspace():
        raise BadInputError("data", str(path), "is empty")
    if b"\x00" in raw[:_SNIFF_BYTES]:
        raise BadInputError("data", str(path), "is a binary file, not a CSV of transactions")
    return raw


def _encoding(raw: bytes) -> str:
    """Return the first of ``ENCODINGS`` that decodes ``raw`` (Latin-1 decodes any bytes)."""
    try:
        raw.decode(ENCODINGS[0])
    except UnicodeDecodeError:
        return ENCODINGS[1]
    return ENCODINGS[0]


def _file_columns(mapping: dict[str, str], present: set[str], where: str) -> dict[str, str]:
    """Return role -> column of the source for every role it has (the optional ones may lack)."""
    wanted: dict[str, str] = {}
    for role, canonical in ONLINE_RETAIL_COLUMNS.items():
        column = mapping.get(role, canonical)
        if column in present:
            wanted[role] = column
        elif role in mapping:
            raise BadInputError("columns", f"{role}:{column}",
                                f"no column {column!r} in {where} ({len(present):,} columns: {short_list(sorted(present))})")
        elif role not in OPTIONAL_ROLES:
            raise BadInputError("column", canonical,
                                f"missing from {where}; map another name with columns={role}:NAME "
                                f"({len(present):,} columns: {short_list(sorted(present))})")
    return wanted


def _typed(frame: pd.DataFrame, wanted: dict[str, str], mapping: dict[str, str]) -> pd.DataFrame:
    out: dict[str, object] = {}
    for role, canonical in ONLINE_RETAIL_COLUMNS.items():
        if role not in wanted:
            out[canonical] = pd.Series(np.nan, index=frame.index, dtype=object)
            continue
        column = frame[wanted[role]]
        label = _label(wanted[role], role, mapping)
        if role in NUMERIC_ROLES:
            out[canonical] = _amounts(column, label)
        elif role == "invoice_date":
            out[canonical] = _dates(column, label)
        else:
            if role in REQUIRED_TEXT_ROLES:
                _present(column, label)
            out[canonical] = column
    return pd.DataFrame(out)


def _label(column: str, role: str, mapping: dict[str, str]) -> str:
    return f"{column} (mapped as {role})" if role in mapping else column


def _present(column: pd.Series, label: str) -> None:
    """Raise BadInputError naming the first empty value of ``column``; return None otherwise."""
    codes, uniques = pd.factorize(column)
    blank = np.asarray(pd.Index(uniques).astype(str).str.strip() == "", dtype=bool)  # tested once per distinct value
    bad = np.flatnonzero(np.append(blank, True)[codes])  # code -1 (missing) picks the trailing True
    if bad.size:
        raise BadInputError(label, column.iloc[bad[0]], f"data row {bad[0] + 1} is empty "
                            f"({bad.size} such rows; rows count from 1 after the header)")


def _amounts(column: pd.Series, label: str) -> pd.Series:
    """Return ``column`` as float64; BadInputError names the first value that is not a finite number."""
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=float, na_value=np.nan)
    else:
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        row = int(bad[0])
        raise BadInputError(label, column.iloc[row], f"data row {row + 1} is not a finite number "
                            f"({bad.size} such rows; rows count from 1 after the header)")
    return pd.Series(values, index=column.index)


def _dates(column: pd.Series, label: str) -> pd.Series:
    """Return ``column`` parsed with the one format that fits it (module docstring), each distinct
    text parsed once (an invoice's lines share its date)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        parsed, fmt = column.reset_index(drop=True), "datetime"
    else:
        codes, uniques = pd.factorize(column)
        texts, fmt = _best_format(pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.strip())
        # A trailing NaT, so code -1 (a missing value) picks it.
        values = np.append(texts.to_numpy(dtype="datetime64[us]"), np.datetime64("NaT", "us"))
        parsed = pd.Series(values[codes])
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if bad.size:
        row = int(bad[0])
        raise BadInputError(label, column.iloc[row], f"data row {row + 1} is not a date in the column's format {fmt} "
                            f"({bad.size} such rows; rows count from 1 after the header)")
    return pd.Series(parsed.to_numpy(), index=column.index)


def _best_format(text: pd.Series) -> tuple[pd.Series, str]:
    """Return ``text`` parsed with the format that fits its first value and parses the most
    values (DATE_FORMATS order breaks ties), and that format."""
    if text.empty:
        return pd.Series([], dtype="datetime64[us]"), "(no dates)"
    first = text.iloc[:1]
    fitting = [fmt for fmt in DATE_FORMATS if pd.to_datetime(first, format=fmt, errors="coerce").notna().all()]
    if not fitting:
        return pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]"), "(none fits its first value)"
    best: tuple[pd.Series, str] | None = None
    for fmt in fitting:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if best is None or parsed.isna().sum() < best[0].isna().sum():
            best = (parsed, fmt)
        if not best[0].isna().any():
            break
    assert best is not None
    return best
