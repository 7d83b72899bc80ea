"""What ``qseg compare`` writes: the markdown table, ``compare.json`` and ``compare.png``.

Files are written into a temporary folder beside ``--out`` and renamed into place, so a failure
leaves no partial output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import groupby
from pathlib import Path

from qseg.document import Block, Items, Paragraph, Section, Span, Table, Text, bold, code, markdown, marked
from qseg.files import check_output_dir, publish_folder
from qseg.reports.compare import MIN_PAIRS, ChangeJSON, CompareJSON, CompareRow, load_note
from qseg.reports.statistics import format_seconds
from qseg.style import backend_style

MARKDOWN_FILE, JSON_FILE, FIGURE_FILE = "compare.md", "compare.json", "compare.png"
LISTED_CELLS = 30  # cells listed per "only in one run" section of the markdown (compare.json has all)

def backend_colour(solver: str) -> str:
    """Return the backend's fixed colour, the one every report figure uses (``qseg.style``)."""
    return backend_style(solver).colour


def markdown_report(comparison: CompareJSON) -> str:
    """Return the comparison as markdown: the runs, what differs, one table per problem, the
    cells whose status changed and the cells found in one run only."""
    return markdown(compare_sections(comparison))


def compare_sections(comparison: CompareJSON) -> list[Section]:
    """Return the comparison as document sections (``qseg.document``), in reading order."""
    a, b, bootstrap = comparison["run_a"], comparison["run_b"], comparison["bootstrap"]
    runs: list[Text] = []
    for side, run in (("A", a), ("B", b)):
        load = run.get("load_average")
        runs.append((f"{side}: ", code(run["path"]), f": suite {run['suite']}, {run['cells']} cells, "
                     f"git {(run['git_revision'] or '?')[:12]}, started {run['utc']}"
                     + (f", load {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}" if load else "")))
    blocks: list[Block] = [Items(tuple(runs))]
    caution = load_note(a, b)
    if caution:
        blocks.append(Paragraph(caution))
    if comparison["differences"]:
        forced = " (compared with --force)" if comparison["forced"] else ""
        blocks += [Paragraph(f"Differences{forced}:"), Items(tuple(comparison["differences"]))]
    else:
        blocks.append(Paragraph("Same suite, same settings; every cell in both runs."))
    blocks.append(Paragraph(marked(
        f"Changes are B − A over the {comparison['scored']} of {comparison['matched']} matched cells that both "
        f"runs scored. Intervals: paired percentile bootstrap, {bootstrap['resamples']:,} resamples (seed "
        f"{bootstrap['seed']}), {bootstrap['level']:.0%}, over instances (repeats reduced to their median first); "
        f"fewer than {MIN_PAIRS} instances give none. **Bold**: the interval excludes 0 (flagged). A gap is "
        "compared where both runs have one (n = how many instances when not all).")))
    if not comparison["rows"]:
        blocks.append(Paragraph("No cell was scored in both runs."))
    sections = [Section("qseg compare", 1, tuple(blocks))]
    for problem, rows in groupby(comparison["rows"], key=lambda row: row["problem"]):
        sections.append(Section(problem, 2, (problem_table(list(rows)),)))
    if comparison["status_changes"]:
        sections.append(Section("Cells whose status changed", 2, (Table(("cell", "A", "B"), tuple(
            (c["cell"], c["a"], c["b"]) for c in comparison["status_changes"])),)))
    for side, cells in (("A", comparison["only_in_a"]), ("B", comparison["only_in_b"])):
        if cells:
            listed: list[Text] = list(cells[:LISTED_CELLS])
            if len(cells) > LISTED_CELLS:
                listed.append(f"… and {len(cells) - LISTED_CELLS} more (compare.json lists all)")
            sections.append(Section(f"Cells only in {side} ({len(cells)}, not compared)", 2, (Items(tuple(listed)),)))
    return sections


def problem_table(rows: list[CompareRow]) -> Table:
    """Return the table of one problem's rows, flagged changes in bold."""
    swept = any(row["sweep"] for row in rows)
    head = ("backend", "formulation", *(["sweep"] if swept else []), "instances", "median gap A → B", "Δ gap [95% CI]",
            "feasible A → B", "Δ feasible [95% CI]", "median time A → B", "Δ time [95% CI]", "time B/A [95% CI]", "flags")
    table_rows: list[tuple[Text, ...]] = []
    for row in rows:
        gap, feasible, time = row["gap"], row["feasible"], row["time"]
        flags = [name for name, stat in (("gap", gap), ("feasible", feasible), ("time", time)) if stat["flagged"]]
        ratio = _flag(f"×{_g(time['ratio'])}" + _bracket(time["ratio_low"], time["ratio_high"], _g), time["flagged"]) \
            if time["ratio"] is not None else "–"
        table_rows.append((row["backend"], row["formulation"], *([row["sweep"] or "–"] if swept else []),
                           str(row["instances"]), _both(gap, _percent),
                           (_change(gap, _points), _count(gap, row["instances"])),
                           _both(feasible, _rate), _change(feasible, _rate_points),
                           _both(time, _seconds), _change(time, _signed_seconds), ratio, ", ".join(flags) or "–"))
    return Table(head, tuple(table_rows))


def _count(stat: ChangeJSON, instances: int) -> str:
    return f" (n = {stat['pairs']})" if stat["change"] is not None and stat["pairs"] < instances else ""


def _both(stat: ChangeJSON, fmt: Callable[[float], str]) -> str:
    if stat["a"] is None or stat["b"] is None:
        return "–"
    return f"{fmt(stat['a'])} → {fmt(stat['b'])}"


def _change(stat: ChangeJSON, fmt: Callable[[float], str]) -> Span | str:
    if stat["change"] is None:
        return "–"
    return _flag(fmt(stat["change"]) + _bracket(stat["low"], stat["high"], fmt), stat["flagged"])


def _flag(text: str, flagged: bool) -> Span | str:
    return bold(text) if flagged else text


def _bracket(low: float | None, high: float | None, fmt: Callable[[float], str]) -> str:
    return "" if low is None or high is None else f" [{fmt(low)}, {fmt(high)}]"


def _percent(value: float) -> str:
    return f"{value:.2%}"


def _points(value: float) -> str:
    return f"{value * 100:+.2f} pp"


def _rate(value: float) -> str:
    return f"{value:.0%}"


def _rate_points(value: float) -> str:
    return f"{value * 100:+.0f} pp"


def _seconds(value: float) -> str:
    return format_seconds(value)


def _signed_seconds(value: float) -> str:
    return format_seconds(value, signed=True)


def _g(value: float | None) -> str:
    return "–" if value is None else f"{value:.3g}"


def write_compare(comparison: CompareJSON, out: Path | str) -> list[Path]:
    """Write ``compare.md``, ``compare.json`` and ``compare.png`` (when a row has a value to
    plot) into ``out``; return the files written. Everything is written into a temporary folder
    first and renamed into place: nothing partial is left when a step fails."""
    from qseg.reports.compare_figure import plot_comparison

    def write(staging: Path) -> None:
        (staging / MARKDOWN_FILE).write_text(markdown_report(comparison), encoding="utf-8")
        (staging / JSON_FILE).write_text(json.dumps(comparison, indent=2, allow_nan=False) + "\n")
        plot_comparison(comparison, staging / FIGURE_FILE, backend_colour)

    return publish_folder(check_output_dir("out", out), write, owned=(MARKDOWN_FILE, JSON_FILE, FIGURE_FILE))
