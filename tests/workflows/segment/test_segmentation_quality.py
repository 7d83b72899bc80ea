"""Quality metrics, bootstrap stability with the seed's reading, and the K sweep."""

from __future__ import annotations

import numpy as np
import pytest
from segmentation_support import blobs, uniform
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from qseg.errors import BadInputError
from qseg.workflows.segment.methods import hdbscan, kmeans, refit
from qseg.workflows.segment.pmedian import pmedian_cost
from qseg.workflows.segment.quality import bootstrap_stability, cluster_quality, model_selection, stability_reading


def kmeans_fit(k: int):
    return lambda points, seed: KMeans(k, n_init=1, random_state=seed).fit_predict(points)


def test_quality_on_all_customers_matches_sklearn_and_the_pmedian_cost():
    points, _ = blobs(n=400, seed=3)
    result = kmeans(points, 4, seed=0)
    quality = cluster_quality(points, result.labels, result.medoids, seed=0)
    assert quality.silhouette_sample is None and quality.clusters == 4 and quality.noise == 0
    assert quality.silhouette == pytest.approx(silhouette_score(points, result.labels))
    assert quality.davies_bouldin is not None and quality.calinski_harabasz is not None
    assert quality.pmedian_cost == pytest.approx(pmedian_cost(points, result.medoids))


def test_the_silhouette_is_sampled_above_the_threshold_and_the_sample_size_recorded():
    points, _ = blobs(n=1500, seed=1)
    result = kmeans(points, 4, seed=0)
    sampled = cluster_quality(points, result.labels, result.medoids, seed=2, silhouette_sample=500)
    assert sampled.silhouette_sample == 500
    full = silhouette_score(points, result.labels)
    assert sampled.silhouette == pytest.approx(full, abs=0.05) and sampled.silhouette != full
    again = cluster_quality(points, result.labels, result.medoids, seed=2, silhouette_sample=500)
    assert again.silhouette == sampled.silhouette


def test_noise_is_left_out_of_the_metrics_and_counted():
    points, labels = blobs(n=300, k=3, seed=4)
    noisy = labels.copy()
    noisy[:25] = -1
    medoids = np.array([np.flatnonzero(noisy == c)[0] for c in range(3)])
    quality = cluster_quality(points, noisy, medoids, seed=0)
    assert quality.noise == 25 and quality.clusters == 3
    assert quality.silhouette == pytest.approx(silhouette_score(points[25:], noisy[25:]))
    # Every customer, noise included, is in the p-median objective.
    assert quality.pmedian_cost == pytest.approx(pmedian_cost(points, medoids))


def test_one_cluster_has_no_metrics():
    points, _ = blobs(n=100)
    labels = np.zeros(100, dtype=int)
    labels[:10] = -1
    quality = cluster_quality(points, labels, np.array([50]), seed=0)
    assert (quality.silhouette, quality.davies_bouldin, quality.calinski_harabasz) == (None, None, None)
    assert quality.clusters == 1 and quality.noise == 10 and quality.pmedian_cost is not None


def test_well_separated_blobs_are_highly_stable_and_uniform_noise_is_not():
    points, _ = blobs(n=300, seed=6)
    noise = uniform(n=300, seed=6)
    stable = bootstrap_stability(points, refit(kmeans, k=4, n_init=1), kmeans(points, 4, seed=0).labels, resamples=6,
                                 seed=1)
    unstable = bootstrap_stability(noise, kmeans_fit(4), kmeans(noise, 4, seed=0).labels, resamples=6, seed=1)
    assert stable.mean > 0.75 and stable.reading == "highly stable" and stable.resamples == 6
    assert unstable.mean < stable.mean - 0.2 and len(unstable.scores) == 6
    assert unstable.std == pytest.approx(np.std(unstable.scores))


def test_stability_repeats_with_its_seed_and_passes_a_seed_to_the_fit():
    points, _ = blobs(n=200, seed=2)
    seen: list[int] = []

    def fit(sample, seed):
        seen.append(seed)
        return KMeans(3, n_init=1, random_state=seed).fit_predict(sample)

    base = kmeans(points, 3, seed=0).labels
    first = bootstrap_stability(points, fit, base, resamples=3, seed=5)
    second = bootstrap_stability(points, fit, base, resamples=3, seed=5)
    assert first == second and seen[:3] == seen[3:] and len(set(seen[:3])) == 3


@pytest.mark.parametrize("mean, reading", [
    (0.99, "highly stable"), (0.7501, "highly stable"), (0.75, "acceptable"), (0.6, "acceptable"),
    (0.5, "acceptable"), (0.4999, "unreliable"), (-0.1, "unreliable"),
])
def test_the_seeds_reading_and_its_boundaries(mean, reading):
    assert stability_reading(mean) == reading


@pytest.mark.parametrize("mean", [float("nan"), float("inf"), True, "0.8"])
def test_a_reading_of_no_number_is_bad_input(mean):
    with pytest.raises(BadInputError):
        stability_reading(mean)


def test_a_fit_returning_the_wrong_number_of_labels_is_named():
    points, _ = blobs(n=50)
    with pytest.raises(BadInputError) as caught:
        bootstrap_stability(points, lambda sample, seed: np.zeros(3, dtype=int), np.zeros(50, dtype=int), seed=0)
    assert caught.value.field == "fit"


def test_model_selection_finds_the_number_of_blobs():
    points, _ = blobs(n=500, k=4, seed=8)
    selection = model_selection(points, range(2, 8), seed=0, n_init=3)
    assert selection.ks == (2, 3, 4, 5, 6, 7) and selection.chosen_k == 4
    assert selection.silhouette[2] == max(selection.silhouette)
    assert all(a >= b for a, b in zip(selection.inertia, selection.inertia[1:]))
    assert selection.silhouette_sample is None
    sampled = model_selection(points, [3, 4], seed=0, silhouette_sample=200, n_init=3)
    assert sampled.silhouette_sample == 200 and sampled.chosen_k == 4


@pytest.mark.parametrize("ks", [[1, 2], [2, 2], [], [2, 500], "2..10"])
def test_model_selection_refuses_bad_values_of_k(ks):
    with pytest.raises(BadInputError) as caught:
        model_selection(blobs(n=500)[0], ks, seed=0)
    assert caught.value.field == "k"


def test_any_method_plugs_into_the_bootstrap_including_one_with_noise():
    points, _ = blobs(n=300, k=3, seed=2, spread=0.5)
    base = hdbscan(points, min_cluster_size=20, min_samples=5).labels
    stability = bootstrap_stability(points, refit(hdbscan, min_cluster_size=20, min_samples=5), base, resamples=3, seed=0)
    assert stability.mean > 0.75 and stability.resamples == 3
