"""``qseg.document``: one escaping rule per destination. A hostile name, in any place a page
holds text (title, paragraph, list item, table cell, code span, bold, figure caption), shows as
exactly its characters in markdown (read back with a CommonMark + GFM-tables parser: no HTML, no
link, no emphasis, no extra heading, block or table row) and in HTML (read back with the
standard parser: no element the page did not make)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from qseg.document import (
    Code,
    Figure,
    Items,
    Paragraph,
    Section,
    Table,
    bold,
    code,
    escape_markdown,
    markdown,
    marked,
    page,
    plain_text,
    single_line,
)

markdown_it = pytest.importorskip("markdown_it")

HOSTILE = {
    "script": "<script>alert('suite')</script>",
    "newline heading": "suite\n# heading",
    "crlf row": "a\r\n| x | y |\r\n|---|---|",
    "pipe": "a | b",
    "link": "[click](javascript:alert(1))",
    "image": "![x](http://evil/x.png)",
    "emphasis": "*a* _b_ **c** __d__ ~~e~~",
    "backticks": "``a` b ```",
    "hyperlink formula": "=HYPERLINK(\"http://evil\",\"x\")",
    "cmd formula": "-1+cmd|' /C calc'!A0",
    "at sum": "@SUM(1+1)*cmd|' /C calc'!A0",
    "mathtext": "$x$",
    "entity": "&lt;b&gt; &amp; &#60;",
    "list start": "- item",
    "ordered start": "1. first",
    "quote start": "> quoted",
    "indented": "    four spaces",
    "backslash": "a\\*b\\",
    "html comment": "<!-- x -->",
    "separator": "a\u2028# b\u2029c",
    "trailing hashes": "title ##",
}


def parser() -> object:
    return markdown_it.MarkdownIt("commonmark").enable("table").enable("strikethrough")


def inline_text(tokens: list[object]) -> str:
    """Return what a reader sees of inline tokens (text, code, soft breaks as spaces)."""
    out = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            out.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


def blocks(text: str) -> list[object]:
    return parser().parse(text)


MARKUP = {"html_inline", "html_block", "link_open", "image", "em_open", "s_open", "code_block", "fence",
          "blockquote_open", "bullet_list_open", "ordered_list_open", "hr"}


def markup_of(tokens: list[object]) -> set[str]:
    found = {token.type for token in tokens}
    for token in tokens:
        found |= {child.type for child in token.children or []}
    return found & MARKUP


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_paragraph_is_one_paragraph_showing_its_characters(name):
    tokens = blocks(markdown([Section("t", 1, (Paragraph(name),))]))
    assert [t.type for t in tokens] == ["heading_open", "inline", "heading_close",
                                        "paragraph_open", "inline", "paragraph_close"]
    assert inline_text(tokens[4].children) == single_line(name).strip()
    assert not markup_of(tokens)


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_title_is_one_heading_showing_its_characters(name):
    tokens = blocks(markdown([Section(name, 1), Section(("x ", name), 2)]))
    assert [t.type for t in tokens] == ["heading_open", "inline", "heading_close"] * 2
    assert inline_text(tokens[1].children) == single_line(name).strip()
    assert inline_text(tokens[4].children) == ("x " + single_line(name)).strip()
    assert not markup_of(tokens)


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_table_cell_stays_in_its_cell_and_row(name):
    table = Table(("name", name), ((name, "1"), (code(name), bold(name))), frozenset({(0, 1)}))
    tokens = blocks(markdown([Section("t", 1, (table,))]))
    rows = [t for t in tokens if t.type == "tr_open"]
    cells = [t for t in tokens if t.type == "inline"][1:]
    assert len(rows) == 3 and len(cells) == 6
    shown = single_line(name).strip()
    assert [inline_text(cell.children) for cell in cells] == ["name", shown, shown, "1", single_line(name), shown]
    assert not markup_of(tokens)


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_items_code_and_captions_show_their_characters(name):
    sections = [Section("t", 1, (Items((name, ("a ", code(name)))), Paragraph(marked("`x` and **y** ") + (bold(name),)),
                                 Figure(Path("plots") / "p q.png", name), Code(name + "\n```\n", "json")))]
    tokens = blocks(markdown(sections))
    items = [t for t in tokens if t.type == "list_item_open"]
    assert len(items) == 2 and len([t for t in tokens if t.type == "bullet_list_open"]) == 1
    inlines = [t for t in tokens if t.type == "inline"]
    shown = single_line(name).strip()
    assert inline_text(inlines[1].children) == shown
    assert inline_text(inlines[2].children) == "a " + single_line(name)
    assert inline_text(inlines[3].children) == "x and y " + shown
    assert [c.type for c in inlines[3].children].count("strong_open") == 2
    image = next(c for c in inlines[4].children if c.type == "image")
    assert image.attrs["src"] == "plots/p%20q.png" and inline_text(image.children) == single_line(name)
    fence = next(t for t in tokens if t.type == "fence")
    assert fence.content == (name + "\n```\n\n").replace("\r\n", "\n").replace("\r", "\n") and fence.info == "json"


def test_plain_names_are_left_readable():
    assert escape_markdown("domain_wall sa+polish baseline:greedy knapPI_1_100_1000_1 1.5 s") == \
        "domain_wall sa+polish baseline:greedy knapPI_1_100_1000_1 1.5 s"


def test_marked_reads_only_the_authors_marks():
    assert marked("a `b` **c** d") == ("a ", code("b"), " ", bold("c"), " d")
    assert plain_text(("a", code("`b`"), bold("*c*"))) == "a`b`*c*"


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_name_in_html_makes_no_element_and_shows_its_characters(name):
    sections = [Section(name, 1, (Paragraph(name), Items((name,)), Table((name,), ((code(name),),)), Code(name))),
                Section(("x", bold(name)), 2, (Figure(Path("f.png"), name),))]
    text = page(name, sections, lambda path: b"png")
    found = Elements()
    found.feed(text)
    assert "script" not in found.tags[:-1] and found.tags.count("script") == 1  # the page's own sorting script
    assert set(found.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "nav", "a", "p", "ul", "li",
                               "table", "thead", "tbody", "tr", "th", "td", "code", "pre", "strong", "figure", "img",
                               "figcaption", "script"}
    assert sum(1 for piece in found.text if name in piece) >= 6
