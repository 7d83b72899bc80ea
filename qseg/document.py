"""One document model for every page qseg writes (the report, compare, the demo, segment): plain
data (sections of paragraphs, lists, tables, figures and code) and its two renderings, markdown
and one self-contained HTML page (inline CSS, figures as base64 data URIs, an optional few lines
of inline script to sort a table by a column; nothing is fetched over the network).

Escaping happens here, once per destination, never where text is read:

- Text is a ``str``, a ``Span`` or a tuple of both. A ``str`` is literal: whatever it holds
  (``<script>``, ``|``, ``*``, a newline and ``# heading``) shows as those characters. Marks are
  explicit spans: ``code(text)`` and ``bold(text)``; ``marked(template)`` turns an author's own
  literal with ```code``` and ``**bold**`` marks into spans (never pass it a user's text).
- Markdown: inline text is backslash-escaped (``\\ ` * [ < > | # ~``; ``_`` at a word's edge;
  ``&`` before an entity; ``]`` in a figure's caption; a leading ``-``, ``+``, ``=`` or ``1.`` of
  a block); every line break becomes a space, so a name never starts a block, a heading or a table
  row. Code spans take a fence longer than any backtick run inside them.
- HTML: ``html.escape`` of every text and attribute.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import quote

SpanStyle = Literal["text", "code", "bold"]


@dataclass(frozen=True)
class Span:
    """A run of literal text shown as ``style``: plain text, inline code or bold."""

    text: str
    style: SpanStyle = "text"


Text = str | Span | tuple[str | Span, ...]


def code(text: object) -> Span:
    """Return ``text`` (any value, shown as ``str(value)``) as an inline-code span."""
    return Span(str(text), "code")


def bold(text: object) -> Span:
    """Return ``text`` (any value, shown as ``str(value)``) as a bold span."""
    return Span(str(text), "bold")


_MARK = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*")


def marked(template: str) -> tuple[str | Span, ...]:
    """Return an author's literal ``template`` with its ```code``` and ``**bold**`` marks as
    spans (the rest literal text). Only for text the program itself states: a user's name goes in
    a ``Span`` or a plain ``str``, which are never parsed for marks."""
    parts: list[str | Span] = []
    position = 0
    for match in _MARK.finditer(template):
        if match.start() > position:
            parts.append(template[position:match.start()])
        parts.append(code(match[1]) if match[1] is not None else bold(match[2]))
        position = match.end()
    if position < len(template):
        parts.append(template[position:])
    return tuple(parts)


def spans(text: Text) -> tuple[Span, ...]:
    """Return ``text`` as a tuple of spans (a ``str`` is one plain span)."""
    parts = text if isinstance(text, tuple) else (text,)
    return tuple(part if isinstance(part, Span) else Span(part) for part in parts)


def plain_text(text: Text) -> str:
    """Return ``text`` without its marks (the characters a reader sees)."""
    return "".join(span.text for span in spans(text))


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text."""

    text: Text


@dataclass(frozen=True)
class Items:
    """A bulleted list, one text per item."""

    items: tuple[Text, ...]


Align = Literal["left", "right"]


@dataclass(frozen=True)
class Table:
    """A table of text cells; ``bold`` holds the (row, column) positions to mark (best values);
    ``align`` the alignment of each column (all left when empty)."""

    columns: tuple[Text, ...]
    rows: tuple[tuple[Text, ...], ...]
    bold: frozenset[tuple[int, int]] = frozenset()
    align: tuple[Align, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A PNG figure: ``path`` relative to the page's folder (its file name is kept as given)."""

    path: Path
    caption: str


@dataclass(frozen=True)
class Code:
    """A preformatted block (``language`` for markdown's fence)."""

    text: str
    language: str = ""


Block = Paragraph | Items | Table | Figure | Code


@dataclass(frozen=True)
class Section:
    """A heading of ``level`` (1 = the page title) followed by its blocks."""

    title: Text
    level: int
    blocks: tuple[Block, ...] = field(default_factory=tuple)


# ---- markdown ---------------------------------------------------------------------------------

_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
# Always escaped: they open code, emphasis, links and images (no ``[`` unescaped, so no ``]`` can
# close one), HTML, table cells, headings and strikethrough.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[<>|#~])")
# An underscore inside a word never opens emphasis (CommonMark): ``domain_wall`` stays as it is.
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# What a block's first characters can turn into a list, a quote or a heading.
_BLOCK_START = re.compile(r"^([-+=]|\d+[.)])")


def single_line(text: str) -> str:
    """Return ``text`` with every line break (``\\n``, ``\\r``, the Unicode separators) a space."""
    return _LINE_BREAKS.sub(" ", text)


def escape_markdown(text: str) -> str:
    """Return ``text`` as markdown inline text that shows exactly its characters, on one line."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", single_line(text))
    text = _EDGE_UNDERSCORE.sub(r"\\_", text)
    return _ENTITY.sub(r"\\&", text)


def _markdown_code_span(text: str, in_table: bool) -> str:
    text = single_line(text)
    if not text:
        return ""
    if in_table:
        # GFM splits a row into cells before it reads code spans: a pipe must be escaped even there.
        text = text.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_inline(text: Text, *, in_table: bool = False) -> str:
    """Return ``text`` as one line of markdown, every span escaped for it."""
    out = []
    for span in spans(text):
        if span.style == "code":
            out.append(_markdown_code_span(span.text, in_table))
        elif span.style == "bold":
            inner = escape_markdown(span.text).strip()
            out.append(f"**{inner}**" if inner else "")
        else:
            out.append(escape_markdown(span.text))
    return "".join(out)


def _markdown_block_text(text: Text) -> str:
    """Return ``text`` as a block's line: leading spaces dropped (four would make code) and a
    leading list, quote or setext mark escaped."""
    line = markdown_inline(text).lstrip()
    return _BLOCK_START.sub(lambda match: match[1][:-1] + "\\" + match[1][-1], line)


def markdown(sections: Sequence[Section]) -> str:
    """Return the sections as markdown (GitHub's pipe tables), ending with a newline."""
    lines: list[str] = []
    for section in sections:
        lines += ["#" * min(max(section.level, 1), 6) + " " + markdown_inline(section.title).strip(), ""]
        for block in section.blocks:
            lines += [markdown_block(block), ""]
    return "\n".join(lines)


def markdown_table(table: Table) -> str:
    """Return one table as markdown, bold cells wrapped in ``**``."""
    def cell(row: int, column: int, text: Text) -> str:
        rendered = markdown_inline(text, in_table=True).strip()
        return f"**{rendered}**" if (row, column) in table.bold and rendered else rendered

    rule = "".join("---:|" if _alignment(table, c) == "right" else "---|" for c in range(len(table.columns)))
    lines = ["| " + " | ".join(markdown_inline(column, in_table=True).strip() for column in table.columns) + " |", "|" + rule]
    lines += ["| " + " | ".join(cell(r, c, text) for c, text in enumerate(row)) + " |" for r, row in enumerate(table.rows)]
    return "\n".join(lines)


def _alignment(table: Table, column: int) -> Align:
    return table.align[column] if column < len(table.align) else "left"


def markdown_block(block: Block) -> str:
    """Return one block as markdown."""
    if isinstance(block, Table):
        return markdown_table(block)
    if isinstance(block, Figure):
        # Inside an image's brackets a ``]`` would end the alternative text: escaped there too.
        caption = escape_markdown(block.caption).replace("]", "\\]")
        return f"![{caption}]({quote(block.path.as_posix(), safe='/')})"
    if isinstance(block, Code):
        fence = "`" * max(3, max((len(run) for run in re.findall(r"`+", block.text)), default=0) + 1)
        return f"{fence}{single_line(block.language)}\n{block.text}\n{fence}"
    if isinstance(block, Items):
        return "\n".join("- " + _markdown_block_text(item) for item in block.items)
    return _markdown_block_text(block.text)


# ---- HTML -------------------------------------------------------------------------------------

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a; margin: 0 auto;
       max-width: 1100px; padding: 1em 1.5em 4em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; } h3 { margin-top: 1.5em; }
nav { background: #f6f6f6; padding: .5em 1em; border-radius: 4px; }
nav a { margin-right: 1em; white-space: nowrap; }
table { border-collapse: collapse; margin: .6em 0 1.2em; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
table.sortable th { cursor: pointer; user-select: none; }
table.sortable th:after { content: " \\2195"; color: #999; }
tbody tr:nth-child(even) { background: #fafafa; }
td.best { font-weight: bold; background: #eaf4ea; }
td.number { white-space: nowrap; text-align: right; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; width: 800px; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 13px; }
code { background: #f3f3f3; padding: 0 3px; border-radius: 3px; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: 12px; }
"""

# Click a header to sort its table by that column; again to reverse. Cells compare by their
# leading number when both have one, a time in seconds whatever its unit (µs, ms, s; the
# report's adaptive units); "not reached", "∞" and "> x" (a failed median) sort as infinity,
# "–" last.
SCRIPT = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var up = th.getAttribute("data-order") !== "asc";
      th.setAttribute("data-order", up ? "asc" : "desc");
      function key(row) {
        var text = row.cells[col].textContent.trim();
        if (text === "\\u2013" || text === "") return [2, 0];
        if (/^(not reached|\\u221e|>)/.test(text)) return [1, 0];
        var match = /^([-+]?[0-9.,]+(?:[eE][-+]?[0-9]+)?)\\s*(\\u00b5s|ms|s\\b)?/.exec(text);
        if (!match) return [0, text.toLowerCase()];
        var scale = {"\\u00b5s": 1e-6, "ms": 1e-3}[match[2]] || 1;
        return [0, parseFloat(match[1].replace(/,/g, "")) * scale];
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x[0] !== y[0]) return x[0] - y[0];
        if (x[1] === y[1]) return 0;
        return (x[1] < y[1] ? -1 : 1) * (up ? 1 : -1);
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


@dataclass(frozen=True)
class PageStyle:
    """How a page looks: its CSS, whether tables sort on a click (``script``), whether level-2
    sections are listed in a navigation bar under the first section, and whether the body is
    wrapped in ``<main>``."""

    css: str = CSS
    sortable: bool = True
    nav: bool = True
    main: bool = False


def html_inline(text: Text, *, quote: bool = False) -> str:
    """Return ``text`` escaped for HTML (quotes too when ``quote``), its code and bold spans
    marked up."""
    out = []
    for span in spans(text):
        escaped = html.escape(span.text, quote=quote)
        out.append({"code": f"<code>{escaped}</code>", "bold": f"<strong>{escaped}</strong>"}.get(span.style, escaped))
    return "".join(out)


def anchor(title: Text) -> str:
    """Return the HTML id of a section titled ``title``."""
    return re.sub(r"[^a-z0-9]+", "-", plain_text(title).lower()).strip("-") or "section"


def html_table(table: Table, *, sortable: bool = True) -> str:
    """Return one table as an HTML table (sortable by a click when ``sortable``), bold cells
    marked ``best``, right-aligned (number) cells ``number``: those never wrap, so a value and
    its interval stay on one line."""
    head = "".join(f"<th>{html_inline(column, quote=True)}</th>" for column in table.columns)
    rows = []
    for r, row in enumerate(table.rows):
        cells = "".join(f"<td{_cell_class(table, r, c)}>{html_inline(text, quote=True)}</td>" for c, text in enumerate(row))
        rows.append(f"<tr>{cells}</tr>")
    opening = '<table class="sortable">' if sortable else "<table>"
    return f"{opening}\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"


def _cell_class(table: Table, row: int, column: int) -> str:
    """Return the class attribute of one cell: ``best`` when bold, ``number`` when right-aligned."""
    classes = ["best"] * ((row, column) in table.bold) + ["number"] * (_alignment(table, column) == "right")
    return f' class="{" ".join(classes)}"' if classes else ""


def page(title: Text, sections: Sequence[Section], read_image: Callable[[Path], bytes], style: PageStyle = PageStyle()) -> str:
    """Return the sections as one HTML page; ``read_image(path)`` gives each figure's PNG bytes,
    embedded as a data URI."""
    ids = _unique_ids([anchor(section.title) for section in sections])
    nav = " ".join(f'<a href="#{ids[i]}">{html_inline(plain_text(s.title))}</a>' for i, s in enumerate(sections)
                   if s.level == 2) if style.nav else ""
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{html.escape(plain_text(title))}</title>", f"<style>{style.css}</style>", "</head>", "<body>"]
    if style.main:
        parts.append("<main>")
    for index, section in enumerate(sections):
        level = min(max(section.level, 1), 6)
        parts.append(f'<h{level} id="{ids[index]}">{html_inline(section.title)}</h{level}>')
        for block in section.blocks:
            parts.append(html_block(block, read_image, sortable=style.sortable))
        if index == 0 and nav:
            parts.append(f"<nav>{nav}</nav>")
    if style.main:
        parts.append("</main>")
    if style.sortable:
        parts.append(f"<script>{SCRIPT}</script>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _unique_ids(ids: list[str]) -> list[str]:
    """Return ``ids`` with repeats suffixed ``-2``, ``-3``, ... (an id names one element)."""
    seen: dict[str, int] = {}
    unique = []
    for name in ids:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return unique


def html_block(block: Block, read_image: Callable[[Path], bytes], *, sortable: bool = True) -> str:
    """Return one block as HTML (a figure's PNG read with ``read_image`` and embedded)."""
    if isinstance(block, Table):
        return html_table(block, sortable=sortable)
    if isinstance(block, Figure):
        data = base64.b64encode(read_image(block.path)).decode("ascii")
        caption = html.escape(block.caption)
        return (f'<figure><img alt="{caption}" src="data:image/png;base64,{data}">'
                f"<figcaption>{caption}</figcaption></figure>")
    if isinstance(block, Code):
        return f"<pre>{html.escape(block.text)}</pre>"
    if isinstance(block, Items):
        return "<ul>\n" + "\n".join(f"<li>{html_inline(item)}</li>" for item in block.items) + "\n</ul>"
    return f"<p>{html_inline(block.text)}</p>"
