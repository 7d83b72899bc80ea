"""Writing the demo folder: ``demo.md``, ``demo.html`` and the figures, staged in a temporary
folder beside ``--out`` and renamed into place, so a failure leaves nothing partial."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from qseg.demo.page import page_blocks, render_html, render_markdown
from qseg.demo.plots import FIGURES, write_figures
from qseg.demo.results import DemoResult
from qseg.errors import BadInputError

MARKDOWN_FILE = "demo.md"
HTML_FILE = "demo.html"
WRITTEN = (MARKDOWN_FILE, HTML_FILE, *FIGURES)


def check_out(out: Path | str) -> Path:
    """Return ``out`` as a Path; raise BadInputError (field ``out``) when it is an existing file,
    lies under a file, or its nearest existing folder is not writable. Called before any work."""
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise BadInputError("out", str(out), "is an existing file, not a folder")
    existing = path if path.exists() else next(parent for parent in path.absolute().parents if parent.exists())
    if not existing.is_dir():
        raise BadInputError("out", str(out), f"{existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BadInputError("out", str(out), f"{existing} is not writable")
    return path


def write_demo(result: DemoResult, out: Path | str) -> list[Path]:
    """Write the page (markdown and self-contained HTML) and its figures into ``out``; return the
    files written. An existing folder keeps its other files; the demo's own are replaced."""
    out = check_out(out)
    out.absolute().parent.mkdir(parents=True, exist_ok=True)
    # mkdir (not mkdtemp, which makes it 0700) so that the folder renamed into place gets the umask's mode
    staging = out.absolute().parent / f".{out.name}.{uuid.uuid4().hex[:12]}.tmp"
    staging.mkdir()
    try:
        write_figures(result, staging)
        blocks = page_blocks(result)
        (staging / MARKDOWN_FILE).write_text(render_markdown(blocks), encoding="utf-8")
        (staging / HTML_FILE).write_text(render_html(blocks, staging), encoding="utf-8")
        if not out.exists():
            os.rename(staging, out)
        else:
            for name in WRITTEN:
                os.replace(staging / name, out / name)
        return [out / name for name in WRITTEN]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
