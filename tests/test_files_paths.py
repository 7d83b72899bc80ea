"""Output paths checked before any work (issue 23, item 5): dangling symlinks and loops refused
naming the path as given, no output onto an input, unique temporary names, bounded error lines
and CSV headers whose names differ only by blanks."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from qseg.errors import BadInputError
from qseg.files import (
    check_not_input,
    check_output_dir,
    header_names,
    publish_folder,
    replacing,
    short_list,
)


def test_a_dangling_symlink_as_out_is_refused_naming_the_given_path(tmp_path):
    link = tmp_path / "out"
    link.symlink_to(tmp_path / "nowhere")
    with pytest.raises(BadInputError, match=r"^out=.*out: is a symlink to .*nowhere, which does not exist$"):
        check_output_dir("out", link)


def test_a_symlink_loop_as_out_is_refused(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(BadInputError, match="symlink loop"):
        check_output_dir("out", tmp_path / "a")
    with pytest.raises(BadInputError, match="symlink loop"):
        check_output_dir("analysis", tmp_path / "a" / "deeper")


def test_a_dangling_ancestor_is_refused(tmp_path):
    (tmp_path / "gone").symlink_to(tmp_path / "missing")
    with pytest.raises(BadInputError, match=r"gone is a symlink to"):
        check_output_dir("out", tmp_path / "gone" / "sub")


def test_a_symlink_to_an_existing_folder_is_followed(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert check_output_dir("out", tmp_path / "link") == tmp_path / "link"
    publish_folder(tmp_path / "link", lambda staging: (staging / "a.txt").write_text("a"))
    assert (tmp_path / "real" / "a.txt").read_text() == "a"


def test_an_output_that_is_an_input_is_refused_resolved_and_by_hard_link(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    source = out / "features.csv"
    source.write_text("x")
    with pytest.raises(BadInputError, match=r"would write over the input .*features\.csv"):
        check_not_input("out", "o", [out / "features.csv"], [source])
    (tmp_path / "via").symlink_to(source)
    with pytest.raises(BadInputError, match="would write over the input"):
        check_not_input("out", "o", [out / "features.csv"], [tmp_path / "via"])
    os.link(source, tmp_path / "hard.csv")
    with pytest.raises(BadInputError, match="would write over the input"):
        check_not_input("out", "o", [out / "features.csv"], [tmp_path / "hard.csv"])
    check_not_input("out", "o", [out / "segment.md"], [source, None])  # a different file: fine


def test_temporary_names_are_unique_per_call_in_one_process(tmp_path):
    target = tmp_path / "report.html"
    with replacing(target) as first, replacing(target) as second:
        assert first != second and first.parent == second.parent == tmp_path
        assert first.suffix == ".html" and str(os.getpid()) in first.name
        first.write_text("1")
        second.write_text("2")
    assert target.read_text() in ("1", "2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_a_failed_publish_names_out_and_leaves_no_staging(tmp_path):
    def fail(staging: Path) -> None:
        (staging / "x").write_text("x")
        raise OSError(28, "No space left on device", str(staging / "x"))

    with pytest.raises(OSError, match="No space left") as caught:
        publish_folder(tmp_path / "out", fail)
    assert ".tmp" not in str(caught.value.filename)
    assert list(tmp_path.iterdir()) == []


def test_sigterm_while_publishing_leaves_no_staging_folder(tmp_path):
    from qseg.cli import Terminated, _signals_unwind

    def killed(staging: Path) -> None:
        (staging / "half.png").write_bytes(b"half")
        os.kill(os.getpid(), signal.SIGTERM)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        with _signals_unwind(), pytest.raises(Terminated):
            publish_folder(tmp_path / "out", lambda staging, signum=signum: ((staging / "a").write_text("a"),
                                                                             os.kill(os.getpid(), signum)))
        assert list(tmp_path.iterdir()) == []
    with _signals_unwind(), pytest.raises(Terminated):
        publish_folder(tmp_path / "out", killed)
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # restored after the command


def test_a_long_list_is_shortened_with_a_count():
    text = short_list([f"c{i}" for i in range(100_000)])
    assert text.endswith("... (99,988 more)") and len(text) < 200
    assert short_list(["a", " b "]) == "a, ' b '"


def test_names_differing_only_by_blanks_are_refused_naming_both():
    assert header_names("data", "f.csv", [" CustomerID", "Quantity"]) == {"CustomerID": " CustomerID", "Quantity": "Quantity"}
    with pytest.raises(BadInputError, match=r"columns ' CustomerID ' and 'CustomerID' differ only by blanks"):
        header_names("data", "f.csv", [" CustomerID ", "CustomerID"])
