"""Segmentation figures written as PNG: the K sweep, customers by segment, the profile heatmap.

Colours come from ``qseg.style``: segment i is ``segment_colour(i)`` in the scatter and in the
heatmap's row swatches (HDBSCAN's noise, -1, is the neutral grey), the K sweep's curves are
k-means' colour (they are KMeans fits). Figures are drawn on ``matplotlib.figure.Figure`` with
the Agg canvas, so no display and no global pyplot state is involved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from qseg import style
from qseg.errors import BadInputError
from qseg.style import literal_text
from qseg.workflows.segment.checks import check_labels
from qseg.workflows.segment.quality import ModelSelection

# Colour scale of the heatmap: standardised means beyond this many stds share the end colour.
Z_CLIP = 3.0
# What each RFM feature is, for axis labels (a feature not listed is labelled by its name).
FEATURE_LABELS = {
    "Recency": "Recency: days since the last purchase",
    "Frequency": "Frequency: distinct invoices",
    "Monetary": "Monetary: total spend",
    "TotalQuantity": "TotalQuantity: items bought",
    "UniqueProducts": "UniqueProducts: distinct products bought",
}
# Skewed counts and sums are read on log axes; Recency (days, bounded) on a linear one.
LINEAR_FEATURES = frozenset({"Recency"})
# The customers-by-segment views: (x, y) per panel. Recency separates segments that spend and
# frequency alone overlap (recent and lapsed buyers of the same spend), so it has its own view.
RFM_VIEWS: tuple[tuple[str, str], ...] = (("Recency", "Monetary"), ("Frequency", "Monetary"))


def _save(figure: Figure, path: Path | str) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(figure)
    figure.savefig(target, dpi=120, bbox_inches="tight")
    return target


@literal_text
def plot_model_selection(selection: ModelSelection, path: Path | str) -> Path:
    """Write the elbow (KMeans inertia) and silhouette curves over K side by side, the chosen K
    marked; return the path."""
    figure = Figure(figsize=(11, 4))
    elbow, silhouette = figure.subplots(1, 2)
    kmeans = style.method_style("kmeans")
    elbow.plot(selection.ks, selection.inertia, marker=kmeans.marker, color=kmeans.colour)
    elbow.set(title="Elbow: KMeans inertia", xlabel="K (segments)", ylabel="inertia (sum of squared distances)")
    silhouette.plot(selection.ks, selection.silhouette, marker=kmeans.marker, color=kmeans.colour)
    sampled = "all customers" if selection.silhouette_sample is None else f"sample of {selection.silhouette_sample:,}"
    silhouette.set(title=f"Silhouette ({sampled})", xlabel="K (segments)", ylabel="mean silhouette")
    for axis in (elbow, silhouette):
        axis.axvline(selection.chosen_k, color=style.REFERENCE_COLOUR, linestyle="--", linewidth=1)
        axis.set_xticks(selection.ks)
        axis.grid(alpha=0.3)
    figure.suptitle(f"Model selection: chosen K = {selection.chosen_k} ({selection.rule})")
    figure.subplots_adjust(top=0.84, wspace=0.25)
    return _save(figure, path)


@literal_text
def plot_segments(features: pd.DataFrame, labels: np.ndarray, names: Mapping[int, str], path: Path | str, *,
                  views: Sequence[tuple[str, str]] = RFM_VIEWS) -> Path:
    """Write one scatter panel per (x, y) of ``views`` (by default Monetary against Recency and
    against Frequency), each customer coloured by its segment (``style.segment_colour``), the
    segments' names (``names``: label -> name) and sizes in one legend, axes named by
    ``FEATURE_LABELS``; counts and sums on log axes, where customers with a non-positive value
    cannot sit and are left out, their count in the panel's title. Return the path."""
    for column in {column for view in views for column in view}:
        if column not in features.columns:
            raise BadInputError("features", column, "missing column")
    if not views:
        raise BadInputError("views", "()", "no (x, y) view to draw")
    segment = check_labels(labels, len(features))
    missing = sorted(set(np.unique(segment).tolist()) - set(names))
    if missing:
        raise BadInputError("names", missing[0], "segment without a name")
    figure = Figure(figsize=(6.2 * len(views), 5.6))
    shared_y = len({y for _, y in views}) == 1
    axes = figure.subplots(1, len(views), squeeze=False, sharey=shared_y)[0]
    size = 8 if len(features) <= 20_000 else 3
    for axis, (x, y) in zip(axes, views, strict=True):
        xs, ys = features[x].to_numpy(dtype=float), features[y].to_numpy(dtype=float)
        shown = np.isfinite(xs) & np.isfinite(ys)
        for column, values in ((x, xs), (y, ys)):
            if column not in LINEAR_FEATURES:
                shown &= values > 0
        for label in sorted(names):
            rows = shown & (segment == label)
            axis.scatter(xs[rows], ys[rows], s=size, alpha=0.6, color=style.segment_colour(label), linewidths=0,
                         label=f"{names[label]} ({int((segment == label).sum()):,})")
        axis.set(xscale="linear" if x in LINEAR_FEATURES else "log", yscale="linear" if y in LINEAR_FEATURES else "log",
                 xlabel=_axis_label(x), ylabel="" if shared_y and axis is not axes[0] else _axis_label(y))
        for scaled, ticks in ((x, axis.xaxis), (y, axis.yaxis)):
            if scaled not in LINEAR_FEATURES:
                # Plain numbers: with mathtext off (literal_text) the default 10^k labels show as markup.
                ticks.set_major_formatter(FuncFormatter(_tick))
                ticks.set_minor_formatter(NullFormatter())
        left_out = int((~shown).sum())
        axis.set_title(f"{y} against {x}" + (f" ({left_out:,} with a non-positive value not shown)" if left_out else ""),
                       fontsize=10)
        axis.grid(alpha=0.3)
    handles, labels_shown = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels_shown, title="segment (customers)", loc="lower center", ncol=min(len(handles), 4),
                  markerscale=2.5, fontsize=8, frameon=False)
    figure.suptitle(f"Customers by segment ({len(features):,} customers)")
    figure.subplots_adjust(bottom=0.14 + 0.035 * -(-len(handles) // 4), top=0.9, wspace=0.22)
    return _save(figure, path)


def _tick(value: float, _position: int | None = None) -> str:
    """Return a log-axis tick as plain text: 0.1, 1, 10, 1,000, 100,000."""
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def _axis_label(feature: str) -> str:
    """Return ``feature``'s axis label: what it is and, off Recency, that the axis is logarithmic."""
    return FEATURE_LABELS.get(feature, feature) + ("" if feature in LINEAR_FEATURES else " (log scale)")


def _number(value: float) -> str:
    """Return a mean as a reader wants it: whole with thousands separators from 1,000 up."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


@literal_text
def plot_profile_heatmap(profiles: pd.DataFrame, path: Path | str, *, names: Mapping[int, str] | None = None,
                         features: Sequence[str] | None = None) -> Path:
    """Write a segments x features heatmap coloured by the standardised segment mean (``F_z``
    columns of ``segment_profiles``, colour clipped at ±3), each cell annotated with the raw mean
    and its z; rows named by ``names`` when given. Return the path."""
    columns = list(features) if features is not None else [c[:-2] for c in profiles.columns if c.endswith("_z")]
    missing = [c for c in columns for needed in (c, f"{c}_z") if needed not in profiles.columns]
    if not columns or missing:
        raise BadInputError("profiles", missing[0] if missing else "no _z columns", "expected a table from segment_profiles")
    z = profiles[[f"{c}_z" for c in columns]].to_numpy(dtype=float)
    means = profiles[columns].to_numpy(dtype=float)
    rows = [f"{(names or {}).get(int(s), f'segment {s}')} ({int(n):,})"
            for s, n in zip(profiles.index, profiles["customers"])]
    figure = Figure(figsize=(1.6 * len(columns) + 3, 0.7 * len(rows) + 2))
    axis = figure.subplots()
    image = axis.imshow(np.clip(z, -Z_CLIP, Z_CLIP), cmap="RdBu_r", vmin=-Z_CLIP, vmax=Z_CLIP, aspect="auto")
    for (i, j), value in np.ndenumerate(z):
        text = "white" if abs(value) > 0.6 * Z_CLIP else "black"
        axis.text(j, i, f"{_number(means[i, j])}\nz={value:+.2f}", ha="center", va="center", fontsize=8, color=text)
    axis.set_xticks(range(len(columns)), columns)
    axis.set_yticks(range(len(rows)), rows)
    # A swatch of each segment's scatter colour left of its row, so the two figures read together.
    axis.tick_params(axis="y", pad=16)
    swatch = blended_transform_factory(axis.transAxes, axis.transData) + ScaledTranslation(-8 / 72, 0,
                                                                                            figure.dpi_scale_trans)
    for position, label in enumerate(profiles.index):
        axis.plot([0], [position], marker="s", markersize=9, linestyle="none", color=style.segment_colour(int(label)),
                  transform=swatch, clip_on=False)
    axis.set_title("Segment profiles: mean per feature (colour: z against all customers)")
    figure.colorbar(image, ax=axis, label=f"standardised mean (clipped at ±{Z_CLIP:g})")
    return _save(figure, path)
