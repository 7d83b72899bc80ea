"""A store whose names are hostile (suite, suite path, instances, backends, messages, the store's
own folder), written out by ``qseg report`` and ``qseg compare``: report.md and compare.md hold
no raw markup and no injected heading or table row, report.html no element of the names' making,
cells.csv and the QOBLIB export no formula cell, and every figure is drawn (a ``$x$`` never
reaches mathtext)."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_support import RUN, records

from qseg.document import Figure, Table, plain_text
from qseg.files import FORMULA_STARTS
from qseg.reports.compare import compare_runs
from qseg.reports.compare_page import compare_sections, write_compare
from qseg.reports.frame import load_frame
from qseg.reports.qoblib import write_qoblib
from qseg.reports.report import report_sections, write_report
from qseg.store import read_run

markdown_it = pytest.importorskip("markdown_it")

SCRIPT = "<script>alert('suite')</script>"
INSTANCES = {"generated-n16-s1": "=HYPERLINK(\"http://evil\",\"x\")", "generated-n50-s1": "-1+cmd|' /C calc'!A0",
             "seed-000": "@SUM(1+1)", "knapPI_1_100_1000_1": "pi\n# injected heading\n| x | y |"}
BACKEND = "$x$ <b>b</b>|"
NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"


def hostile_store(root: Path) -> Path:
    """Write the hand-made store with hostile names at ``root``; return it."""
    cells = records()
    for cell in cells:
        cell.update(num_reads=10, eps=1e-6, bound=None, num_interactions=5)
        cell["instance"] = INSTANCES.get(cell["instance"], cell["instance"])
        if cell["backend"] == "tabu":
            cell["backend"] = cell["spec"]["backend"] = BACKEND
        if cell["message"]:
            cell["message"] = "=cmd|x\n## injected"
    run = copy.deepcopy(RUN)
    run["suite"].update(name=SCRIPT, path="suites/a\n# heading.toml")
    run["platform"] = "$\\frac{$ `code` *em*"
    root.mkdir(parents=True)
    (root / "run.json").write_text(json.dumps({**run, "cells": len(cells)}))
    (root / "cells.jsonl").write_text("".join(json.dumps(c) + "\n" for c in cells))
    return root


def expected_shape(sections: list) -> tuple[list[str], int]:
    """Return the headings' texts and the table rows (headers included) the sections hold."""
    titles = [" ".join(plain_text(section.title).split()) for section in sections]
    rows = sum(len(block.rows) + 1 for section in sections for block in section.blocks if isinstance(block, Table))
    return titles, rows


def check_markdown(text: str, sections: list) -> None:
    """Assert ``text`` parses to exactly the sections' headings, table rows and images, with no
    HTML or link, and that no line of it is a heading the sections did not make."""
    tokens = markdown_it.MarkdownIt("commonmark").enable("table").parse(text)
    children = [child for token in tokens for child in token.children or []]
    assert not {t.type for t in tokens + children} & {"html_inline", "html_block", "link_open"}
    figures = sum(isinstance(block, Figure) for section in sections for block in section.blocks)
    assert sum(1 for child in children if child.type == "image") == figures
    headings = [" ".join(tokens[i + 1].content.replace("\\", "").split()) for i, t in enumerate(tokens)
                if t.type == "heading_open"]
    titles, rows = expected_shape(sections)
    assert len(headings) == len(titles)
    assert sum(1 for t in tokens if t.type == "tr_open") == rows
    assert not re.search(r"\n#+ (injected|heading)", text)


def check_csv(path: Path) -> None:
    cells = [cell for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))) for cell in row]
    formulas = [cell for cell in cells if cell.startswith(FORMULA_STARTS) and not re.fullmatch(NUMBER, cell)]
    assert formulas == []
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = hostile_store(tmp_path_factory.mktemp("hostile") / "$x$ store")
    write_report(root, html=True)
    return root


def test_report_md_has_no_markup_or_injected_line(reported):
    sections = report_sections(read_run(reported), load_frame(reported), _figures(reported), reported)
    text = (reported / "report.md").read_text(encoding="utf-8")
    assert text.startswith("# \\<script\\>alert('suite')\\</script\\>: benchmark report\n")
    check_markdown(text, sections)


def _figures(root: Path) -> dict[str, list[Path]]:
    from qseg.reports.figures import FIGURES

    return {problem.name: [problem / f"{name}.png" for name in FIGURES if (problem / f"{name}.png").exists()]
            for problem in sorted((root / "plots").iterdir()) if problem.is_dir()}


def test_report_html_makes_no_element_of_a_name(reported):
    tags = Tags()
    tags.feed((reported / "report.html").read_text(encoding="utf-8"))
    assert tags.tags.count("script") == 1 and "b" not in tags.tags


def test_figures_are_drawn_with_dollar_names(reported):
    figures = _figures(reported)
    assert sum(len(paths) for paths in figures.values()) >= 8


def test_cells_csv_and_the_qoblib_export_have_no_formula_cell(reported, tmp_path):
    check_csv(reported / "cells.csv")
    check_csv(write_qoblib(reported, tmp_path / "qoblib.csv"))


def test_compare_md_has_no_markup_or_injected_line_and_its_figure_is_drawn(tmp_path):
    a = hostile_store(tmp_path / "$a$ <i>run</i>")
    b = hostile_store(tmp_path / "b\n# heading")
    comparison = compare_runs(a, b)
    written = write_compare(comparison, tmp_path / "out")
    text = (tmp_path / "out" / "compare.md").read_text(encoding="utf-8")
    check_markdown(text, compare_sections(comparison))
    assert "compare.png" in {path.name for path in written}
