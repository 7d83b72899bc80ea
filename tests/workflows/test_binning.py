"""The binning analysis's chart and CSV with hostile text: a ``$x$`` in the title (the data
file's name) or a band label is drawn as typed, and bins.csv holds no formula cell."""

from __future__ import annotations

import pandas as pd

from qseg.files import spreadsheet_safe
from qseg.workflows.binning import chart


def bins_table() -> pd.DataFrame:
    return pd.DataFrame({"band": ["$x$", "=HYPERLINK(\"x\")", "$\\frac{"], "customers": [10, 20, 30],
                         "conversions": [1, 2, 3], "conversion_rate": [0.1, 0.1, 0.1],
                         "net_per_customer": [-2.0, 1.0, 3.0]})


def test_the_chart_draws_dollar_names_as_typed(tmp_path):
    chart(bins_table(), "binning $x$ <b>data</b>.csv", tmp_path / "bins.png")
    assert (tmp_path / "bins.png").stat().st_size > 0


def test_band_labels_are_text_in_the_csv():
    safe = spreadsheet_safe(bins_table())
    assert list(safe["band"]) == ["$x$", "'=HYPERLINK(\"x\")", "$\\frac{"]
    assert list(safe["net_per_customer"]) == [-2.0, 1.0, 3.0]
