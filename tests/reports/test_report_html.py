"""``qseg report DIR --html``: one self-contained, valid page, and the report's family split."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qseg.cli import main
from qseg.document import Paragraph, Section, Table, marked, page
from tests.report_support import write_store

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictParser(HTMLParser):
    """Collects tags and fails on any unbalanced or misnested element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.ids: list[str] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(str(values["id"]))
        if tag == "img":
            self.images.append(str(values.get("src")))
        for name in ("href", "src"):
            if values.get(name):
                self.links.append(str(values[name]))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.errors.append(f"end tag for void element <{tag}>")
        elif not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
        else:
            self.stack.pop()


def parse(text: str) -> StrictParser:
    parser = StrictParser()
    parser.feed(text)
    parser.close()
    return parser


def test_the_strict_parser_catches_misnesting():
    assert parse("<p><b>x</p></b>").errors
    assert parse("<div><p>x</div>").errors
    assert not parse("<div><p>x</p><img src='a'></div>").errors and not parse("<div><p>x</p></div>").stack


@pytest.fixture(scope="module")
def reported(tmp_path_factory) -> Path:
    root = write_store(tmp_path_factory.mktemp("html") / "store")
    assert main(["report", str(root), "--html"]) == 0
    return root


def test_html_report_is_valid_and_self_contained(reported):
    text = (reported / "report.html").read_text(encoding="utf-8")
    parsed = parse(text)
    assert parsed.doctype and not parsed.errors and not parsed.stack, (parsed.errors, parsed.stack)
    assert len(parsed.ids) == len(set(parsed.ids)), "ids are unique"
    external = [link for link in parsed.links if not link.startswith(("#", "data:image/png;base64,"))]
    assert external == [], "nothing is fetched: no external link, script or image"
    assert "<style>" in text and "<script>" in text and "<script src" not in text


def test_html_report_embeds_every_figure(reported):
    parsed = parse((reported / "report.html").read_text(encoding="utf-8"))
    figures = sorted((reported / "plots").rglob("*.png"))
    assert len(figures) >= 10
    embedded = {base64.b64decode(src.split(",", 1)[1]) for src in parsed.images}
    assert embedded == {path.read_bytes() for path in figures}
    markdown = (reported / "report.md").read_text()
    assert all(f"plots/{path.parent.name}/{path.name}" in markdown for path in figures)


def test_html_report_has_tables_unscored_cells_versions_and_machine(reported):
    text = (reported / "report.html").read_text(encoding="utf-8")
    assert '<table class="sortable">' in text and '<td class="best">' in text
    assert "Cells without a score" in text and "cell exceeded timeout_s=60" in text and "too many variables for qaoa" in text
    assert "Linux-test-platform" in text and "dimod" in text and "0.12.23" in text
    for problem in ("knapsack", "kmedoids"):
        assert f'id="{problem}"' in text and f'href="#{problem}"' in text


def test_report_splits_tables_by_instance_family(reported):
    markdown = (reported / "report.md").read_text()
    section = markdown.split("### knapsack by instance family", 1)[1].split("\n## ", 1)[0]
    assert "**generated** (2 instances):" in section and "**seed** (1 instance):" in section
    assert "**library** (1 instance):" in section
    pooled = markdown.split("## knapsack\n", 1)[1].split("###", 1)[0]
    assert re.search(r"\| sa \| unbalanced \| 4 \| 4 \|", pooled), "pooled over all four instances"
    assert re.search(r"\| sa \| unbalanced \| 2 \| 2 \|", section), "two of them generated"
    assert "### kmedoids by instance family" in markdown  # seed-000 at two sizes, pmed1


def test_report_summarises_the_performance_profiles(reported):
    markdown = (reported / "report.md").read_text()
    section = markdown.split("### knapsack performance profiles", 1)[1].split("\n##", 1)[0]
    time, quality = section.split("Performance profile on solution quality", 1)
    assert "Performance profile on time to a gap ≤ 1% over 4 instances" in time
    assert "| series | fastest | within 10× of the fastest | gap ≤ 1% at all |" in time
    # cbc runs just before greedy on each instance of the hand-made store, so is fastest on all four
    assert "| cbc / cqm | **100%** | **100%** | **100%** |" in time
    assert "| sa / slack | 0% | 0% | 75% |" in time  # 50x slower, and infeasible on one instance
    assert "| series | best answer | within 1 % of the best | feasible at all |" in quality
    assert "| sa / slack | 0% | 75% | 75% |" in quality


def test_report_into_an_unwritable_place_is_exit_2_naming_the_path(tmp_path, capsys):
    root = write_store(tmp_path / "store")
    (root / "report.html").mkdir()
    assert main(["report", str(root), "--html"]) == 2
    err = capsys.readouterr().err
    assert f"out={root / 'report.html'}" in err and "is a folder" in err
    assert not (root / "report.md").exists(), "refused before writing anything"
    (root / "report.html").rmdir()
    (root / "plots").write_text("a file where the figures go")
    assert main(["report", str(root)]) == 2
    assert f"out={root / 'plots'}" in capsys.readouterr().err
    assert not list(root.glob(".*.tmp"))


def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    from qseg.reports import report

    target = tmp_path / "report.html"
    target.write_text("the previous report")

    def broken(self: Path, *args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", broken)
    with pytest.raises(OSError, match="No space left") as caught:
        report._write_text(target, "<html>new</html>")
    assert caught.value.filename == str(target)  # the CLI names it: one line, exit 74
    monkeypatch.undo()
    assert target.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_page_escapes_text_and_marks_best_cells():
    sections = [Section("t <1>", 1, (Paragraph(marked("a `code` & **bold**")),)),
                Section("s", 2, (Table(("a", "b"), (("<x>", "1"),), frozenset({(0, 1)})),))]
    text = page("t", sections, lambda path: b"")
    assert "&lt;x&gt;" in text and "<code>code</code> &amp; <strong>bold</strong>" in text
    assert '<td class="best">1</td>' in text and not parse(text).errors
