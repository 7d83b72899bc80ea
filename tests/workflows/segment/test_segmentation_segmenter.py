"""The JSON segmenter: round trip, assignment, and refusal of damaged files naming the field."""

from __future__ import annotations

import json

import numpy as np
import pytest
from segmentation_support import FEATURES, blobs

from qseg.errors import BadInputError
from qseg.workflows.segment.methods import fasterpam
from qseg.workflows.segment.pmedian import nearest_medoid
from qseg.workflows.segment.segmenter import SCHEMA_VERSION, Segmenter, load

SCALING = {"kind": "log-standard", "mean": [0.1] * 5, "scale": [1.3] * 5}


def fitted(n: int = 300) -> tuple[np.ndarray, Segmenter, np.ndarray]:
    points, _ = blobs(n=n, seed=5, spread=2.0)
    result = fasterpam(points, 4, seed=0)
    names = [f"segment {i}" for i in range(4)]
    segmenter = Segmenter.from_rows(points, result.medoids, features=FEATURES, scaling=SCALING, segment_names=names,
                                    method="fasterpam", backend=None)
    return points, segmenter, result.medoids


def test_a_saved_segmenter_assigns_the_fitted_customers_as_their_nearest_medoid(tmp_path):
    points, segmenter, rows = fitted()
    path = segmenter.save(tmp_path / "segmenter.json")
    loaded = load(path)
    assert Segmenter.load(path).to_json() == loaded.to_json() == segmenter.to_json()
    assert np.array_equal(loaded.assign(points), nearest_medoid(points, rows))
    assert np.array_equal(loaded.medoids, points[rows])
    assert loaded.names_of(loaded.assign(points[rows])).tolist() == list(segmenter.segment_names)
    assert [p.name for p in tmp_path.iterdir()] == ["segmenter.json"]


def test_a_tie_between_medoids_goes_to_the_lower_index():
    segmenter = Segmenter(features=("a", "b"), scaling={}, medoids=np.array([[1.0, 0.0], [-1.0, 0.0]]),
                          segment_names=("x", "y"), method="test")
    assert segmenter.assign(np.array([[0.0, 5.0], [-0.1, 0.0]])).tolist() == [0, 1]


def test_assign_refuses_the_wrong_number_of_columns():
    _, segmenter, _ = fitted(50)
    with pytest.raises(BadInputError) as caught:
        segmenter.assign(np.zeros((3, 4)))
    assert caught.value.field == "scaled"


def damage(document: dict, how: str) -> str:
    if how == "missing":
        del document["medoids"]
    elif how == "version":
        document["schema_version"] = SCHEMA_VERSION + 1
    elif how == "nan":
        document["medoids"][1][2] = float("nan")
    elif how == "short row":
        document["medoids"][0] = document["medoids"][0][:-1]
    elif how == "names":
        document["segment_names"] = document["segment_names"][:-1]
    elif how == "repeated feature":
        document["features"][1] = document["features"][0]
    elif how == "unknown key":
        document["model"] = "kmeans"
    elif how == "bool":
        document["medoids"][0][0] = True
    elif how == "scaling":
        document["scaling"] = [1, 2]
    return json.dumps(document)


@pytest.mark.parametrize("how, field", [
    ("missing", "medoids"), ("version", "schema_version"), ("nan", "medoids"), ("short row", "medoids"),
    ("names", "segment_names"), ("repeated feature", "features"), ("unknown key", "model"), ("bool", "medoids"),
    ("scaling", "scaling"),
])
def test_a_damaged_file_is_refused_naming_the_field(tmp_path, how, field):
    _, segmenter, _ = fitted(50)
    path = tmp_path / "segmenter.json"
    path.write_text(damage(segmenter.to_json(), how))
    with pytest.raises(BadInputError) as caught:
        load(path)
    # one line naming the file (the error's field and value) and the field inside it
    assert caught.value.field == "segmenter" and caught.value.value == str(path)
    assert caught.value.reason.startswith((f"{field}=", f"{field}[")), caught.value.reason


@pytest.mark.parametrize("text", ["{not json", "", "[1, 2]"])
def test_a_file_that_is_not_a_segmenter_object_is_refused(tmp_path, text):
    path = tmp_path / "segmenter.json"
    path.write_text(text)
    with pytest.raises(BadInputError) as caught:
        load(path)
    assert caught.value.field == "segmenter"


def test_a_missing_file_is_bad_input(tmp_path):
    with pytest.raises(BadInputError) as caught:
        load(tmp_path / "absent.json")
    assert caught.value.field == "segmenter"
