"""Segmentation figures written as PNG: the K sweep, customers by segment, the profile heatmap.

Figures are drawn on ``matplotlib.figure.Figure`` with the Agg canvas, so no display and no
global pyplot state is involved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qseg.errors import BadInputError
from qseg.style import literal_text
from qseg.workflows.segment.checks import check_labels
from qseg.workflows.segment.quality import ModelSelection

# Colour scale of the heatmap: standardised means beyond this many stds share the end colour.
Z_CLIP = 3.0


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
    elbow.plot(selection.ks, selection.inertia, marker="o")
    elbow.set(title="Elbow: KMeans inertia", xlabel="K (segments)", ylabel="inertia (sum of squared distances)")
    silhouette.plot(selection.ks, selection.silhouette, marker="o", color="tab:green")
    sampled = "all customers" if selection.silhouette_sample is None else f"sample of {selection.silhouette_sample:,}"
    silhouette.set(title=f"Silhouette ({sampled})", xlabel="K (segments)", ylabel="mean silhouette")
    for axis in (elbow, silhouette):
        axis.axvline(selection.chosen_k, color="grey", linestyle="--", linewidth=1)
        axis.set_xticks(selection.ks)
        axis.grid(alpha=0.3)
    figure.suptitle(f"Model selection: chosen K = {selection.chosen_k} ({selection.rule})")
    return _save(figure, path)


@literal_text
def plot_segments(features: pd.DataFrame, labels: np.ndarray, names: Mapping[int, str], path: Path | str, *,
                  x: str = "Monetary", y: str = "Frequency") -> Path:
    """Write a scatter of ``y`` against ``x`` on log axes, one colour per segment with its name
    (``names``: label -> name) in the legend; customers with a non-positive value cannot sit on a
    log axis and are left out, their count in the title. Return the path."""
    for column in (x, y):
        if column not in features.columns:
            raise BadInputError("features", column, "missing column")
    segment = check_labels(labels, len(features))
    missing = sorted(set(np.unique(segment).tolist()) - set(names))
    if missing:
        raise BadInputError("names", missing[0], "segment without a name")
    xs, ys = features[x].to_numpy(dtype=float), features[y].to_numpy(dtype=float)
    shown = (xs > 0) & (ys > 0) & np.isfinite(xs) & np.isfinite(ys)
    figure = Figure(figsize=(8, 6))
    axis = figure.subplots()
    colours = _colours(len(names))
    for position, label in enumerate(sorted(names)):
        rows = shown & (segment == label)
        if rows.any():
            colour = "lightgrey" if label == -1 else colours[position]
            axis.scatter(xs[rows], ys[rows], s=8, alpha=0.6, color=colour, linewidths=0,
                         label=f"{names[label]} ({int((segment == label).sum()):,})")
    axis.set(xscale="log", yscale="log", xlabel=f"{x} (log)", ylabel=f"{y} (log)")
    left_out = int((~shown).sum())
    axis.set_title(f"Customers by segment ({len(features):,} customers"
                   + (f"; {left_out:,} with a non-positive value not shown)" if left_out else ")"))
    axis.legend(title="segment (customers)", markerscale=2, fontsize=8)
    axis.grid(alpha=0.3, which="both")
    return _save(figure, path)


def _colours(count: int) -> list[tuple[float, float, float, float]]:
    from matplotlib import colormaps

    palette = colormaps["tab10" if count <= 10 else "tab20"]
    return [palette(i % palette.N) for i in range(count)]


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
    axis.set_title("Segment profiles: mean per feature (colour: z against all customers)")
    figure.colorbar(image, ax=axis, label=f"standardised mean (clipped at ±{Z_CLIP:g})")
    return _save(figure, path)
