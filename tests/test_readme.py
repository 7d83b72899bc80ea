"""The README is a quickstart that tells the truth: its Python example prints what the README says
it prints, it stays within 150 lines, and every relative link in it and in docs/ leads somewhere."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").rglob("*.md"))]
MAX_README_LINES = 150
# A time is the one thing a printed line may legitimately change between runs: "1.234 s".
# A time, or the reference's "cached" in its place when an earlier test solved it: both vary.
TIME = re.compile(r"\b(\d+(\.\d+)?\s?s|cached)\b")
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_example(text: str) -> tuple[str, list[str]]:
    """Return (code, expected output) of the README's one python block: the expected output is
    the run of ``# `` lines that ends the block."""
    blocks = [body for language, body in FENCE.findall(text) if language == "python"]
    assert len(blocks) == 1, f"the README should have exactly one python block, found {len(blocks)}"
    lines = blocks[0].rstrip("\n").split("\n")
    expected: list[str] = []
    while lines and lines[-1].startswith("# "):
        expected.insert(0, lines.pop()[2:])
    return "\n".join(lines) + "\n", expected


def normalised(line: str) -> str:
    return TIME.sub("<time>", line.rstrip())


def test_the_readme_python_example_prints_what_the_readme_shows(monkeypatch):
    monkeypatch.delenv("QSEG_INSTANCES_DIR", raising=False)  # the packaged instances alone
    code, expected = python_example(README.read_text(encoding="utf-8"))
    assert expected, "the python block should end with the '# ' lines it prints"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})
    assert [normalised(line) for line in printed.getvalue().splitlines()] == [normalised(line) for line in expected]


def test_the_readme_is_a_quickstart_of_at_most_150_lines():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines"


def slug(heading: str) -> str:
    """Return GitHub's anchor for a markdown heading: lower case, punctuation dropped except
    hyphens and underscores, spaces as hyphens."""
    text = re.sub(r"[`*]", "", heading.strip().lower())
    text = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return {slug(match) for match in re.findall(r"^#{1,6}\s+(.+)$", text, re.MULTILINE)}


def relative_links(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    return [target for target in LINK.findall(text) if not re.match(r"^[a-z]+:", target)]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_points_at_a_file_that_exists(page):
    broken = []
    for target in relative_links(page):
        path_part, _, anchor = target.partition("#")
        destination = (page.parent / path_part).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading with that anchor")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_docs_cover_every_section_the_code_cites():
    cited = set()
    for source in [*(ROOT / "qseg").rglob("*.py"), *(ROOT / "backends").rglob("*.py"), *(ROOT / "benchmarks").rglob("*")]:
        if source.is_file() and source.suffix in (".py", ".toml"):
            cited |= set(re.findall(r"docs/architecture\.md §(\d)", source.read_text(encoding="utf-8")))
    headings = re.findall(r"^## §(\d) ", (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"), re.MULTILINE)
    assert headings == [str(n) for n in range(1, 10)]
    assert cited and cited <= set(headings)


def test_the_readme_solve_example_prints_what_the_readme_shows(capsys, monkeypatch):
    from qseg.cli import main

    monkeypatch.delenv("QSEG_INSTANCES_DIR", raising=False)
    blocks = [body for language, body in FENCE.findall(README.read_text(encoding="utf-8")) if language == "console"]
    assert len(blocks) == 1, f"the README should have exactly one console block, found {len(blocks)}"
    command, *expected = blocks[0].rstrip("\n").split("\n")
    assert command.startswith("$ .venv/bin/qseg ")
    assert main(command.removeprefix("$ .venv/bin/qseg ").split()) == 0
    printed = capsys.readouterr().out.splitlines()
    assert [normalised(line) for line in printed] == [normalised(line) for line in expected]
