"""Seeded data for the segmentation tests: well-separated blobs, uniform noise, and a small
RFM-like customer frame whose groups have known behaviours."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import make_blobs

# The customer features qseg.data.rfm produces (defined here: the segmentation layer takes names
# as parameters and does not import the data layer).
FEATURES = ("Recency", "Frequency", "Monetary", "TotalQuantity", "UniqueProducts")
GROUPS = ("loyal", "at risk", "bulk", "recent low")


def blobs(n: int = 600, k: int = 4, seed: int = 0, features: int = 5, spread: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """Return (points, true labels) of ``k`` well-separated Gaussian blobs."""
    points, labels = make_blobs(n_samples=n, n_features=features, centers=k, cluster_std=spread,
                                center_box=(-10, 10), random_state=seed)
    return points, labels


def uniform(n: int = 600, seed: int = 0, features: int = 5) -> np.ndarray:
    """Return ``n`` points uniform in the unit cube: no cluster structure at all."""
    return np.random.default_rng(seed).uniform(size=(n, features))


def rfm_frame(per_group: int = 80, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Return (customer features with columns FEATURES, group index into GROUPS): loyal
    customers (recent, frequent, big spenders), at-risk ones (long recency), bulk buyers (few
    invoices, large quantities) and recent low spenders."""
    rng = np.random.default_rng(seed)
    m = per_group
    recency = np.concatenate([rng.integers(1, 20, m), rng.integers(200, 370, m), rng.integers(30, 90, m),
                              rng.integers(1, 25, m)])
    frequency = np.concatenate([rng.integers(15, 40, m), rng.integers(1, 3, m), rng.integers(1, 3, m),
                                rng.integers(1, 3, m)])
    quantity = np.concatenate([rng.integers(2000, 6000, m), rng.integers(20, 200, m), rng.integers(5000, 20000, m),
                               rng.integers(10, 120, m)])
    price = np.concatenate([rng.uniform(2, 4, m), rng.uniform(2, 4, m), rng.uniform(0.5, 1, m), rng.uniform(1, 3, m)])
    unique = np.concatenate([rng.integers(150, 400, m), rng.integers(5, 30, m), rng.integers(3, 15, m),
                             rng.integers(3, 20, m)])
    frame = pd.DataFrame({"Recency": recency, "Frequency": frequency, "Monetary": quantity * price,
                          "TotalQuantity": quantity, "UniqueProducts": unique})
    return frame[list(FEATURES)], np.repeat(np.arange(len(GROUPS)), m)


def scaled(frame: pd.DataFrame) -> np.ndarray:
    """Return log1p then standardised features (a stand-in for the data layer's scaler)."""
    logged = np.log1p(frame.to_numpy(dtype=float))
    return (logged - logged.mean(axis=0)) / logged.std(axis=0)
