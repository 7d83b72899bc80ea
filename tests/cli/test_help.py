"""Help and discovery: ``qseg --version``, defaults in every ``--help``, ``qseg problems``
listing formulations, ``--set`` keys and baselines, and progress on stderr for long commands."""

from __future__ import annotations

import argparse
import io
import json

import pytest
from cli_support import run

from qseg import __version__
from qseg.cli.parser import build_parser
from qseg.cli.progress import Progress
from qseg.problems import problem_class, problem_names


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"qseg {__version__}"


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_every_default_is_shown_in_help(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    text = " ".join(out.split())
    for action in _subparsers()[command]._actions:
        if action.default in (None, False, [], argparse.SUPPRESS) or not action.option_strings:
            continue
        assert f"default: {action.default}" in text or f"default {action.default}" in text, action.dest


def test_options_without_a_value_say_what_happens_by_default(capsys):
    _, out, _ = run(capsys, "solve", "--help")
    text = " ".join(out.split())
    for needed in ("(default: sa)", "(default: per problem and backend)", "(default: generated)"):
        assert needed in text


def test_problems_json_lists_formulations_set_keys_and_baselines(capsys):
    code, out, _ = run(capsys, "problems", "--json")
    listing = {entry["name"]: entry for entry in json.loads(out)}
    assert code == 0 and sorted(listing) == problem_names()
    for name, entry in listing.items():
        cls = problem_class(name)
        assert entry["formulations"] == list(cls.formulations) and entry["parameters"] == list(cls.parameters)
        assert set(entry["penalty_options"]) == set(cls.formulations)
    binning = listing["binning"]["baselines"]
    assert "monotonic" in binning["dp"] and "monotonic" not in binning["uniform"]
    assert set(listing["knapsack"]["baselines"]) == {"greedy", "dp"}


def test_problems_names_one_problem_in_text(capsys):
    code, out, _ = run(capsys, "problems", "kmedoids")
    assert code == 0 and out.startswith("kmedoids (min)") and "selection, bauckhage, assignment" in out
    assert "--baseline fasterpam" in out and "gamma" in out


def test_an_unknown_problem_is_bad_input(capsys):
    code, _, err = run(capsys, "problems", "nope")
    assert code == 2 and "nope" in err


@pytest.mark.parametrize(("name", "size"), [("knapsack", 30), ("kmedoids", 30), ("assignment", 20), ("binning", 500)])
def test_listed_baselines_cover_what_an_instance_offers(name, size):
    import qseg

    offered = set(qseg.problem(name, size=size).baselines())
    assert offered <= set(problem_class(name).baseline_names)


def test_solve_announces_its_steps_and_the_reference_with_its_time(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("QSEG_CACHE_DIR", str(tmp_path))
    argv = ("solve", "knapsack", "--size", "40", "--param", "num_reads=10", "--reference")
    code, out, err = run(capsys, *argv)
    assert code == 0
    assert err.splitlines()[0].startswith("qseg solve: building knapsack")
    assert "qseg solve: reference: solving exactly with cbc" in err and "qseg solve: solving with sa" in err
    reference = next(line for line in out.splitlines() if line.startswith("reference"))
    assert reference.startswith("reference  ") and reference.endswith(" s)") and "(cbc, proven, " in reference
    assert "the solver's run alone" in out and "total" in out
    code, out, err = run(capsys, *argv)
    assert code == 0 and "reference: solving" not in err
    assert next(line for line in out.splitlines() if line.startswith("reference")).endswith("(cbc, proven, cached)")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_uses_rich_on_a_terminal_and_plain_lines_otherwise():
    terminal = _Terminal()
    with Progress("report", terminal) as progress:
        assert progress.rich
        progress.step("reading the store")
    assert "qseg report: reading the store" in terminal.getvalue()
    plain = io.StringIO()
    with Progress("report", plain) as progress:
        progress.step("reading the store")
        progress.step("drawing")
    assert plain.getvalue() == "qseg report: reading the store\nqseg report: drawing\n"


def test_report_announces_itself_on_stderr(capsys, tmp_path):
    code, _, err = run(capsys, "report", str(tmp_path / "missing"))
    assert err.startswith("qseg report: reading ")
