"""The demo page: sections of paragraphs, tables and figures (``qseg.document``) built from a
DemoResult, rendered as ``demo.md`` (figures as files beside it) and as a self-contained
``demo.html`` (inline CSS, figures base64-embedded, no script).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from qseg.document import Block, Figure, PageStyle, Paragraph, Section, Table, Text, bold, markdown, marked, page
from qseg.workflows.demo.plots import MEDOIDS_FIGURE, PMEDIAN_FIGURE, SEGMENTS_FIGURE, TARGETING_FIGURE
from qseg.workflows.demo.results import BinningRun, DemoResult, KMedoidsRun, MedoidRow, MethodRow, RfmRun, TargetingRun

DASH = "–"
TIME_NOTE = "Times are measured on this run (model build, solve and evaluation); every other number is seeded."


def heading(text: Text, level: int = 2) -> Section:
    """Return an empty section titled ``text`` (level 1 is the page title); ``page_sections``
    gives it the blocks that follow it."""
    return Section(text, level)


def image(file: str, alt: str) -> Figure:
    """Return the figure ``file`` (beside the page) with ``alt`` as its caption."""
    return Figure(Path(file), alt)


def page_blocks(result: DemoResult) -> list[Section | Block]:
    """Return the demo page's blocks, in reading order."""
    settings = result.settings
    verdict = "reproduced" if result.reproduced else "**NOT reproduced**"
    blocks: list[Section | Block] = [
        heading("qseg demo: the seed notebook on seed-000", 1),
        _paragraph(f"The seed notebook (segmentation, then targeting, classically and as QUBOs) end to end on its own "
                  f"250 customers (`seed-000`, K = 4, budget 2000), offline, every solve seeded. Simulated annealing "
                  f"(`sa`) runs {settings.num_reads} reads of {settings.num_sweeps} sweeps"
                  + (" (the test's **quick** settings)" if settings.quick else "")
                  + f". The exact values docs/architecture.md §8 states for seed-000 are {verdict}. Whole run: "
                  f"{result.seconds:.1f} s."),
        checks_table(result),
        heading("1. Segments: the notebook's k-means"),
        _paragraph("Lloyd's k-means on the three features from K customers drawn with `default_rng(7)`, as the "
                  "notebook calls it; the targeted customers are the exact MILP's at each budget."),
        segments_table(result),
        image(SEGMENTS_FIGURE, "k-means segments with the targeted customers marked"),
        heading("2. Targeting: MILP, greedy and the three knapsack QUBOs"),
        _paragraph("Maximise the expected profit `uplift · value − cost` of the targeted customers under the budget. "
                  "The exact answer is CBC on the constrained model (the notebook's PuLP MILP); greedy takes "
                  "customers by profit/cost while they fit and earn (the notebook's fallback); the three QUBOs run on "
                  "`sa`. Gap: shortfall from the exact profit. Feasible: the best read is within the budget (in "
                  "brackets, the share of reads that are)."),
    ]
    for run in result.targeting:
        blocks += [heading(run.label, 3), _paragraph(_targeting_reading(run)),
                   targeting_table(run)]
    blocks.append(image(TARGETING_FIGURE, "spend and profit per targeting method"))
    blocks += kmedoids_blocks(result.kmedoids, settings.assignment_reads)
    blocks += binning_blocks(result.binning)
    blocks += rfm_blocks(result.rfm)
    blocks += [heading("How this page was made"),
               _paragraph(f"`qseg demo --out DIR` (target: at most 2 minutes on 2 cores). {TIME_NOTE} The gap, "
                         "feasibility and time columns are the harness's own records (`qseg.solve`, "
                         "`solve_baseline`), scored on the constrained model.")]
    return blocks


def checks_table(result: DemoResult) -> Table:
    """Return the table of the exact values the demo must reproduce."""
    rows = tuple((check.what, f"{check.expected:.3f}", _number(check.found, "{:.3f}"), "yes" if check.ok else bold("no"))
                 for check in result.checks)
    return Table(("exact value (docs/architecture.md §8)", "stated", "this run", "reproduced"), rows)


def segments_table(result: DemoResult) -> Table:
    """Return one row per k-means segment: size, mean profit and the customers targeted at each
    budget (the notebook's ``summary_segments``)."""
    frame = pd.DataFrame({"segment": result.segments, "profit": result.customers["profit"].to_numpy()})
    header = ["segment", "customers", "mean profit"] + [f"targeted, {run.short}" for run in result.targeting]
    rows = []
    for segment, members in frame.groupby("segment"):
        index = members.index.to_numpy()
        targeted = [str(int(pd.Index(run.targeted).isin(index).sum())) for run in result.targeting]
        rows.append((str(segment), str(len(members)), f"{members['profit'].mean():.2f}", *targeted))
    return Table(tuple(header), tuple(rows))


def targeting_table(run: TargetingRun) -> Table:
    """Return the gap / feasibility / time table of one budget."""
    header = ("method", "variables", "profit", "gap", "spend", "targeted", "feasible (reads)", "time (s)", "note")
    rows = tuple(
        (row.method, _number(row.variables, "{:,}"), _number(row.objective, "{:.3f}"), _gap(row.gap),
         f"{row.spend:.2f}", str(row.targeted), _feasible(row), f"{row.seconds:.2f}", row.note or DASH)
        for row in run.rows
    )
    return Table(header, rows)


def medoid_table(rows: Sequence[MedoidRow]) -> Table:
    """Return the gap / feasibility / time table of k-medoids methods."""
    header = ("method", "variables", "p-median cost", "gap", "medoids", "feasible (reads)", "time (s)", "note")
    return Table(header, tuple(
        (row.method, _number(row.variables, "{:,}"), _number(row.objective, "{:.3f}"), _gap(row.gap),
         " ".join(str(m) for m in row.medoids) or DASH, _feasible(row), f"{row.seconds:.2f}", row.note or DASH)
        for row in rows
    ))


def kmedoids_blocks(run: KMedoidsRun, reads: int) -> list[Section | Block]:
    """Return the k-medoids section: the N-variable QUBOs and classical methods on seed-000, then
    the notebook's assignment QUBO on a prefix, with both figures."""
    return [
        heading("3. k-medoids: the p-median, classically and as QUBOs"),
        _paragraph(f"Choose K = {run.k} medoids minimising the summed distance of every customer to its nearest one. "
                  "Exact: HiGHS on the facility-location constrained model. The two N-variable QUBOs (`selection`, "
                  "`bauckhage`) run once on `sa`; the raw row is the sampler's own best read, the polished row the "
                  "same reads after the PAM swap polish. Feasible: exactly K medoids."),
        medoid_table(run.rows),
        _paragraph(f"The notebook's own QUBO (`assignment`: a medoid bit per customer and an assignment bit per pair) "
                  f"has N² + N = {run.full_assignment_variables:,} variables at N = 250, too many for `sa` within the "
                  f"demo's two minutes. It runs here on the **first {run.prefix} customers** of seed-000 "
                  f"({run.prefix_rows[-1].variables or 0:,} variables, {reads} reads; the notebook asked for 300 "
                  "reads at N = 250), against the exact p-median of the same customers."),
        medoid_table(run.prefix_rows),
        image(MEDOIDS_FIGURE, "k-medoids segments with each method's medoids marked"),
        image(PMEDIAN_FIGURE, "p-median cost per k-medoids method"),
    ]


def binning_blocks(run: BinningRun) -> list[Section | Block]:
    """Return the short propensity-binning section (``qseg solve binning``)."""
    header = ("method", "variables", "revenue", "gap", "feasible (reads)", "time (s)", "note")
    rows = tuple((row.method, _number(row.variables, "{:,}"), _number(row.objective, "{:,.1f}"), _gap(row.gap),
                  _feasible(row), f"{row.seconds:.2f}", row.note or DASH) for row in run.rows)
    return [
        heading("4. Propensity binning"),
        _paragraph(f"`qseg solve binning` (the Smart Segment seed): {run.customers:,} generated customers "
                  f"(`{run.instance}`) sorted by propensity, cut into {run.bins} contiguous bins to maximise revenue "
                  "minus cost under the minimum bin size; the exact layered DP is the reference, the QUBO the "
                  "domain-wall encoding of the cuts."),
        Table(header, rows),
    ]


def rfm_blocks(run: RfmRun) -> list[Section | Block]:
    """Return the short RFM section (``qseg segment generated``)."""
    header = ("method", "clusters", "p-median cost", "excess", "silhouette", "stability ARI", "time (s)")
    rows = []
    shared = run.table["clusters"].map(run.table["clusters"].value_counts()) > 1
    for row, compared in zip(run.table.itertuples(index=False), shared, strict=True):
        stability = DASH if pd.isna(row.stability_ari_mean) else f"{row.stability_ari_mean:.2f} ({row.stability})"
        rows.append((str(row.method), f"{row.clusters}" + (f" (+{row.noise} noise)" if row.noise else ""),
                     _number(row.pmedian_cost, "{:.2f}"), _number(row.cost_excess, "{:+.2%}") if compared else DASH,
                     _number(row.silhouette, "{:.3f}"), stability, f"{row.seconds:.2f}"))
    return [
        heading("5. RFM segmentation"),
        _paragraph(f"`qseg segment generated` (the Online Retail seed's workflow): {run.customers:,} customers from "
                  f"generated invoices, log-scaled RFM features, K = {run.k}; the QUBO route (`sa` on `selection`, "
                  f"{run.reads} reads, polish and refinement) beside the classical methods. Stability: mean adjusted "
                  f"Rand index over {run.resamples} bootstrap refits. Excess: p-median cost over the lowest at the same "
                  "number of clusters (none when a method is alone at its count: HDBSCAN finds its own)."),
        Table(header, tuple(rows)),
    ]


def page_sections(items: Sequence[Section | Block]) -> list[Section]:
    """Return ``items`` (headings, each followed by its blocks) as sections."""
    sections: list[Section] = []
    for item in items:
        if isinstance(item, Section):
            sections.append(item)
        else:
            last = sections[-1]
            sections[-1] = Section(last.title, last.level, (*last.blocks, item))
    return sections


def render_markdown(items: Sequence[Section | Block]) -> str:
    """Return the page as GitHub-flavoured markdown (figures linked as files beside it)."""
    return markdown(page_sections(items))


def render_html(items: Sequence[Section | Block], figures: Path) -> str:
    """Return the page as one self-contained HTML document: inline CSS, each figure read from
    ``figures`` and embedded as base64, no script."""
    sections = page_sections(items)
    title = sections[0].title if sections else "qseg demo"
    style = PageStyle(CSS, sortable=False, nav=False, main=True)
    return page(title, sections, lambda figure: (figures / figure).read_bytes(), style)


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 72rem; margin: 0 auto; padding: 1.5rem 2rem 3rem; background: #fff; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; } h3 { margin-top: 1.4rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.88rem; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.55rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } tbody tr:nth-child(even) { background: #fafafa; }
code { background: #f3f3f3; padding: 0 0.2rem; border-radius: 3px; }
figure { margin: 1rem 0; } img { max-width: 100%; height: auto; } figcaption { color: #666; font-size: 0.85rem; }
"""


def _paragraph(text: str) -> Paragraph:
    """Return the page's own ``text`` (with ```code``` and ``**bold**`` marks) as a paragraph."""
    return Paragraph(marked(text))


def _targeting_reading(run: TargetingRun) -> str:
    exact = run.rows[0]
    binds = exact.spend >= 0.99 * run.budget
    state = "binds" if binds else "does not bind"
    return (f"Budget {run.budget:,.2f}. The exact answer targets {exact.targeted} customers for a profit of "
            f"{run.optimum:.3f} and spends {exact.spend:.2f}: the budget {state}.")


def _number(value: float | int | None, spec: str) -> str:
    return DASH if value is None or (isinstance(value, float) and pd.isna(value)) else spec.format(value)


def _gap(gap: float | None) -> str:
    return DASH if gap is None else f"{gap:.2%}"


def _feasible(row: MethodRow) -> str:
    verdict = "yes" if row.feasible else "no"
    return verdict if row.feasible_fraction is None else f"{verdict} ({row.feasible_fraction:.0%})"
