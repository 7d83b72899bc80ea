"""The p-median objective without an N x N matrix, and medoids of a labelling."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist
from segmentation_support import blobs

from qseg.errors import BadInputError
from qseg.workflows.segment import pmedian
from qseg.workflows.segment.pmedian import medoids_of_labels, nearest_medoid, pmedian_cost


def full_matrix_cost(points: np.ndarray, rows: np.ndarray) -> float:
    return float(cdist(points, points)[:, rows].min(axis=1).sum())


@pytest.mark.parametrize("block", [pmedian.BLOCK_ROWS, 7])
def test_the_cost_equals_the_full_matrix_computation(monkeypatch, block):
    # Blocks of 7 rows leave a partial last block over 150 customers.
    monkeypatch.setattr(pmedian, "BLOCK_ROWS", block)
    points, _ = blobs(n=150, seed=3)
    rows = np.random.default_rng(1).choice(150, size=5, replace=False)
    assert pmedian_cost(points, rows) == pytest.approx(full_matrix_cost(points, rows), rel=1e-12)
    assert np.array_equal(nearest_medoid(points, rows), np.argmin(cdist(points, points[rows]), axis=1))


def test_a_tie_goes_to_the_lower_medoid_position():
    points = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    # Rows 0 and 3 are the same point: every customer is as close to one as to the other.
    assert nearest_medoid(points, np.array([3, 0])).tolist() == [0, 0, 0, 0]
    assert nearest_medoid(points, np.array([0, 1])).tolist()[2] == 0


def test_medoids_of_labels_are_the_exact_medoids_below_the_sample_size():
    points, labels = blobs(n=300, k=3, seed=5)
    labels = labels.copy()
    labels[:20] = -1
    medoids = medoids_of_labels(points, labels, seed=0)
    assert len(medoids) == 3
    distances = cdist(points, points)
    for cluster, medoid in enumerate(medoids):
        members = np.flatnonzero(labels == cluster)
        assert medoid == members[np.argmin(distances[np.ix_(members, members)].sum(axis=1))]


def test_sampled_medoids_are_members_close_to_the_exact_one_and_repeat_with_the_seed():
    points, labels = blobs(n=900, k=2, seed=2)
    exact = medoids_of_labels(points, labels, seed=0)
    sampled = medoids_of_labels(points, labels, seed=4, sample=60)
    assert np.array_equal(sampled, medoids_of_labels(points, labels, seed=4, sample=60))
    distances = cdist(points, points)
    for cluster in range(2):
        members = np.flatnonzero(labels == cluster)
        assert labels[sampled[cluster]] == cluster
        summed = distances[np.ix_(members, members)].sum(axis=1)
        best, found = summed.min(), distances[sampled[cluster], members].sum()
        assert labels[exact[cluster]] == cluster and found <= 1.05 * best


def test_all_noise_has_no_medoid():
    points, _ = blobs(n=40)
    assert medoids_of_labels(points, np.full(40, -1), seed=0).size == 0


@pytest.mark.parametrize("points, rows, field", [
    (np.array([[0.0, np.nan], [1.0, 1.0]]), np.array([0]), "points"),
    (np.zeros((3, 2)), np.array([3]), "medoid_rows"),
    (np.zeros((3, 2)), np.array([1, 1]), "medoid_rows"),
    (np.zeros((3, 2)), np.array([], dtype=int), "medoid_rows"),
    (np.zeros((3, 2)), np.array([0.5]), "medoid_rows"),
    (np.zeros(3), np.array([0]), "points"),
])
def test_bad_points_or_medoids_are_refused_naming_the_field(points, rows, field):
    with pytest.raises(BadInputError) as caught:
        pmedian_cost(points, rows)
    assert caught.value.field == field


def test_labels_of_the_wrong_length_are_refused():
    with pytest.raises(BadInputError) as caught:
        medoids_of_labels(np.zeros((4, 2)), np.zeros(3, dtype=int), seed=0)
    assert caught.value.field == "labels"
