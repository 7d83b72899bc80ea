"""One palette: every figure the workflows draw (demo, segment, binning chart, retention memo)
takes its colours from ``qseg.style``, so a method, segment or action has the same colour in all
of them and in the report. The figures are caught as they are saved and their artists read (no
pixel comparisons)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from qseg import style  # noqa: E402
from qseg.workflows import binning  # noqa: E402
from qseg.workflows.demo import plots as demo_plots  # noqa: E402
from qseg.workflows.demo.results import (  # noqa: E402
    BinningRun,
    DemoResult,
    DemoSettings,
    KMedoidsRun,
    MedoidRow,
    RfmRun,
    TargetingRow,
    TargetingRun,
)
from qseg.workflows.retention.plots import write_retention_plots  # noqa: E402
from qseg.workflows.segment import plots as segment_plots  # noqa: E402
from qseg.workflows.segment.profiles import segment_profiles  # noqa: E402


@pytest.fixture
def saved(monkeypatch) -> list[Figure]:
    """Every figure saved while the test runs, in order (still written to its file)."""
    figures: list[Figure] = []
    original = Figure.savefig

    def saving(self: Figure, *args, **kwargs):
        figures.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", saving)
    return figures


def hex_of(colour) -> str:
    """Return ``colour`` as ``#rrggbb`` without its alpha (scatters draw with alpha)."""
    return to_hex(to_rgb(colour)).upper()


def bar_colours(axis) -> list[str]:
    return [hex_of(patch.get_facecolor()) for patch in axis.patches if isinstance(patch, Rectangle)]


# --- qseg.style ------------------------------------------------------------------------------

def test_a_bare_baseline_has_its_report_colour():
    for bare in ("kmeans", "fasterpam", "greedy", "dp"):
        assert style.method_style(bare).colour == style.backend_style(f"baseline:{bare}").colour
    assert style.method_style("gaussian_mixture") == style.method_style("gmm")
    assert style.method_colour("hdbscan") == style.BACKEND_STYLES["baseline:hdbscan"].colour
    assert style.method_colour("sa") == style.BACKEND_STYLES["sa"].colour


def test_a_qubo_route_is_its_backend_colour_and_its_formulation_look():
    slack = style.method_style("sa/slack")
    assert slack.colour == style.BACKEND_STYLES["sa"].colour
    assert slack.hatch == style.FORMULATION_STYLES["slack"].hatch != ""
    assert slack.linestyle == style.FORMULATION_STYLES["slack"].linestyle
    polished = style.method_style("qubo:sa/selection+polish+refine")
    assert polished.colour == style.BACKEND_STYLES["sa+polish"].colour
    assert polished.hatch == style.FORMULATION_STYLES["selection"].hatch
    assert style.method_style("sa/selection+polish") == polished
    assert style.method_style("tabu/bauckhage").colour == style.BACKEND_STYLES["tabu"].colour


def test_segments_and_actions_have_distinct_colours_and_a_neutral_none():
    assert len(set(style.SEGMENT_COLOURS)) == len(style.SEGMENT_COLOURS)
    assert len(set(style.ACTION_COLOURS)) == len(style.ACTION_COLOURS)
    assert style.NEUTRAL_COLOUR not in style.SEGMENT_COLOURS + style.ACTION_COLOURS
    assert style.segment_colour(-1) == style.action_colour(0) == style.NEUTRAL_COLOUR
    assert style.segment_colour(12) == style.SEGMENT_COLOURS[2]
    light = style.segment_colour(1, light=True)
    assert light != style.SEGMENT_COLOURS[1] and sum(to_rgb(light)) > sum(to_rgb(style.SEGMENT_COLOURS[1]))
    assert [style.action_colour(i) for i in range(1, 8)] == list(style.ACTION_COLOURS)


# --- the demo ----------------------------------------------------------------------------------

def medoid_row(key: str, medoids: tuple[int, ...], cost: float, *, feasible: bool = True) -> MedoidRow:
    return MedoidRow(key=key, method=key, kind="qubo", status="ok", customers=8, variables=None, objective=cost,
                     gap=0.0, feasible=feasible, feasible_fraction=None, seconds=0.0, medoids=medoids, cost=cost)


def targeting_row(key: str, spend: float, profit: float) -> TargetingRow:
    return TargetingRow(key=key, method=key, kind="qubo", status="ok", customers=8, variables=None, objective=profit,
                        gap=0.0, feasible=True, feasible_fraction=None, seconds=0.0, spend=spend, profit=profit,
                        targeted=2)


@pytest.fixture
def demo_result() -> DemoResult:
    rng = np.random.default_rng(0)
    customers = pd.DataFrame({"x1": rng.normal(size=8), "x2": rng.normal(size=8)})
    clusters = np.array([0, 0, 1, 1, 0, 1, 0, 1])
    rows = (medoid_row("exact", (0, 2), 3.0), medoid_row("kmeans", (0, 3), 3.5), medoid_row("fasterpam", (0, 2), 3.0),
            medoid_row("sa/selection+polish", (0, 2), 3.0), medoid_row("sa/bauckhage", (), 0.0, feasible=False))
    targeting = TargetingRun("budget 10", "budget 10", 10.0, 5.0,
                             (targeting_row("milp", 9.0, 5.0), targeting_row("greedy", 8.0, 4.0),
                              targeting_row("sa/slack", 12.0, 4.5)), np.array([1, 2]))
    kmedoids = KMedoidsRun(2, 3.0, rows, clusters, 4, 1.0, (medoid_row("exact", (0, 2), 1.0),
                                                            medoid_row("sa/assignment", (1, 2), 1.2)), clusters[:4], 20)
    return DemoResult(DemoSettings(), customers, clusters, (targeting,), kmedoids,
                      BinningRun("b", 0, 0, 0.0, ()), RfmRun(0, 0, 0, 0, pd.DataFrame()))


def test_the_demo_colours_each_method_as_the_report_does(demo_result, saved, tmp_path):
    demo_plots.write_figures(demo_result, tmp_path)
    segments, targeting, medoids, pmedian = saved
    settings = demo_result.settings
    # targeting: bars top to bottom are milp (cbc, the exact backend), greedy, sa/slack (over budget).
    spend = targeting.axes[0]
    assert bar_colours(spend) == [hex_of(style.method_colour(settings.targeting_exact)),
                                  hex_of(style.method_colour("baseline:greedy")), hex_of(style.method_colour("sa"))]
    slack_bar = spend.patches[2]
    assert slack_bar.get_hatch() == style.FORMULATION_STYLES["slack"].hatch
    assert slack_bar.get_facecolor()[3] == pytest.approx(demo_plots.INFEASIBLE_ALPHA), "over budget: faded"
    # p-median costs: exact is highs', k-means is baseline:kmeans', the polished route sa+polish's.
    assert bar_colours(pmedian.axes[0]) == [hex_of(style.method_colour(m)) for m in
                                           (settings.pmedian_exact, "kmeans", "fasterpam", "sa+polish", "sa")]
    # medoids: one panel per method, its medoids in its colour and marker.
    titled = [axis for axis in medoids.axes if axis.get_title()]
    assert [axis.get_title().split("\n")[0] for axis in titled] == [
        "exact", "kmeans", "fasterpam", "sa/selection+polish", "sa/bauckhage", "exact", "sa/assignment"]
    kmeans_panel = titled[1]
    filled = [c for c in kmeans_panel.collections if isinstance(c, PathCollection) and c.get_zorder() == 4]
    assert [hex_of(c.get_facecolor()[0]) for c in filled] == [hex_of(style.method_colour("kmeans"))]
    assert "no medoid set found" in titled[4].get_title()
    # segments: tints of style's segment colours, the exact targeting's marks in cbc's colour.
    points = [c for c in segments.axes[0].collections if c.get_label().startswith("segment")]
    assert [hex_of(c.get_facecolor()[0]) for c in points] == [hex_of(style.segment_colour(s, light=True)) for s in (0, 1)]
    marks = [c for c in segments.axes[0].collections if c.get_label().startswith("targeted")]
    assert hex_of(marks[0].get_facecolor()[0]) == hex_of(style.method_colour(settings.targeting_exact))


# --- qseg segment ------------------------------------------------------------------------------

def rfm_features() -> tuple[pd.DataFrame, np.ndarray, dict[int, str]]:
    rng = np.random.default_rng(1)
    labels = np.repeat([0, 1, 2], 20)
    features = pd.DataFrame({"Recency": rng.integers(0, 300, 60), "Frequency": rng.integers(1, 30, 60),
                             "Monetary": rng.uniform(5, 5000, 60)})
    return features, labels, {0: "a", 1: "b", 2: "c"}


def test_segment_figures_colour_segments_and_kmeans_from_style(saved, tmp_path):
    features, labels, names = rfm_features()
    segment_plots.plot_segments(features, labels, names, tmp_path / "segments.png")
    segment_plots.plot_profile_heatmap(segment_profiles(features, labels), tmp_path / "profiles.png", names=names)
    scatter, heatmap = saved
    expected = [hex_of(style.segment_colour(s)) for s in (0, 1, 2)]
    for axis in scatter.axes:
        assert [hex_of(c.get_facecolor()[0]) for c in axis.collections] == expected
    recency, frequency = scatter.axes
    assert recency.get_xlabel().startswith("Recency") and recency.get_xscale() == "linear"
    assert frequency.get_xlabel().startswith("Frequency") and "Monetary" in recency.get_ylabel()
    assert [hex_of(line.get_color()) for line in heatmap.axes[0].lines] == expected, "row swatches"


def test_the_k_sweep_is_drawn_in_kmeans_colour(saved, tmp_path):
    from qseg.workflows.segment.quality import model_selection

    points = np.random.default_rng(2).normal(size=(60, 2))
    segment_plots.plot_model_selection(model_selection(points, range(2, 5), seed=0, n_init=1), tmp_path / "k.png")
    lines = [line for axis in saved[0].axes for line in axis.lines if len(line.get_xdata()) > 2]
    assert lines and {hex_of(line.get_color()) for line in lines} == {hex_of(style.method_colour("kmeans"))}


# --- the binning chart ------------------------------------------------------------------------

def test_the_binning_chart_is_optbinnings_layout_in_styles_colours_with_labels_under_the_line(saved, tmp_path):
    table = pd.DataFrame({"band": [f"b{i}" for i in range(6)], "customers": [900, 40, 800, 60, 700, 900],
                          "conversions": [9, 10, 200, 30, 400, 880],
                          "net_per_customer": [1.0, -2.0, 3.0, 4.0, 5.0, 60.0]})
    table["conversion_rate"] = table["conversions"] / table["customers"]
    binning.chart(table, "t", tmp_path / "bins.png")
    counts, rates = saved[0].axes[:2]
    assert bar_colours(counts) == [hex_of(style.NON_EVENT_COLOUR)] * 6 + [hex_of(style.EVENT_COLOUR)] * 6
    (line,) = rates.lines
    assert hex_of(line.get_color()) == hex_of(style.RATE_COLOUR) and line.get_marker() == "o"
    renderer = saved[0].canvas.get_renderer()
    label_tops = [text.get_window_extent(renderer).y1 for text in counts.texts]
    line_bottom = rates.transData.transform(np.column_stack([np.arange(6), table["conversion_rate"]]))[:, 1].min()
    assert len(label_tops) == 6 and max(label_tops) < line_bottom, "a value label sits under the rate line"


# --- the retention memo ------------------------------------------------------------------------

def test_retention_figures_colour_actions_by_id_and_the_sweep_by_its_backend(saved, tmp_path):
    plan = pd.DataFrame({
        "subscription_type": ["Free", "Free", "Premium", "Premium", "Student", "Student"],
        "churn_probability": [0.1, 0.8, 0.5, 0.9, 0.3, 0.7], "clv": [100.0, 200, 300, 150, 250, 120],
        "action_id": [0, 1, 5, 1, 0, 5],
        "action": ["No Action", "Email", "In-App", "Email", "No Action", "In-App"],
        "expected_value_retained": [0.0, 10, 12, 9, 0, 11], "cost": [0.0, 1, 2, 1, 0, 2],
    })
    sweep = pd.DataFrame({"weekly_budget": [1.0, 2, 3], "status": ["ok"] * 3, "expected_net_value": [1.0, 2, 3],
                          "roi": [1.0, 1, 1], "customers_treated": [1, 2, 3]})
    write_retention_plots(plan, sweep, Path(tmp_path), 2.0, backend="highs")
    by_name = dict(zip(("net", "roi", "treated", "mix", "by_segment", "heatmap", "waterfall", "scatter"), saved,
                       strict=True))
    assert hex_of(by_name["net"].axes[0].lines[0].get_color()) == hex_of(style.method_colour("highs"))
    assert bar_colours(by_name["mix"].axes[0]) == [hex_of(style.action_colour(i)) for i in (0, 1, 5)]
    stacked = {hex_of(c) for c in bar_colours(by_name["by_segment"].axes[0])}
    assert stacked == {hex_of(style.action_colour(i)) for i in (0, 1, 5)}
    scatter = [hex_of(c.get_facecolor()[0]) for c in by_name["scatter"].axes[0].collections]
    assert scatter == [hex_of(style.NEUTRAL_COLOUR), hex_of(style.action_colour(1)), hex_of(style.action_colour(5))]
    assert set(bar_colours(by_name["waterfall"].axes[0])) <= {hex_of(c) for c in
                                                             (style.GAIN_COLOUR, style.LOSS_COLOUR, style.TOTAL_COLOUR)}
