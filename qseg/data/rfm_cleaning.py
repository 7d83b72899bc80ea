"""The seed notebook's cleaning of Online Retail transactions, each rule counted.

Rules run in this order, each on the rows the previous ones kept, so a row is counted once, under
the first rule that removes it (``CLEANING_RULES`` says what each means):

1. ``cancelled_invoice``: ``InvoiceNo`` starts with ``C``;
2. ``missing_customer``: no ``CustomerID``;
3. ``non_positive_quantity``: ``Quantity <= 0``;
4. ``non_positive_price``: ``UnitPrice <= 0``;
5. ``non_product_code``: ``StockCode`` is one of ``NON_PRODUCT_CODES`` (postage, discount,
   manual, dotcom postage, bank charges);
6. ``description_filled`` (drops nothing): a missing ``Description`` takes its stock code's most
   common description among the kept rows (ties: the alphabetically first); the step's
   ``filled`` counts them. The notebook fills before rule 5; filling after it counts only rows
   that stay.

The kept rows gain ``TotalPrice = Quantity * UnitPrice``, and ``CustomerID`` becomes text without
a float's ``.0`` (``17850``, ``17850.0`` and ``"17850.0"`` are the same customer, ``"17850"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import pandas as pd

from qseg.data.transactions import ONLINE_RETAIL_COLUMNS
from qseg.errors import BadInputError

NON_PRODUCT_CODES = ("POST", "D", "M", "DOT", "BANK CHARGES")
CLEANING_RULES: dict[str, str] = {
    "cancelled_invoice": "cancelled invoices (InvoiceNo starting with C)",
    "missing_customer": "rows without a CustomerID",
    "non_positive_quantity": "Quantity <= 0",
    "non_positive_price": "UnitPrice <= 0",
    "non_product_code": f"non-product stock codes ({', '.join(NON_PRODUCT_CODES)})",
    "description_filled": "missing Description filled from the stock code's most common one (drops nothing)",
}


class CleaningStepJSON(TypedDict):
    """One cleaning rule as JSON: its name, the rows it dropped and the rows it filled."""

    rule: str
    dropped: int
    filled: int


class CleaningReportJSON(TypedDict):
    """A cleaning report as JSON (``CleaningReport.to_json``)."""

    rows_in: int
    steps: list[CleaningStepJSON]
    rows_out: int
    customers: int


@dataclass(frozen=True)
class CleaningStep:
    """One rule of the cleaning: rows it dropped and, for ``description_filled``, rows it filled."""

    rule: str
    dropped: int
    filled: int = 0

    def to_json(self) -> CleaningStepJSON:
        """Return the step as a JSON-ready dict."""
        return {"rule": self.rule, "dropped": self.dropped, "filled": self.filled}


@dataclass(frozen=True)
class CleaningReport:
    """Rows in, the rules in order with their counts, rows out and the customers that remain."""

    rows_in: int
    steps: tuple[CleaningStep, ...]
    rows_out: int
    customers: int

    def to_json(self) -> CleaningReportJSON:
        """Return the report as a JSON-ready dict."""
        return {"rows_in": self.rows_in, "steps": [step.to_json() for step in self.steps],
                "rows_out": self.rows_out, "customers": self.customers}

    def step(self, rule: str) -> CleaningStep:
        """Return the step of ``rule`` (KeyError when the report has no such rule)."""
        for step in self.steps:
            if step.rule == rule:
                return step
        raise KeyError(rule)


def clean_transactions(frame: pd.DataFrame) -> tuple[pd.DataFrame, CleaningReport]:
    """Return the kept rows (canonical columns plus ``TotalPrice``, a fresh 0..n-1 index) and the
    cleaning report, for a frame typed like ``read_transactions``'s result.

    Raises BadInputError for a missing column, an amount that is not a finite number, dates that
    are not datetimes, no rows at all, or no rows left (naming the rule that removed the last).
    """
    _check(frame)
    rows_in = len(frame)
    if rows_in == 0:
        raise BadInputError("transactions", "0 rows", "there are no transactions to clean")
    customer = _customer_ids(frame["CustomerID"])
    # Every rule's mask over all rows; a row counts under the first rule that removes it.
    rules = (
        ("cancelled_invoice", _cancelled(frame["InvoiceNo"])),
        ("missing_customer", pd.isna(customer)),
        ("non_positive_quantity", ~(frame["Quantity"].to_numpy(dtype=float) > 0)),
        ("non_positive_price", ~(frame["UnitPrice"].to_numpy(dtype=float) > 0)),
        ("non_product_code", frame["StockCode"].isin(NON_PRODUCT_CODES).to_numpy(dtype=bool)),
    )
    steps: list[CleaningStep] = []
    alive = np.ones(rows_in, dtype=bool)
    left = rows_in
    for rule, removes in rules:
        dropped = int(np.count_nonzero(removes & alive))
        steps.append(CleaningStep(rule, dropped))
        if dropped == left:
            raise BadInputError("transactions", f"{rows_in} rows",
                                f"no rows left after rule {rule} ({CLEANING_RULES[rule]}), which dropped the last "
                                f"{dropped}; dropped per rule: {_counts(steps)}")
        alive &= ~removes
        left -= dropped
    keep = np.flatnonzero(alive)
    kept = {name: frame[name].to_numpy()[keep] for name in ONLINE_RETAIL_COLUMNS.values()}
    kept["CustomerID"] = customer[keep]
    kept["Description"], filled = _fill_descriptions(kept["StockCode"], kept["Description"])
    steps.append(CleaningStep("description_filled", 0, filled))
    clean = pd.DataFrame(kept)
    clean["TotalPrice"] = clean["Quantity"].to_numpy() * clean["UnitPrice"].to_numpy()
    report = CleaningReport(rows_in, tuple(steps), len(clean), int(pd.unique(kept["CustomerID"]).size))
    return clean, report


def _check(frame: pd.DataFrame) -> None:
    required = list(ONLINE_RETAIL_COLUMNS.values())
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise BadInputError("column", missing[0], f"missing; required columns: {', '.join(required)}")
    for column in ("Quantity", "UnitPrice"):
        if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column]):
            raise BadInputError(column, str(frame[column].dtype), "must be numeric (read with read_transactions)")
        bad = np.flatnonzero(~np.isfinite(frame[column].to_numpy(dtype=float, na_value=np.nan)))
        if bad.size:
            raise BadInputError(column, frame[column].iloc[bad[0]], f"data row {bad[0] + 1} is not a finite number")
    if not pd.api.types.is_datetime64_any_dtype(frame["InvoiceDate"]):
        raise BadInputError("InvoiceDate", str(frame["InvoiceDate"].dtype), "must be datetimes (read with read_transactions)")


def _counts(steps: list[CleaningStep]) -> str:
    return ", ".join(f"{step.rule} {step.dropped}" for step in steps)


def _cancelled(invoice: pd.Series) -> np.ndarray:
    """Return which rows have an invoice number starting with ``C``, tested once per distinct number."""
    codes, uniques = pd.factorize(invoice)
    starts = np.asarray(pd.Index(uniques).astype(str).str.strip().str.startswith("C"), dtype=bool)
    cancelled: np.ndarray = np.append(starts, False)[codes]  # code -1 (no invoice number) picks the trailing False
    return cancelled


def _customer_ids(column: pd.Series) -> np.ndarray:
    """Return the customer ids as text (missing: None), normalised once per distinct value: a
    whole number written as a float (``17850.0``) loses its ``.0``."""
    codes, uniques = pd.factorize(column)
    if pd.api.types.is_float_dtype(pd.Index(uniques).dtype):
        numbers = np.asarray(uniques, dtype=float)
        whole = np.isfinite(numbers) & (numbers == np.round(numbers)) & (np.abs(numbers) < 2.0**53)
        integers = np.round(np.where(whole, numbers, 0.0)).astype(np.int64)
        text = np.where(whole, integers.astype(str), numbers.astype(str)).astype(object)
    else:
        stripped = pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.strip()
        text = stripped.str.replace(r"^(\d+)\.0*$", r"\1", regex=True).to_numpy(dtype=object)
        text[(stripped == "").to_numpy()] = None
    ids: np.ndarray = np.append(text, np.array([None], dtype=object))[codes]  # code -1 (missing) picks the None
    return ids


def _fill_descriptions(stock: np.ndarray, description: np.ndarray) -> tuple[np.ndarray, int]:
    """Return the descriptions with the missing ones filled (module docstring) and how many were."""
    missing = pd.isna(description)
    if not missing.any():
        return description, 0
    codes = pd.Series(stock)
    wanted = codes.isin(pd.unique(stock[missing])).to_numpy() & ~missing
    if not wanted.any():
        return description, 0
    known = pd.DataFrame({"code": stock[wanted], "text": description[wanted]})
    counts = known.groupby(["code", "text"], sort=True).size().reset_index(name="n")
    # idxmax keeps the first of equal counts and the groups are sorted: ties go to the alphabetically first.
    mode = counts.loc[counts.groupby("code", sort=False)["n"].idxmax()].set_index("code")["text"]
    fill = codes[missing].map(mode).to_numpy(dtype=object)
    filled = description.copy()
    filled[missing] = fill
    return filled, int(pd.notna(fill).sum())
