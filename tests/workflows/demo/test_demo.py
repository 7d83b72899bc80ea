"""qseg demo: the seed notebook on seed-000 reproduces docs/architecture.md §8's exact values, writes a page
whose HTML parses and embeds every figure, is seeded, and refuses a bad --out before any work."""

from __future__ import annotations

import base64
import dataclasses
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qseg import cli
from qseg.errors import BadInputError
from qseg.files import check_output_dir
from qseg.problems import build_problem
from qseg.workflows.demo import DemoSettings, run_demo, write_demo
from qseg.workflows.demo import write as demo_write
from qseg.workflows.demo.medoids import notebook_kmeans
from qseg.workflows.demo.plots import FIGURES, write_figures
from qseg.workflows.demo.run import FEATURES
from qseg.workflows.demo.targeting import run_targeting

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VOID_TAGS = {"meta", "img", "br", "hr", "link", "input"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    """The quick demo (exact references on the full seed-000, few reads elsewhere), written once."""
    result = run_demo(DemoSettings.quick_settings())
    out = tmp_path_factory.mktemp("demo") / "demo-out"
    return result, out, write_demo(result, out)


def test_the_exact_references_are_designs(demo):
    result, _, _ = demo
    found = {check.expected: check.found for check in result.checks}
    assert found.keys() == {1140.593, 323.852}
    assert found[1140.593] == pytest.approx(1140.593, abs=5e-4)
    assert found[323.852] == pytest.approx(323.852, abs=5e-4)
    assert result.reproduced
    # the checks read the exact rows themselves, not a copy of the stated values
    assert result.targeting[0].rows[0].objective == found[1140.593]
    assert result.kmedoids.rows[0].objective == found[323.852] and result.kmedoids.rows[0].gap == 0.0


def test_the_notebook_budget_does_not_bind_and_the_second_one_does(demo):
    result, _, _ = demo
    loose, binding = result.targeting
    assert loose.budget == 2000.0 and loose.rows[0].spend < 0.99 * loose.budget
    assert binding.budget < loose.budget and binding.rows[0].spend >= 0.99 * binding.budget
    for run in result.targeting:
        assert {row.key for row in run.rows} == {"milp", "greedy", "sa/unbalanced", "sa/slack", "sa/equality"}
        for row in run.rows:
            if row.feasible:
                assert row.spend <= run.budget + 1e-6 and row.gap is not None and row.gap >= 0
                assert row.objective == pytest.approx(row.profit)


def test_kmedoids_rows_cover_every_method_and_the_prefix(demo):
    result, _, _ = demo
    run = result.kmedoids
    keys = [row.key for row in run.rows]
    assert keys == ["exact", "fasterpam", "kmeans", "sa/selection", "sa/selection+polish", "sa/bauckhage",
                    "sa/bauckhage+polish"]
    for row in run.rows:
        if row.feasible:
            assert len(row.medoids) == run.k and row.cost == pytest.approx(row.objective)
    polished = {row.key: row for row in run.rows}
    for formulation in ("selection", "bauckhage"):  # the polish never makes the same reads worse
        assert polished[f"sa/{formulation}+polish"].objective <= polished[f"sa/{formulation}"].objective + 1e-9
    assert run.prefix == DemoSettings.quick_settings().assignment_prefix
    assert [row.key for row in run.prefix_rows] == ["exact", "sa/assignment"]
    assert run.prefix_rows[1].variables == run.prefix**2 + run.prefix
    assert run.full_assignment_variables == 250**2 + 250


def test_page_and_figures_are_written(demo):
    _, out, written = demo
    assert {path.name for path in written} == {"demo.md", "demo.html", *FIGURES}
    for name in FIGURES:
        assert (out / name).read_bytes().startswith(PNG_SIGNATURE)
    markdown = (out / "demo.md").read_text()
    for name in FIGURES:
        assert f"]({name})" in markdown
    assert "1140.593" in markdown and "323.852" in markdown
    assert not list(out.parent.glob(".*.tmp")), "the staging folder was left behind"


class _Checker(HTMLParser):
    """Collects what the test asserts: unbalanced tags, images, scripts and external links."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.images: list[str] = []
        self.external: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        for key in ("src", "href"):
            if (values.get(key) or "").startswith(("http:", "https:", "//")):
                self.external.append(values[key])
        if tag not in VOID_TAGS:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def test_the_html_parses_and_embeds_every_figure(demo):
    _, out, _ = demo
    text = (out / "demo.html").read_text()
    assert text.startswith("<!DOCTYPE html>")
    checker = _Checker()
    checker.feed(text)
    checker.close()
    assert checker.errors == [] and checker.stack == []
    assert {"html", "head", "style", "body", "table", "img"} <= checker.tags
    assert "script" not in checker.tags and checker.external == []
    embedded = [base64.b64decode(src.removeprefix("data:image/png;base64,")) for src in checker.images]
    assert all(src.startswith("data:image/png;base64,") for src in checker.images)
    assert embedded == [(out / name).read_bytes() for name in ("segments.png", "targeting.png", "medoids.png",
                                                                "pmedian.png")]


def test_seeded_sections_give_the_same_answers_twice(demo):
    result, _, _ = demo
    settings = DemoSettings.quick_settings()
    problem = build_problem("knapsack", size=None, seed=0, data="seed-000", params={"budget_fraction": 0.5})
    again = run_targeting(result.targeting[1].label, result.targeting[1].short, problem, settings)

    def answers(rows):
        return [dataclasses.replace(row, seconds=0.0) for row in rows]

    assert answers(again.rows) == answers(result.targeting[1].rows)
    points = result.customers[list(FEATURES)].to_numpy()
    assert (notebook_kmeans(points, 4) == result.segments).all()


def test_the_same_result_draws_the_same_figures(demo, tmp_path):
    result, out, _ = demo
    for path in write_figures(result, tmp_path):
        assert path.read_bytes() == (out / path.name).read_bytes()


def test_out_onto_a_file_is_exit_2_before_any_work(tmp_path, capsys, monkeypatch):
    target = tmp_path / "taken"
    target.write_text("keep me")
    monkeypatch.setattr("qseg.workflows.demo.run_demo", lambda *a, **k: pytest.fail("the demo ran before --out was checked"))
    assert cli.main(["demo", "--out", str(target)]) == 2
    error = capsys.readouterr().err
    assert "out" in error and str(target) in error
    assert target.read_text() == "keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_a_failed_write_leaves_nothing_behind(demo, tmp_path, monkeypatch):
    result, _, _ = demo

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(demo_write, "render_html", broken)
    with pytest.raises(OSError):
        write_demo(result, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_keeps_other_files(demo, tmp_path):
    result, _, _ = demo
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    write_demo(result, out)
    assert (out / "notes.txt").read_text() == "mine" and (out / "demo.html").is_file()


@pytest.mark.parametrize(("field", "value"), [("num_reads", 0), ("binding_fraction", 1.0), ("assignment_prefix", 4)])
def test_bad_settings_are_refused_before_any_solve(field, value):
    with pytest.raises(BadInputError) as caught:
        run_demo(dataclasses.replace(DemoSettings(), **{field: value}))
    assert caught.value.field == field


def test_check_out_names_a_file_parent(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(BadInputError) as caught:
        check_output_dir("out", blocker / "inside")
    assert caught.value.field == "out" and str(Path(blocker)) in str(caught.value)
