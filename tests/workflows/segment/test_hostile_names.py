"""``qseg segment`` on a transactions file whose name and customer ids are hostile: segment.md
holds no raw markup and no injected heading or table row, features.csv, profiles.csv and the CSV
``--assign`` prints hold no formula cell, and every figure is drawn (``$x$`` never reaches
mathtext), including the segment plots given hostile segment names directly."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qseg.cli import main
from qseg.data.rfm import synthetic_transactions
from qseg.files import FORMULA_STARTS
from qseg.workflows.segment.plots import plot_profile_heatmap, plot_segments
from qseg.workflows.segment.profiles import segment_profiles

markdown_it = pytest.importorskip("markdown_it")

QUICK = ["--backend", "sa", "--param", "num_reads=10", "--param", "num_sweeps=200", "--resamples", "2"]
HOSTILE_IDS = ["=HYPERLINK(\"http://evil\",\"x\")", "-1+cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "$x$ <b>", "\t=tab"]
NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"


def formula_cells(text: str) -> list[str]:
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    return [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not re.fullmatch(NUMBER, cell)]


@pytest.fixture(scope="module")
def transactions(tmp_path_factory) -> Path:
    rows, _ = synthetic_transactions(150, 7)
    ids = rows["CustomerID"].dropna().unique()[:len(HOSTILE_IDS)]
    rows["CustomerID"] = rows["CustomerID"].astype(object)
    for old, new in zip(ids, HOSTILE_IDS, strict=True):
        rows.loc[rows["CustomerID"] == old, "CustomerID"] = new
    path = tmp_path_factory.mktemp("tx") / "tx\n# heading <script>x $x$ | a.csv"
    rows.to_csv(path, index=False)
    return path


def test_segment_writes_no_markup_no_formula_and_every_figure(transactions, tmp_path, capsys):
    out = tmp_path / "$x$ out"
    assert main(["segment", str(transactions), "--k", "3", *QUICK, "--out", str(out)]) == 0
    text = (out / "segment.md").read_text(encoding="utf-8")
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    children = [child for token in tokens for child in token.children or []]
    assert not {t.type for t in tokens + children} & {"html_inline", "html_block", "link_open", "image"}
    assert [t.tag for t in tokens if t.type == "heading_open"] == ["h1"]
    assert sum(t.type == "table_open" for t in tokens) == 4  # cleaning, methods, profiles, steps
    assert not re.search(r"\n#+ heading", text)
    features = (out / "features.csv").read_text(encoding="utf-8")
    assert formula_cells(features) == [] and "'=HYPERLINK" in features and "'=tab" in features  # ids are stripped on reading
    assert formula_cells((out / "profiles.csv").read_text(encoding="utf-8")) == []
    assert all((out / name).stat().st_size > 0 for name in ("segments.png", "profiles.png"))
    capsys.readouterr()
    assert main(["segment", "--assign", str(out / "segmenter.json"), str(transactions)]) == 0
    printed = capsys.readouterr().out
    assert formula_cells(printed) == [] and "'@SUM(1+1)" in printed
    again = pd.read_csv(io.StringIO(printed), dtype={"CustomerID": str})
    assert pd.api.types.is_numeric_dtype(again["Recency"])


def test_segment_plots_draw_hostile_segment_names(tmp_path):
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.random((30, 3)), columns=["Recency", "Frequency", "Monetary"])
    labels = np.repeat([0, 1, 2], 10)
    names = {0: "$x$", 1: "$\\frac{", 2: "<b>$\\undefined$</b>"}
    assert plot_segments(features, labels, names, tmp_path / "s.png").stat().st_size > 0
    features["Monetary"] *= 100
    profiles = segment_profiles(features, labels)
    assert plot_profile_heatmap(profiles, tmp_path / "p.png", names=names,
                                features=["Recency", "Frequency", "Monetary"]).stat().st_size > 0
