"""`qseg solve kmedoids` from the command line: the done-when runs and bad input (exit 2, one
line naming the field and the value, no traceback)."""

from __future__ import annotations

import pytest
from cli_support import one_json_object, run, without_progress

# --- done-when ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [
    60,
    # The notebook's size: ~20 s, most of it CBC proving the reference on 62,750 binaries.
    pytest.param(250, marks=pytest.mark.slow),
])
def test_selection_sa_with_reference_is_feasible_with_a_gap(capsys, size):
    code, out, err = run(capsys, "solve", "kmedoids", "--size", str(size), "--seed", "0", "--formulation", "selection",
                         "--backend", "sa", "--reference", "--json")
    record = one_json_object(out)
    assert code == 0, err
    assert record["feasible"] is True and record["status"] == "ok"
    assert isinstance(record["gap"], float) and record["gap"] >= -1e-9
    assert record["reference_source"] == "cbc" and record["reference_proven"] is True
    assert record["num_variables"] == size and record["details"]["medoids"] == 4
    assert record["polished"] is False


def test_polish_adds_gap_raw_and_never_increases_the_gap(capsys):
    code, out, err = run(capsys, "solve", "kmedoids", "--size", "250", "--seed", "0", "--formulation", "selection",
                         "--backend", "sa", "--reference", "--polish", "--json")
    record = one_json_object(out)
    assert code == 0, err
    assert record["feasible"] is True and record["polished"] is True
    assert isinstance(record["gap"], float) and isinstance(record["gap_raw"], float)
    assert record["gap"] <= record["gap_raw"] + 1e-12
    assert record["feasible_fraction"] == 1.0 and record["details"]["medoids"] == 4


def test_set_k_reaches_the_problem(capsys):
    code, out, err = run(capsys, "solve", "kmedoids", "--size", "20", "--set", "k=3", "--backend", "highs", "--json")
    record = one_json_object(out)
    assert code == 0, err
    assert record["details"]["k"] == 3 and record["details"]["medoids"] == 3 and record["formulation"] == "cqm"


# --- bad input ------------------------------------------------------------------------------------


def assert_one_line_bad_input(code, out, err, *named):
    lines = without_progress(err).strip().splitlines()
    assert code == 2 and out == "", err
    assert len(lines) == 1 and "Traceback" not in err, err
    for text in named:
        assert text in lines[0], err


@pytest.mark.parametrize(
    "argv, named",
    [
        (["--set", "k=0"], ["k=0"]),
        (["--size", "10", "--set", "k=11"], ["k=11"]),
        (["--size", "10", "--set", "k=2.5"], ["k=2.5"]),
        (["--size", "10", "--set", "metric=cosine"], ["metric=cosine"]),
        (["--size", "10", "--formulation", "assignment", "--set", "max_memory_fraction=0"], ["max_memory_fraction=0"]),
        (["--size", "10", "--formulation", "selection", "--set", "radius_rank=99"], ["radius_rank=99"]),
    ],
)
def test_bad_parameters_are_exit_2_naming_field_and_value(capsys, argv, named):
    code, out, err = run(capsys, "solve", "kmedoids", *argv)
    assert_one_line_bad_input(code, out, err, *named)


def test_k_with_a_pmed_file_is_exit_2(capsys, tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("3 2 1\n1 2 1\n2 3 1\n")
    code, out, err = run(capsys, "solve", "kmedoids", "--data", str(path), "--set", "k=3")
    assert_one_line_bad_input(code, out, err, "k=3", "tiny.txt")


def test_k_with_packaged_pmed1_is_exit_2(capsys, instances_dir):
    code, out, err = run(capsys, "solve", "kmedoids", "--data", "pmed1.txt", "--set", "k=3")
    assert_one_line_bad_input(code, out, err, "k=3")


@pytest.mark.parametrize(
    "name, content",
    [
        ("garbage.txt", b"this is not\na pmed file\n"),
        ("binary.txt", b"\xff\xfe\x00\x81\x92"),
        ("disconnected.txt", b"4 2 1\n1 2 3\n3 4 1\n"),
    ],
)
def test_a_bad_pmed_file_is_exit_2_naming_data_and_the_path(capsys, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = run(capsys, "solve", "kmedoids", "--data", str(path))
    assert_one_line_bad_input(code, out, err, f"data={path}")


def test_a_missing_pmed_file_is_exit_2(capsys, tmp_path):
    path = tmp_path / "absent.txt"
    code, out, err = run(capsys, "solve", "kmedoids", "--data", str(path))
    assert_one_line_bad_input(code, out, err, f"data={path}")


CSV_CASES = {
    "duplicate_id": ("id,f1,f2\n7,0,0\n8,1,1\n7,2,2\n", [], ["id=", "7", "duplicate"]),
    "non_numeric": ("id,f1,f2\n1,0,0\n2,1,abc\n3,2,2\n", [], ["f2[1]=abc"]),
    "non_square": ("0,1,2\n1,0,3\n", ["--set", "metric=precomputed"], ["distances=", "(2, 3)"]),
    "asymmetric": ("0,1,2\n1,0,3\n2,4,0\n", ["--set", "metric=precomputed"], ["distances[1][2]=3.0"]),
    "negative": ("0,-1,2\n-1,0,3\n2,3,0\n", ["--set", "metric=precomputed"], ["distances[0][1]=-1.0"]),
    "nan": ("0,nan,2\nnan,0,3\n2,3,0\n", ["--set", "metric=precomputed"], ["distances[0][1]=", "nan"]),
    "text_cell": ("0,1,2\n1,0,x\n2,3,0\n", ["--set", "metric=precomputed"], ["distances[1][2]=", "must be a number"]),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_a_bad_csv_is_exit_2_naming_field_and_value(capsys, tmp_path, case):
    text, extra, named = CSV_CASES[case]
    path = tmp_path / f"{case}.csv"
    path.write_text(text)
    code, out, err = run(capsys, "solve", "kmedoids", "--data", str(path), "--set", "k=1", *extra)
    assert_one_line_bad_input(code, out, err, *named)


@pytest.mark.parametrize(
    "text, extra, expected",
    [
        pytest.param("id,f1,f2\n7,0,0\n8,1,1\n7,2,2\n", [], "qseg: error: id=7: duplicate customer id", id="duplicate_id"),
        pytest.param("0,nan,2\nnan,0,3\n2,3,0\n", ["--set", "metric=precomputed"], "qseg: error: distances[0][1]=nan:", id="nan"),
        pytest.param("0,1,2\n1,0,x\n2,3,0\n", ["--set", "metric=precomputed"], "qseg: error: distances[1][2]=x:", id="text_cell"),
    ],
)
def test_the_value_is_printed_as_the_user_wrote_it_not_as_a_numpy_repr(capsys, tmp_path, text, extra, expected):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    code, _, err = run(capsys, "solve", "kmedoids", "--data", str(path), "--set", "k=1", *extra)
    assert code == 2 and without_progress(err).startswith(expected), err


def test_a_csv_with_duplicate_points_solves_and_reports_them(capsys, tmp_path):
    path = tmp_path / "points.csv"
    path.write_text("f1,f2\n0,0\n0,0\n4,4\n4,5\n9,9\n")
    code, out, err = run(capsys, "solve", "kmedoids", "--data", str(path), "--set", "k=2", "--backend", "cbc", "--json")
    record = one_json_object(out)
    assert code == 0, err
    assert record["feasible"] is True and record["details"]["duplicate_points"] == 1


def test_one_medoid_with_the_default_selection_formulation_runs(capsys):
    code, out, err = run(capsys, "solve", "kmedoids", "--size", "10", "--set", "k=1", "--param", "num_reads=5", "--json")
    assert code == 0, err
    assert one_json_object(out)["details"]["medoids"] == 1
