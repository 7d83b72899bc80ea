"""A bad value that makes a figure worker raise BadInputError reaches the parent whole: one line
and exit 2, never ``BrokenProcessPool`` (issue 23: qseg errors are picklable)."""

from __future__ import annotations

import os

from cli_support import without_progress
from report_support import write_store

from qseg.cli import main
from qseg.errors import BadInputError
from qseg.reports import figures


def test_a_figure_worker_raising_bad_input_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys):
    store = write_store(tmp_path / "store")

    parent = os.getpid()
    original = figures.WRITERS["feasibility"]

    def refuse_in_a_worker(data: figures.ProblemCells) -> object:
        # raises only in a forked worker: drawn in this process, the test would not see the pool
        if os.getpid() != parent:
            raise BadInputError("backend", "$\\alpha$", "cannot be drawn")
        return original(data)

    monkeypatch.setitem(figures.WRITERS, "feasibility", refuse_in_a_worker)
    monkeypatch.setattr(figures.os, "cpu_count", lambda: 2)  # the pool of two forked workers, on any machine
    assert main(["report", str(store)]) == 2
    err = without_progress(capsys.readouterr().err)
    assert err == "qseg: error: backend=$\\alpha$: cannot be drawn\n", err
    assert not (store / "report.md").exists()
