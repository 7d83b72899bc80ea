"""Segment profiles and the stated business-label rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from segmentation_support import FEATURES, GROUPS, rfm_frame, scaled

from qseg.errors import BadInputError
from qseg.workflows.segment.methods import kmeans
from qseg.workflows.segment.profiles import label_segments, segment_profiles


def test_shares_sum_to_one_and_means_are_the_segment_means():
    frame, groups = rfm_frame(per_group=30, seed=1)
    labels = groups.copy()
    labels[:5] = -1
    profiles = segment_profiles(frame, labels)
    assert list(profiles.index) == [-1, 0, 1, 2, 3]
    assert profiles["customers"].sum() == len(frame)
    assert profiles["customer_share"].sum() == pytest.approx(1.0)
    assert profiles["revenue_share"].sum() == pytest.approx(1.0)
    assert profiles.loc[2, "Monetary"] == pytest.approx(frame["Monetary"][labels == 2].mean())
    expected = frame["Monetary"][labels == 2].sum() / frame["Monetary"].sum()
    assert profiles.loc[2, "revenue_share"] == pytest.approx(expected)
    z = (frame["Recency"][labels == 1].mean() - frame["Recency"].mean()) / frame["Recency"].std(ddof=0)
    assert profiles.loc[1, "Recency_z"] == pytest.approx(z)
    assert ((profiles[[f"{f}_pct" for f in FEATURES]] >= 0) & (profiles[[f"{f}_pct" for f in FEATURES]] <= 1)).all().all()


def test_the_percentile_counts_half_the_ties():
    frame = pd.DataFrame({"Monetary": [1.0, 2.0, 2.0, 5.0]})
    profiles = segment_profiles(frame, np.array([0, 1, 1, 2]))
    # Segment 1's mean 2.0: one below, two equal -> (1 + 2/2) / 4; segment 0: (0 + 1/2) / 4.
    assert profiles["Monetary_pct"].tolist() == [0.125, 0.5, 0.875]


def hand_made(rows: dict[int, tuple[float, float, float, float, float]]) -> pd.DataFrame:
    """Profiles from (Recency, Frequency, Monetary, TotalQuantity percentiles, revenue share)."""
    names = ["Recency_pct", "Frequency_pct", "Monetary_pct", "TotalQuantity_pct", "revenue_share"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=names)


def test_each_rule_on_a_hand_made_profile():
    profiles = hand_made({
        0: (0.2, 0.9, 0.9, 0.9, 0.5),   # recent, frequent, big spenders
        1: (0.8, 0.9, 0.9, 0.9, 0.1),   # lapsed, whatever else
        2: (0.6, 0.3, 0.7, 0.8, 0.2),   # much quantity, few invoices
        3: (0.3, 0.4, 0.2, 0.2, 0.05),  # recent and low spend
        4: (0.6, 0.6, 0.6, 0.5, 0.1),   # nothing stands out
        5: (0.5, 0.75, 0.75, 0.1, 0.05),  # boundaries: recent at 0.5, high at 0.75
        -1: (0.9, 0.1, 0.1, 0.1, 0.0),
    })
    assert label_segments(profiles) == {-1: "unsegmented", 0: "high-value loyal (1)", 1: "at risk", 2: "bulk buyers",
                                        3: "recent low spenders", 4: "regular", 5: "high-value loyal (2)"}


def test_loyalty_wins_over_bulk_and_at_risk_over_low_spend():
    profiles = hand_made({0: (0.1, 0.8, 0.8, 0.95, 0.6), 1: (0.75, 0.1, 0.1, 0.1, 0.4)})
    assert label_segments(profiles) == {0: "high-value loyal", 1: "at risk"}


def test_duplicate_labels_are_numbered_by_revenue_share():
    profiles = hand_made({0: (0.6, 0.6, 0.6, 0.5, 0.1), 1: (0.6, 0.6, 0.6, 0.5, 0.7), 2: (0.6, 0.6, 0.6, 0.5, 0.2)})
    assert label_segments(profiles) == {0: "regular (3)", 1: "regular (1)", 2: "regular (2)"}


def test_the_rules_name_the_generated_groups_and_a_kmeans_segmentation_of_them():
    frame, groups = rfm_frame(per_group=60, seed=3)
    expected = {"loyal": "high-value loyal", "at risk": "at risk", "bulk": "bulk buyers",
                "recent low": "recent low spenders"}
    names = label_segments(segment_profiles(frame, groups))
    assert names == {i: expected[g] for i, g in enumerate(GROUPS)}
    found = kmeans(scaled(frame), 4, seed=0).labels
    assert sorted(label_segments(segment_profiles(frame, found)).values()) == sorted(expected.values())


def test_bad_frames_are_refused_naming_the_field():
    frame, groups = rfm_frame(per_group=5)
    with pytest.raises(BadInputError) as caught:
        segment_profiles(frame.drop(columns="Monetary"), groups)
    assert caught.value.field == "revenue"
    broken = frame.astype(float)
    broken.loc[3, "Recency"] = np.nan
    with pytest.raises(BadInputError) as caught:
        segment_profiles(broken, groups)
    assert caught.value.field == "Recency"
    with pytest.raises(BadInputError) as caught:
        label_segments(segment_profiles(frame, groups).drop(columns="TotalQuantity_pct"))
    assert caught.value.field == "profiles"
