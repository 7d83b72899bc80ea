"""The segmentation figures are written as PNG files (their look is checked by eye)."""

from __future__ import annotations

import pytest
from segmentation_support import rfm_frame, scaled

from qseg.errors import BadInputError
from qseg.workflows.segment.methods import kmeans
from qseg.workflows.segment.plots import plot_model_selection, plot_profile_heatmap, plot_segments
from qseg.workflows.segment.profiles import label_segments, segment_profiles
from qseg.workflows.segment.quality import model_selection

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_three_figures_are_png_files(tmp_path):
    frame, _ = rfm_frame(per_group=40, seed=2)
    points = scaled(frame)
    selection = model_selection(points, range(2, 7), seed=0, n_init=2)
    labels = kmeans(points, selection.chosen_k, seed=0).labels
    profiles = segment_profiles(frame, labels)
    names = label_segments(profiles)
    written = [plot_model_selection(selection, tmp_path / "selection.png"),
               plot_segments(frame, labels, names, tmp_path / "nested" / "segments.png"),
               plot_profile_heatmap(profiles, tmp_path / "heatmap.png", names=names)]
    for path in written:
        assert path.read_bytes()[:8] == PNG and path.stat().st_size > 10_000


def test_a_segment_without_a_name_is_refused():
    frame, groups = rfm_frame(per_group=5)
    with pytest.raises(BadInputError) as caught:
        plot_segments(frame, groups, {0: "a", 1: "b"}, "unused.png")
    assert caught.value.field == "names"
