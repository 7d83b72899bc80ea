"""``qseg.files``' CSV rule (OWASP's, against spreadsheet formula injection): a text cell starting
with ``= + - @``, a tab or a carriage return is prefixed with ``'`` so a spreadsheet shows it as
text; numbers (negative ones too, and numbers written as text) stay numbers."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from qseg.files import FORMULA_STARTS, spreadsheet_cell, spreadsheet_rows, spreadsheet_safe

FORMULAS = ["=HYPERLINK(\"http://evil\",\"x\")", "-1+cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "\t=1", "\r=1", "=1",
            "-", "- 3", "+a"]
NUMBERS = ["-1", "-1.5", "+2", "-1e5", ".5", "3", "-0.25E-3"]


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_cell_is_prefixed(text):
    assert spreadsheet_cell(text) == "'" + text


@pytest.mark.parametrize("value", [*NUMBERS, -1, -1.5, np.float64(-2.0), None, "plain", "a=b", "", "'=x"])
def test_numbers_and_plain_text_are_unchanged(value):
    assert spreadsheet_cell(value) == value or (value is None and spreadsheet_cell(value) is None)


def test_a_frame_is_safe_in_cells_columns_and_index_and_numbers_stay_numbers():
    frame = pd.DataFrame({"name": FORMULAS[:4] + ["ok", None], "value": [-1.0, 2.0, -3.0, 4.0, -5.0, 6.0],
                          "=col": ["-2", "x", "@a", "b", "c", "d"]},
                         index=pd.Index(["=id", "-1", "@x", "a", "+1", "b"], name="CustomerID"))
    safe = spreadsheet_safe(frame)
    assert list(safe["name"])[:5] == ["'" + text for text in FORMULAS[:4]] + ["ok"] and pd.isna(safe["name"].iloc[5])
    assert safe["value"].dtype == float and list(safe["value"]) == list(frame["value"])
    assert list(safe.columns) == ["name", "value", "'=col"] and list(safe["'=col"]) == ["-2", "x", "'@a", "b", "c", "d"]
    assert list(safe.index) == ["'=id", "-1", "'@x", "a", "+1", "b"]
    assert list(frame["name"])[:1] == FORMULAS[:1]  # the input is left alone
    parsed = list(csv.reader(io.StringIO(safe.to_csv())))
    assert not [cell for row in parsed for cell in row if cell.startswith(FORMULA_STARTS) and cell not in
                ("-1", "+1", "-2", "-1.0", "-3.0", "-5.0")]


def test_rows_for_csv_writer_are_safe():
    assert spreadsheet_rows([["=a", 1, "-1"], ["b", -2.5, "@c"]]) == [["'=a", 1, "-1"], ["b", -2.5, "'@c"]]
