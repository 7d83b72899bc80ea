"""A report as plain data (sections of text, tables, figures and code) and its two renderings:
``report.md`` and one self-contained ``report.html`` (inline CSS, figures as base64 data URIs,
a few lines of inline script to sort a table by a column; nothing is fetched over the network).

Text holds two inline marks, as in markdown: ```code``` and ``**bold**``.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Table:
    """A table of text cells; ``bold`` holds the (row, column) positions to mark (best values)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    bold: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True)
class Figure:
    """A PNG figure: ``path`` relative to the report's folder."""

    path: Path
    caption: str


@dataclass(frozen=True)
class Code:
    """A preformatted block (``language`` for markdown's fence)."""

    text: str
    language: str = ""


Block = str | Table | Figure | Code


@dataclass(frozen=True)
class Section:
    """A heading of ``level`` (1 = the page title) followed by its blocks."""

    title: str
    level: int
    blocks: tuple[Block, ...] = field(default_factory=tuple)


# ---- markdown ---------------------------------------------------------------------------------


def markdown(sections: Sequence[Section]) -> str:
    """Return the sections as markdown (GitHub's pipe tables)."""
    lines: list[str] = []
    for section in sections:
        lines += ["#" * section.level + " " + section.title, ""]
        for block in section.blocks:
            lines += [_markdown_block(block), ""]
    return "\n".join(lines)


def markdown_table(table: Table) -> str:
    """Return one table as markdown, bold cells wrapped in ``**``."""
    def cell(row: int, column: int, text: str) -> str:
        text = text.replace("|", "/")
        return f"**{text}**" if (row, column) in table.bold else text

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(r, c, text) for c, text in enumerate(row)) + " |" for r, row in enumerate(table.rows)]
    return "\n".join(lines)


def _markdown_block(block: Block) -> str:
    if isinstance(block, Table):
        return markdown_table(block)
    if isinstance(block, Figure):
        return f"![{block.caption}]({block.path.as_posix()})"
    if isinstance(block, Code):
        return f"```{block.language}\n{block.text}\n```"
    return block


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
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; width: 800px; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 13px; }
code { background: #f3f3f3; padding: 0 3px; border-radius: 3px; }
pre { background: #f6f6f6; padding: .8em; overflow-x: auto; font-size: 12px; }
"""

# Click a header to sort its table by that column; again to reverse. Cells compare by their
# leading number when both have one ("not reached" and "∞" sort as infinity, "–" last).
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
        if (/^(not reached|\\u221e)/.test(text)) return [1, 0];
        var number = parseFloat(text.replace(/[^0-9eE.+-].*$/, ""));
        return isNaN(number) ? [0, text.toLowerCase()] : [0, number];
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


def inline_html(text: str) -> str:
    """Return ``text`` escaped for HTML, with ```code``` and ``**bold**`` marked up."""
    escaped = html.escape(text, quote=False)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", escaped)


def anchor(title: str) -> str:
    """Return the HTML id of a section titled ``title``."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"


def html_table(table: Table) -> str:
    """Return one table as a sortable HTML table, bold cells marked ``best``."""
    head = "".join(f"<th>{html.escape(column)}</th>" for column in table.columns)
    rows = []
    for r, row in enumerate(table.rows):
        cells = "".join(f'<td class="best">{html.escape(text)}</td>' if (r, c) in table.bold else f"<td>{html.escape(text)}</td>"
                        for c, text in enumerate(row))
        rows.append(f"<tr>{cells}</tr>")
    return f'<table class="sortable">\n<thead><tr>{head}</tr></thead>\n<tbody>\n' + "\n".join(rows) + "\n</tbody>\n</table>"


def page(title: str, sections: Sequence[Section], read_image: Callable[[Path], bytes]) -> str:
    """Return the sections as one HTML page; ``read_image(path)`` gives each figure's PNG bytes,
    embedded as a data URI. Level-2 sections are listed in a navigation bar at the top."""
    ids = _unique_ids([anchor(section.title) for section in sections])
    nav = " ".join(f'<a href="#{ids[i]}">{html.escape(s.title)}</a>' for i, s in enumerate(sections) if s.level == 2)
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{html.escape(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>"]
    for index, section in enumerate(sections):
        level = min(max(section.level, 1), 6)
        parts.append(f'<h{level} id="{ids[index]}">{inline_html(section.title)}</h{level}>')
        for block in section.blocks:
            parts.append(_html_block(block, read_image))
        if index == 0 and nav:
            parts.append(f"<nav>{nav}</nav>")
    parts += [f"<script>{SCRIPT}</script>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _unique_ids(ids: list[str]) -> list[str]:
    """Return ``ids`` with repeats suffixed ``-2``, ``-3``, ... (an id names one element)."""
    seen: dict[str, int] = {}
    unique = []
    for name in ids:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return unique


def _html_block(block: Block, read_image: Callable[[Path], bytes]) -> str:
    if isinstance(block, Table):
        return html_table(block)
    if isinstance(block, Figure):
        data = base64.b64encode(read_image(block.path)).decode("ascii")
        caption = html.escape(block.caption)
        return (f'<figure><img alt="{caption}" src="data:image/png;base64,{data}">'
                f"<figcaption>{caption}</figcaption></figure>")
    if isinstance(block, Code):
        return f"<pre>{html.escape(block.text)}</pre>"
    return f"<p>{inline_html(block)}</p>"
