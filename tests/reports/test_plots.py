"""Figures: one file per problem and figure, and one fixed look per backend and formulation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib.colors as mcolors
import pytest

from qseg import style as plot_style
from qseg.reports import figures as plots
from qseg.reports import performance_profiles as profiles
from qseg.reports.frame import load_frame
from tests.report_support import write_store

KNOWN = list(plot_style.BACKEND_STYLES)


def test_known_backends_have_distinct_colours_and_looks():
    colours = [plot_style.backend_style(name).colour.lower() for name in KNOWN]
    assert len(set(colours)) == len(colours), "two known backends share a colour"
    assert all(mcolors.is_color_like(c) for c in colours)
    assert all(plot_style.backend_style(name).marker in plot_style.FALLBACK_MARKERS + ("*", "d", "H") for name in KNOWN)
    for expected in ("sa", "sa+polish", "tabu", "random", "exact-bqm", "mock-qpu", "qaoa", "cbc", "highs", "qpu",
                     "leap-hybrid", "leap-cqm", "leap-nl", "baseline:greedy"):
        assert expected in plot_style.BACKEND_STYLES
    assert plot_style.backend_style("neal") == plot_style.backend_style("sa")


def test_backends_shown_together_are_far_apart():
    # The series a problem's figures show side by side must not be near-identical colours.
    for group in (["sa", "tabu", "random", "exact-bqm", "mock-qpu", "qaoa", "cbc", "highs", "baseline:greedy", "baseline:dp"],
                  ["sa", "sa+polish", "tabu", "random", "exact-bqm", "mock-qpu", "qaoa", "cbc", "highs",
                   "baseline:fasterpam", "baseline:kmeans"]):
        rgb = [mcolors.to_rgb(plot_style.backend_style(name).colour) for name in group]
        closest = min(sum((a - b) ** 2 for a, b in zip(x, y)) ** 0.5 for i, x in enumerate(rgb) for y in rgb[i + 1:])
        assert closest > 0.15


def test_unknown_backends_get_a_stable_hashed_style_in_every_process():
    style = plot_style.backend_style("my-plugin")
    assert style == plot_style.backend_style("my-plugin")
    assert style.colour in plot_style.FALLBACK_COLOURS and style.marker in plot_style.FALLBACK_MARKERS
    names = [f"plugin-{i}" for i in range(40)]
    assert len({plot_style.backend_style(n).colour for n in names}) > 3, "the fallback spreads names over the palette"
    assert plot_style.backend_style("tabu+polish").marker == plot_style.BACKEND_STYLES["tabu"].marker
    # Python's str hash is salted per process; the style must not be.
    # The module alone, without the qseg package's imports: a second per process.
    code = ("import importlib.util as u, sys; spec = u.spec_from_file_location('plot_style', sys.argv[1]); "
            "m = sys.modules['plot_style'] = u.module_from_spec(spec); spec.loader.exec_module(m); "
            "s = m.backend_style('my-plugin'); print(s.colour, s.marker)")
    outputs = {subprocess.run([sys.executable, "-c", code, plot_style.__file__], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert outputs == {f"{style.colour} {style.marker}\n"}


def test_formulations_of_one_problem_differ_in_line_and_hatch():
    for family in (("unbalanced", "slack", "equality"), ("selection", "bauckhage", "assignment")):
        styles = [plot_style.formulation_style(name) for name in family]
        assert len({s.linestyle for s in styles}) == 3 and len({s.hatch for s in styles}) == 3
        assert len({s.fillstyle for s in styles}) == 3
    assert plot_style.formulation_style("mystery") == plot_style.formulation_style("mystery")


def test_shades_tell_grid_values_apart_and_keep_the_hue():
    assert plot_style.shade("#0072B2", 0) == "#0072B2"
    lighter = plot_style.shade("#0072B2", 1)
    assert lighter != "#0072B2" and all(int(lighter[i:i + 2], 16) >= int("#0072B2"[i:i + 2], 16) for i in (1, 3, 5))


def test_series_styles_follow_the_backend_across_problems(tmp_path):
    cells = load_frame(write_store(tmp_path / "store"))
    cells["label"] = profiles.series_labels(cells)
    styles = plots.series_styles(cells)
    assert styles["sa / unbalanced"].colour == plot_style.BACKEND_STYLES["sa"].colour
    assert styles["sa / selection"].colour == plot_style.BACKEND_STYLES["sa"].colour  # kmedoids, same backend
    assert styles["sa / slack"].linestyle != styles["sa / unbalanced"].linestyle
    assert styles["sa+polish / selection"].colour == plot_style.BACKEND_STYLES["sa+polish"].colour


@pytest.fixture(scope="module")
def drawn(tmp_path_factory) -> tuple[Path, dict[str, list[Path]]]:
    root = write_store(tmp_path_factory.mktemp("plots") / "store")
    folder = root / "plots"
    folder.mkdir()
    (folder / "time_to_target.png").write_bytes(b"old layout")  # the pooled figure of the old layout
    (folder / "knapsack").mkdir()
    (folder / "knapsack" / "sweep.png").write_bytes(b"stale")  # no sweep in this store
    (folder / "knapsack" / "notes.png").write_bytes(b"not ours")
    return folder, plots.write_plots(load_frame(root), folder, workers=1)


def test_one_figure_file_per_problem_and_figure(drawn):
    folder, written = drawn
    assert sorted(written) == ["kmedoids", "knapsack"]
    for problem, paths in written.items():
        assert all(path.parent == folder / problem for path in paths)
        names = [path.stem for path in paths]
        assert names == [name for name in plots.FIGURES if name in names], "in FIGURES order"
        assert {"feasibility", "gap_vs_time", "time_to_target", "profile_time", "profile_quality", "tts99"} <= set(names)
        assert all(path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for path in paths)
    assert "time_vs_size" in [p.stem for p in written["knapsack"]]  # sizes 16, 50, 100


def test_stale_figures_are_removed_and_other_files_kept(drawn):
    folder, _ = drawn
    assert not (folder / "time_to_target.png").exists()
    assert not (folder / "knapsack" / "sweep.png").exists()
    assert (folder / "knapsack" / "notes.png").exists()
    assert not list(folder.rglob(".*.tmp.png")), "no temporary file left behind"


def test_figures_are_800_px_wide(drawn):
    from PIL import Image

    _, written = drawn
    for paths in written.values():
        for path in paths:
            with Image.open(path) as image:
                assert image.width == 800


def test_forked_workers_draw_the_same_files(drawn, tmp_path):
    _, serial = drawn
    forked = plots.write_plots(load_frame(write_store(tmp_path / "store")), tmp_path / "forked", workers=2)
    assert {p: [f.name for f in fs] for p, fs in serial.items()} == {p: [f.name for f in fs] for p, fs in forked.items()}
    assert all(path.is_file() for paths in forked.values() for path in paths)


def test_models_over_fewer_candidates_than_customers_are_another_regime():
    import pandas as pd

    cells = pd.DataFrame({"size": [1200, 250, 50, 100], "details.candidates": [50, 250, 50, None]})
    assert list(plots.candidate_route(cells)) == [True, False, False, False]
    assert not plots.candidate_route(pd.DataFrame({"size": [10]})).any(), "no candidates recorded: one regime"


def test_scaling_draws_one_panel_per_family_and_never_joins_regimes(tmp_path, monkeypatch):
    import pandas as pd

    from qseg.reports.figures import ProblemCells, series_styles, time_vs_size

    def row(family: str, size: int, variables: int, candidates: int) -> dict[str, object]:
        return {"problem": "kmedoids", "backend": "sa", "sweep": "", "formulation": "selection", "status": "ok",
                "family": family, "size": size, "num_variables": variables, "details.candidates": candidates,
                "wall_s": variables / 100, "label": "sa / selection"}

    frame = pd.DataFrame([row("generated", 50, 50, 50), row("generated", 250, 250, 250),
                          row("generated", 1200, 50, 50), row("seed", 50, 50, 50), row("seed", 100, 100, 100)])
    drawn: list[object] = []
    data = ProblemCells("kmedoids", frame, frame, series_styles(frame), tmp_path)
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or path)  # keep the figure to read it
    assert time_vs_size(data) == tmp_path / "time_vs_size.png"
    fig = drawn[0]
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["generated instances", "seed instances"]
    generated = fig.axes[0]
    joined = [line for line in generated.get_lines() if line.get_linestyle() not in ("None", "none", "")]
    assert [list(line.get_xdata()) for line in joined] == [[50, 250]], "the candidate-route point is not on the line"
