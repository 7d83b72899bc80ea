"""SIGTERM and SIGHUP unwind a command like Ctrl-C (issue 23, item 4): ``qseg segment`` killed
while its output is staged leaves neither the staging folder nor ``--out``; the exit status is
128 + the signal; the previous handlers come back after the command."""

from __future__ import annotations

import os
import signal

import pytest
from cli_support import without_progress

from qseg.cli import main
from qseg.workflows.segment import artefacts

QUICK = ["--backend", "sa", "--param", "num_reads=10", "--param", "num_sweeps=200", "--resamples", "1", "--k", "3",
         "--customers", "40"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_segment_is_staging_leaves_nothing(tmp_path, capsys, monkeypatch, signum):
    drawn = artefacts.plot_segments

    def killed_while_drawing(*args, **kwargs):
        drawn(*args, **kwargs)  # a figure is in the staging folder when the signal comes
        os.kill(os.getpid(), signum)

    monkeypatch.setattr(artefacts, "plot_segments", killed_while_drawing)
    before = signal.getsignal(signum)
    assert main(["segment", "generated", *QUICK, "--out", str(tmp_path / "out")]) == 128 + signum
    assert list(tmp_path.iterdir()) == []  # before: .out.<hex>.tmp full of files (the process died)
    err = without_progress(capsys.readouterr().err)
    assert signal.Signals(signum).name in err and err.count("\n") == 1
    assert signal.getsignal(signum) == before
