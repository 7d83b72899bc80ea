"""``qseg segment`` never writes over one of its inputs and checks ``--out`` before any work
(issue 23, item 5): the input named like an artefact inside ``--out`` (directly or through a
symlink), ``--assign`` into the folder of its own transactions, a broken ``--out`` symlink, and
a CSV header with ``' CustomerID '`` beside ``CustomerID``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cli_support import without_progress

from qseg.cli import main
from qseg.data.rfm import synthetic_transactions

QUICK = ["--backend", "sa", "--param", "num_reads=10", "--param", "num_sweeps=200", "--resamples", "1", "--k", "3"]


@pytest.fixture(scope="module")
def rows():
    frame, _ = synthetic_transactions(60, 3)
    return frame


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(capsys, *needles: str) -> str:
    err = without_progress(capsys.readouterr().err)
    assert err.count("\n") == 1 and err.startswith("qseg: error: out="), err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize("name", ["features.csv", "transactions.csv", "profiles.csv"])
def test_an_input_named_like_an_artefact_inside_out_is_refused(rows, tmp_path, capsys, name):
    out = tmp_path / "o"
    out.mkdir()
    source = out / name
    rows.to_csv(source, index=False)
    before = _digest(source)
    assert main(["segment", str(source), *QUICK, "--out", str(out)]) == 2
    _refused(capsys, "would write over the input", name)
    assert _digest(source) == before and sorted(p.name for p in out.iterdir()) == [name]
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_an_input_reached_through_a_symlink_is_refused(rows, tmp_path, capsys):
    out = tmp_path / "o"
    out.mkdir()
    rows.to_csv(out / "features.csv", index=False)
    (tmp_path / "link.csv").symlink_to(out / "features.csv")
    assert main(["segment", str(tmp_path / "link.csv"), *QUICK, "--out", str(out)]) == 2
    _refused(capsys, "would write over the input")


def test_assign_into_the_folder_of_its_own_transactions_is_refused(rows, tmp_path, capsys):
    fit = tmp_path / "fit"
    source = tmp_path / "tx.csv"
    rows.to_csv(source, index=False)
    assert main(["segment", str(source), *QUICK, "--out", str(fit)]) == 0
    capsys.readouterr()
    assigned = tmp_path / "o"
    assigned.mkdir()
    target = assigned / "assignments.csv"
    rows.to_csv(target, index=False)
    before = _digest(target)
    assert main(["segment", "--assign", str(fit / "segmenter.json"), str(target), "--out", str(assigned)]) == 2
    _refused(capsys, "would write over the input", "assignments.csv")
    assert _digest(target) == before


@pytest.mark.parametrize("kind", ["dangling", "loop"])
def test_a_broken_out_symlink_is_refused_at_the_start_naming_out(tmp_path, capsys, kind):
    out = tmp_path / "out"
    if kind == "dangling":
        out.symlink_to(tmp_path / "nowhere")
    else:
        out.symlink_to(tmp_path / "other")
        (tmp_path / "other").symlink_to(out)
    assert main(["segment", "generated", "--customers", "40", *QUICK, "--out", str(out)]) == 2
    err = _refused(capsys, f"out={out}")
    assert ".tmp" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["out"] + (["other"] if kind == "loop" else []))


def test_a_header_with_blanks_beside_the_real_column_is_refused_naming_both(rows, tmp_path, capsys):
    source = tmp_path / "tx.csv"
    padded = rows.assign(**{" CustomerID ": "same"})
    padded.to_csv(source, index=False)
    assert main(["segment", str(source), *QUICK, "--out", str(tmp_path / "o")]) == 2
    err = without_progress(capsys.readouterr().err)
    assert "' CustomerID '" in err and "'CustomerID'" in err and "blanks" in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


def test_a_huge_header_gives_a_short_error_line(tmp_path, capsys):
    source = tmp_path / "wide.csv"
    source.write_text(",".join(f"col{i}" for i in range(100_000)) + "\n" + ",".join("1" for _ in range(100_000)) + "\n")
    assert main(["segment", str(source), *QUICK, "--out", str(tmp_path / "o")]) == 2
    err = without_progress(capsys.readouterr().err)
    assert err.count("\n") == 1 and len(err) < 600 and "100,000 columns" in err and "more)" in err
