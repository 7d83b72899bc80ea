"""Classical segmentations: seeded, valid medoids, FasterPAM's two paths, HDBSCAN's noise."""

from __future__ import annotations

import numpy as np
import pytest
from segmentation_support import blobs

from qseg.errors import BadInputError
from qseg.workflows.segment import methods
from qseg.workflows.segment.methods import fasterpam, gaussian_mixture, hdbscan, kmeans
from qseg.workflows.segment.pmedian import nearest_medoid, pmedian_cost

SEEDED = [
    ("kmeans", lambda points, seed: kmeans(points, 4, seed=seed, n_init=3)),
    ("gaussian_mixture", lambda points, seed: gaussian_mixture(points, 4, seed=seed)),
    ("fasterpam", lambda points, seed: fasterpam(points, 4, seed=seed)),
    ("fasterpam", lambda points, seed: fasterpam(points, 4, seed=seed, max_full=10, sample_size=200)),
]


@pytest.mark.parametrize("name, run", SEEDED)
def test_the_same_seed_gives_the_same_segmentation_and_valid_medoids(name, run):
    points, _ = blobs(n=500, seed=7)
    first, second = run(points, 11), run(points, 11)
    assert first.method == name and first.k == 4 and first.noise == 0
    assert np.array_equal(first.labels, second.labels) and np.array_equal(first.medoids, second.medoids)
    assert len(np.unique(first.medoids)) == 4 and first.medoids.min() >= 0 and first.medoids.max() < 500
    # Each cluster's medoid is one of its members, so medoid j stands for label j.
    assert np.array_equal(first.labels[first.medoids], np.arange(4))
    assert first.pmedian(points) == pytest.approx(pmedian_cost(points, first.medoids))
    assert not first.labels.flags.writeable


def test_fasterpam_full_path_reports_its_own_loss_and_nearest_medoid_labels():
    points, _ = blobs(n=400, seed=1)
    result = fasterpam(points, 4, seed=0)
    assert result.params["path"] == "full" and result.params["sample_size"] == 400
    assert result.params["loss"] == pytest.approx(pmedian_cost(points, result.medoids))
    assert np.array_equal(result.labels, nearest_medoid(points, result.medoids))


def test_fasterpam_sample_path_is_close_to_the_full_path_on_blobs():
    points, _ = blobs(n=2000, seed=4, spread=1.5)
    full = fasterpam(points, 4, seed=0)
    sampled = fasterpam(points, 4, seed=0, max_full=1000, sample_size=400)
    assert sampled.params["path"] == "sample" and sampled.params["sample_size"] == 400
    assert sampled.params["max_full"] == 1000
    assert np.array_equal(sampled.labels, nearest_medoid(points, sampled.medoids))
    full_cost, sample_cost = full.pmedian(points), sampled.pmedian(points)
    assert sample_cost <= 1.03 * full_cost


def test_the_full_matrix_limit_follows_the_memory_available(monkeypatch):
    monkeypatch.setattr(methods, "available_memory", lambda: 8 * 1000**2 * 2)
    assert methods.full_matrix_limit() == int(np.sqrt(methods.MEMORY_FRACTION * 2 * 1000**2))
    monkeypatch.setattr(methods, "available_memory", lambda: None)
    assert methods.full_matrix_limit() == methods.FALLBACK_MAX_FULL
    monkeypatch.setattr(methods, "available_memory", lambda: 8 * 100**2)
    assert fasterpam(blobs(n=300)[0], 3, seed=0).params["path"] == "sample"


def test_hdbscan_counts_noise_separately_and_scores_its_clusters():
    points, _ = blobs(n=600, k=3, seed=2, spread=0.5)
    outliers = np.random.default_rng(0).uniform(-30, 30, size=(40, 5))
    data = np.vstack([points, outliers])
    result = hdbscan(data, min_cluster_size=30, min_samples=10)
    assert result.noise == int((result.labels == -1).sum()) > 0
    assert result.k == len(np.unique(result.labels[result.labels >= 0])) == len(result.medoids) == 3
    assert (result.labels[result.medoids] >= 0).all()
    assert result.pmedian(data) == pytest.approx(pmedian_cost(data, result.medoids))


def test_kmeans_keeps_its_own_labels_not_the_nearest_medoid_ones():
    # Two elongated clusters: KMeans' centroid boundary and the medoid boundary differ for some
    # customers, and the segmentation keeps KMeans' labels.
    points, _ = blobs(n=800, k=2, seed=9, spread=3.0)
    result = kmeans(points, 2, seed=0)
    from sklearn.cluster import KMeans

    assert np.array_equal(result.labels, KMeans(2, n_init=10, random_state=0).fit(points).labels_)
    assert (result.labels != nearest_medoid(points, result.medoids)).any()
    assert result.params["n_init"] == 10


@pytest.mark.parametrize("k", [1, 0, 501, True, 2.5, "4"])
def test_a_k_out_of_range_or_not_whole_is_bad_input(k):
    with pytest.raises(BadInputError) as caught:
        kmeans(blobs(n=500)[0], k, seed=0)
    assert caught.value.field == "k"


def test_a_negative_seed_is_bad_input():
    with pytest.raises(BadInputError) as caught:
        fasterpam(blobs(n=50)[0], 2, seed=-1)
    assert caught.value.field == "seed"
