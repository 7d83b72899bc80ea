"""What ``qseg segment`` writes, and ``--assign``'s output. Everything is written into a
temporary folder beside the target and moved in only when complete, so a failure leaves no
partial result.

Files: ``segment.md`` (the summary a reader starts from), ``cleaning.json`` (rows in, dropped per
rule, rows out), ``features.csv`` (per customer: features, scaled features, segment, name),
``comparison.csv`` (every method: K, clusters, noise, p-median cost and its excess over the best
method at the same K, silhouette and its sample, Davies–Bouldin, Calinski–Harabasz, stability),
``profiles.csv``, ``model_selection.csv`` (a K range only), ``record.json`` (the QUBO solve's
full Record), ``segmenter.json`` and the plots ``segments.png``, ``profiles.png`` and
``model_selection.png``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qseg.data.rfm import FEATURES
from qseg.document import Align, Block, Paragraph, Section, Table, bold, code, markdown, marked
from qseg.files import check_output_dir, publish_folder, replacing, spreadsheet_safe
from qseg.workflows.segment.pipeline import MethodResult, SegmentResult
from qseg.workflows.segment.plots import plot_model_selection, plot_profile_heatmap, plot_segments
from qseg.workflows.segment.profiles import name_segments
from qseg.workflows.segment.segmenter import Segmenter

RIGHT: Align = "right"
ARTEFACTS = ("segment.md", "cleaning.json", "features.csv", "comparison.csv", "profiles.csv", "model_selection.csv",
             "model_selection.png", "record.json", "segmenter.json", "segments.png", "profiles.png", "transactions.csv")
TRANSACTIONS_FILE = "transactions.csv"  # written for generated transactions only


def comparison_table(result: SegmentResult) -> pd.DataFrame:
    """Return one row per method (the QUBO route first): K, clusters, noise, p-median cost, its
    excess over the lowest cost among methods with the same K, quality and stability."""
    methods: list[tuple[str, MethodResult]] = [(result.chosen.segmentation.method, result.chosen)]
    methods += list(result.baselines.items())
    rows = []
    for name, found in methods:
        quality, stability = found.quality, found.stability
        rows.append({
            "method": name, "k": found.segmentation.k, "clusters": quality.clusters, "noise": quality.noise,
            "pmedian_cost": quality.pmedian_cost, "silhouette": quality.silhouette,
            "silhouette_sample": quality.silhouette_sample, "davies_bouldin": quality.davies_bouldin,
            "calinski_harabasz": quality.calinski_harabasz,
            "stability_ari_mean": None if stability is None else stability.mean,
            "stability_ari_std": None if stability is None else stability.std,
            "stability": None if stability is None else stability.reading,
            "seconds": found.segmentation.seconds,
        })
    table = pd.DataFrame(rows)
    costs = pd.to_numeric(table["pmedian_cost"], errors="coerce")
    best = costs.groupby(table["clusters"]).transform("min")
    table.insert(5, "cost_excess", costs / best - 1.0)
    return table


def write_segments(result: SegmentResult, out: Path, transactions: pd.DataFrame | None = None) -> list[Path]:
    """Write every artefact of ``result`` into ``out`` (created; files of the same names
    replaced, and an artefact this run does not write, such as an earlier run's model selection,
    removed) and return their paths; ``transactions`` (the rows generated for ``qseg segment
    generated``) go to ``transactions.csv``, in the layout ``qseg segment --assign`` reads."""
    check_output_dir("out", out)

    def write(staging: Path) -> None:
        _write_all(result, staging)
        if transactions is not None:
            transactions.to_csv(staging / TRANSACTIONS_FILE, index=False)

    return publish_folder(out, write, owned=ARTEFACTS)


def _write_all(result: SegmentResult, folder: Path) -> None:
    data = result.data
    labels = result.chosen.segmentation.labels
    _json(folder / "cleaning.json", dict(data.report.to_json()))
    features = data.features[list(FEATURES)].copy()
    for position, name in enumerate(FEATURES):
        features[f"{name}_scaled"] = data.scaled[:, position]
    features["segment"] = labels
    features["segment_name"] = [result.names[int(label)] for label in labels]
    spreadsheet_safe(features).to_csv(folder / "features.csv")
    comparison = comparison_table(result)
    spreadsheet_safe(comparison).to_csv(folder / "comparison.csv", index=False)
    rules = name_segments(result.profiles)["rule"]  # the rule behind each name, its percentiles in the row
    profiles = result.profiles.assign(name=[result.names[int(s)] for s in result.profiles.index], rule=rules)
    spreadsheet_safe(profiles).to_csv(folder / "profiles.csv")
    if result.selection is not None:
        selection = result.selection
        pd.DataFrame({"k": selection.ks, "inertia": selection.inertia, "silhouette": selection.silhouette}).to_csv(
            folder / "model_selection.csv", index=False)
        plot_model_selection(selection, folder / "model_selection.png")
    _json(folder / "record.json", result.record.to_dict())
    result.segmenter.save(folder / "segmenter.json")
    plot_segments(data.features, labels, result.names, folder / "segments.png")
    plot_profile_heatmap(result.profiles, folder / "profiles.png", names=result.names, features=list(FEATURES))
    (folder / "segment.md").write_text(markdown(_summary(result, comparison)), encoding="utf-8")


def _json(path: Path, payload: dict[str, Any]) -> None:
    path.write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n")


def _summary(result: SegmentResult, comparison: pd.DataFrame) -> list[Section]:
    """Return ``segment.md``'s sections: cleaning, features, model selection, the comparison of
    methods and the segments' profiles."""
    report = result.data.report
    cleaning = Table(("cleaning rule", "rows dropped"), tuple(
        (step.rule, f"{step.dropped:,}" + (f" (filled {step.filled:,})" if step.filled else "")) for step in report.steps),
        align=("left", "right"))
    blocks: list[Block] = [
        Paragraph(f"{report.rows_in:,} transaction rows in, {report.rows_out:,} kept, {report.customers:,} customers."),
        cleaning, Paragraph((f"Features: {', '.join(FEATURES)}; scaling ", code(result.data.scaler.method), "."))]
    if result.selection is not None:
        s = result.selection
        blocks.append(Paragraph((f"Model selection over K = {s.ks[0]}..{s.ks[-1]}: K = {s.chosen_k} ({s.rule}); see ",
                                 code("model_selection.png"), ".")))
    record = result.record
    methods = tuple(
        (str(row.method), str(row.k), str(row.clusters), str(row.noise), _num(row.pmedian_cost, "{:,.2f}"),
         _num(row.cost_excess, "{:+.2%}"), _num(row.silhouette, "{:.3f}"), _num(row.davies_bouldin, "{:.3f}"),
         _num(row.calinski_harabasz, "{:,.0f}"),
         "" if row.stability_ari_mean is None or pd.isna(row.stability_ari_mean) else
         f"{row.stability_ari_mean:.3f} ± {row.stability_ari_std:.3f}", str(row.stability or ""), f"{row.seconds:.1f}")
        for row in comparison.itertuples(index=False))
    profiles = tuple(
        (str(segment), result.names[int(segment)], f"{int(row['customers']):,}", f"{row['revenue_share']:.1%}",
         *(f"{row[f]:,.1f}" for f in FEATURES))
        for segment, row in result.profiles.iterrows())
    blocks += [
        Paragraph(("Segmentation: ", bold(result.chosen.segmentation.method), f" at K = {result.k} "
                   f"({record.num_variables} QUBO variables, {result.chosen.segmentation.params.get('candidates')} "
                   f"candidate medoids for {len(result.data.scaled):,} customers).")),
        Paragraph("Cost excess: p-median cost over the lowest among methods with the same number of clusters "
                  "(HDBSCAN finds its own). Stability: bootstrap ARI (> 0.75 highly stable, 0.5–0.75 acceptable, "
                  "< 0.5 unreliable)."),
        Table(("method", "K", "clusters", "noise", "p-median cost", "excess", "silhouette", "Davies–Bouldin",
               "Calinski–Harabasz", "stability ARI", "reading", "s"), methods, align=("left", *[RIGHT] * 9, "left", "right")),
        Table(("segment", "name", "customers", "revenue share", *(f"mean {f}" for f in FEATURES)), profiles,
              align=("right", "left", "right", "right", *[RIGHT] * len(FEATURES))),
        Paragraph(marked("Apply to new transactions: `qseg segment --assign segmenter.json NEW.csv`.")),
        *_step_blocks(result),
    ]
    return [Section(("Segmentation of ", result.data.source), 1, tuple(blocks))]


def _step_blocks(result: SegmentResult) -> list[Block]:
    """Return the per-step times (writing these files excluded) and how stability was drawn."""
    stability = result.chosen.stability or next((found.stability for found in result.baselines.values()
                                                 if found.stability is not None), None)
    drawn = ("" if stability is None else
             f" Stability: {stability.resamples} resamples of {stability.sample:,} customers drawn with replacement "
             "(the ARI on the customers each refit saw).")
    cpu = result.step_cpu_seconds or {}
    rows = tuple((name, f"{seconds:.1f}", _num(cpu.get(name), "{:.1f}")) for name, seconds in result.step_seconds.items())
    return [Paragraph(f"Steps ({result.jobs} job{'s' if result.jobs > 1 else ''}; writing these files not included).{drawn}"),
            Table(("step", "s", "CPU s (this process)"), rows, align=("left", RIGHT, RIGHT))]


def _num(value: Any, spec: str) -> str:
    return "" if value is None or pd.isna(value) else spec.format(value)


def write_assignments(segmenter: Segmenter, features: pd.DataFrame, scaled: np.ndarray, out: Path | None) -> str:
    """Return the CSV of each customer's segment and name under ``segmenter`` (written to
    ``out``/assignments.csv through a temporary file when ``out`` is given)."""
    segments = segmenter.assign(scaled)
    table = features[list(segmenter.features)].copy()
    table["segment"] = segments
    table["segment_name"] = segmenter.names_of(segments)
    text = str(spreadsheet_safe(table).to_csv())
    if out is not None:
        check_output_dir("out", out)
        out.mkdir(parents=True, exist_ok=True)
        with replacing(out / "assignments.csv") as temporary:  # a name of its own per process and call
            temporary.write_text(text)
    return text
