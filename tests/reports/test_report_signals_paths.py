"""``qseg report`` on signals and paths (issue 23, items 4 and 5): SIGTERM ends the forked plot
workers with the command; a ``plots/`` symlink out of the store is refused before any figure;
concurrent reports never share a temporary file name."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from report_support import write_store

from qseg.cli import Terminated, _signals_unwind, main
from qseg.errors import BadInputError
from qseg.reports import figures
from qseg.reports.report import write_report

PIDS = "QSEG_TEST_WORKER_PIDS"


def _blocking_draw(task: tuple[str, str]) -> Path | None:
    """A figure that never finishes: record the worker, and the first one terminates the command."""
    folder = Path(os.environ[PIDS])
    (folder / str(os.getpid())).touch()
    if task[1] == "first":
        os.kill(os.getppid(), signal.SIGTERM)
    signal.pause()  # only a signal ends it: the worker must be ended by its parent
    return None


def test_sigterm_ends_the_plot_workers_with_the_command(tmp_path, monkeypatch):
    monkeypatch.setenv(PIDS, str(tmp_path))
    monkeypatch.setattr(figures, "_draw", _blocking_draw)
    tasks = [("p", "first"), ("p", "second"), ("p", "third"), ("p", "fourth")]
    with _signals_unwind(), pytest.raises(Terminated):
        figures._run(tasks, 2)  # before: the pool waited for its workers for ever
    workers = [int(path.name) for path in tmp_path.iterdir()]
    assert workers
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.parametrize("where", ["plots", "plots/knapsack"])
def test_a_plots_symlink_out_of_the_store_is_refused_before_any_figure(tmp_path, where):
    store = write_store(tmp_path / "store")
    outside = tmp_path / "outside"
    outside.mkdir()
    link = store / where
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(outside, target_is_directory=True)
    with pytest.raises(BadInputError, match="symlink out of the store"):
        write_report(store)
    assert list(outside.iterdir()) == []
    assert not (store / "report.md").exists()


def test_a_plots_symlink_inside_the_store_is_followed(tmp_path):
    store = write_store(tmp_path / "store")
    (store / "figures").mkdir()
    (store / "plots").symlink_to(store / "figures", target_is_directory=True)
    write_report(store)
    assert any((store / "figures").rglob("*.png"))


def test_a_dangling_plots_symlink_is_refused_by_the_cli(tmp_path, capsys):
    store = write_store(tmp_path / "store")
    (store / "plots").symlink_to(tmp_path / "gone")
    assert main(["report", str(store)]) == 2
    err = capsys.readouterr().err
    assert "plots: is a symlink to" in err and "does not exist" in err
    assert not (tmp_path / "gone").exists()


def test_a_temporary_name_held_by_another_report_does_not_collide(tmp_path):
    store = write_store(tmp_path / "store")
    write_report(store)
    figures_drawn = sorted((store / "plots").rglob("*.png"))
    assert figures_drawn
    for figure in figures_drawn:
        # what a second `qseg report` drawing the same figure at that moment holds: before, every
        # report used this one name, so the two collided (exit 74)
        (figure.parent / f".{figure.stem}.tmp.png").mkdir()
    assert write_report(store, html=True) == store / "report.md"
    assert sorted(p for p in (store / "plots").rglob("*.png") if not p.name.startswith(".")) == figures_drawn
    assert all(p.is_dir() for p in (store / "plots").rglob(".*"))  # no temporary file left behind
