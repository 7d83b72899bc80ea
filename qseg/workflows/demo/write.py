"""Writing the demo folder: ``demo.md``, ``demo.html`` and the figures, staged in a temporary
folder beside ``--out`` and renamed into place, so a failure leaves nothing partial."""

from __future__ import annotations

from pathlib import Path

from qseg.files import check_output_dir, publish_folder
from qseg.workflows.demo.page import page_blocks, render_html, render_markdown
from qseg.workflows.demo.plots import FIGURES, write_figures
from qseg.workflows.demo.results import DemoResult

MARKDOWN_FILE = "demo.md"
HTML_FILE = "demo.html"
WRITTEN = (MARKDOWN_FILE, HTML_FILE, *FIGURES)


def write_demo(result: DemoResult, out: Path | str) -> list[Path]:
    """Write the page (markdown and self-contained HTML) and its figures into ``out``; return the
    files written. An existing folder keeps its other files; the demo's own are replaced."""
    def write(staging: Path) -> None:
        write_figures(result, staging)
        blocks = page_blocks(result)
        (staging / MARKDOWN_FILE).write_text(render_markdown(blocks), encoding="utf-8")
        (staging / HTML_FILE).write_text(render_html(blocks, staging), encoding="utf-8")

    return publish_folder(check_output_dir("out", out), write, owned=WRITTEN)
