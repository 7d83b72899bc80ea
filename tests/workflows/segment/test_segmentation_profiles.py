"""Segment profiles and the stated business-label rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from segmentation_support import FEATURES, GROUPS, rfm_frame, scaled

from qseg.errors import BadInputError
from qseg.workflows.segment.methods import kmeans
from qseg.workflows.segment.profiles import label_segments, name_segments, segment_profiles


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


def hand_made(rows: dict[int, tuple[float, ...]]) -> pd.DataFrame:
    """Profiles from (Recency, Frequency, Monetary, TotalQuantity percentiles, revenue share,
    customer share)."""
    names = ["Recency_pct", "Frequency_pct", "Monetary_pct", "TotalQuantity_pct", "revenue_share", "customer_share"]
    return pd.DataFrame.from_dict(rows, orient="index", columns=names)


def test_each_rule_on_a_hand_made_profile():
    profiles = hand_made({
        0: (0.2, 0.9, 0.9, 0.9, 0.5, 0.3),    # recent, frequent, big spenders
        1: (0.8, 0.9, 0.9, 0.9, 0.1, 0.1),    # long gone, used to buy often
        2: (0.6, 0.3, 0.7, 0.8, 0.1, 0.1),    # much quantity, few invoices
        3: (0.3, 0.4, 0.2, 0.2, 0.05, 0.2),   # recent and low spend
        4: (0.6, 0.6, 0.6, 0.5, 0.1, 0.1),    # nothing stands out
        5: (0.5, 0.75, 0.75, 0.1, 0.05, 0.05),  # boundaries: recent at 0.5, high at 0.75
        6: (0.9, 0.2, 0.1, 0.1, 0.05, 0.1),   # long gone, few purchases
        7: (0.4, 0.6, 0.7, 0.5, 0.05, 0.02),  # 2.5 times the revenue per customer
        -1: (0.9, 0.1, 0.1, 0.1, 0.0, 0.03),
    })
    assert label_segments(profiles) == {
        -1: "unsegmented", 0: "high-value loyal, more recent", 1: "at risk", 2: "bulk buyers", 3: "recent low spenders",
        4: "regular", 5: "high-value loyal, less recent", 6: "lapsed", 7: "big spenders"}
    table = name_segments(profiles)
    assert table.loc[6, "rule"] == "R pct 0.90 >= 0.75 and F pct 0.20 <= 0.5"
    assert table.loc[7, "rule"] == "revenue share / customer share 2.50 >= 2"
    assert table.loc[6, "Recency_pct"] == 0.9  # the percentiles behind each name are in the table


def test_loyalty_wins_over_bulk_and_lapsed_over_low_spend():
    profiles = hand_made({0: (0.1, 0.8, 0.8, 0.95, 0.6, 0.5), 1: (0.75, 0.1, 0.1, 0.1, 0.4, 0.5)})
    assert label_segments(profiles) == {0: "high-value loyal", 1: "lapsed"}


def test_the_largest_revenue_share_is_never_regular_and_shared_names_are_told_apart():
    profiles = hand_made({0: (0.6, 0.6, 0.6, 0.5, 0.1, 0.2), 1: (0.6, 0.6, 0.6, 0.5, 0.7, 0.6),
                          2: (0.6, 0.6, 0.55, 0.5, 0.2, 0.2)})
    assert label_segments(profiles) == {0: "regular, higher spend", 1: "core customers", 2: "regular, lower spend"}
    same = hand_made({s: (0.6, 0.6, 0.6, 0.5, share, 0.25) for s, share in enumerate((0.3, 0.2, 0.26, 0.24))})
    assert label_segments(same) == {0: "core customers", 1: "regular, smallest revenue share",
                                    2: "regular, largest revenue share", 3: "regular, 2nd by revenue share"}


def test_the_rules_name_the_generated_groups_and_a_kmeans_segmentation_of_them():
    frame, groups = rfm_frame(per_group=60, seed=3)
    expected = {"loyal": "high-value loyal", "at risk": "lapsed", "bulk": "bulk buyers",
                "recent low": "recent low spenders"}
    names = label_segments(segment_profiles(frame, groups))
    assert names == {i: expected[g] for i, g in enumerate(GROUPS)}
    found = kmeans(scaled(frame), 4, seed=0).labels
    assert sorted(label_segments(segment_profiles(frame, found)).values()) == sorted(expected.values())


@pytest.mark.parametrize("k", [3, 5, 7, 9])
def test_names_on_generated_transactions_are_distinct_and_match_their_profiles(k):
    from qseg.data.rfm import generated_rfm

    data = generated_rfm(600, seed=k)
    profiles = segment_profiles(data.features, kmeans(data.scaled, k, seed=0).labels)
    table = name_segments(profiles)
    names = table["name"].tolist()
    assert len(set(names)) == len(names) == k
    top = profiles["revenue_share"].idxmax()
    assert not names[list(profiles.index).index(top)].startswith("regular")
    for segment, row in profiles.iterrows():
        name = table.loc[segment, "name"]
        gone = row["Recency_pct"] >= 0.75
        if gone and (row["Frequency_pct"] <= 0.5 or row["Frequency"] < 2):
            assert name.startswith("lapsed"), (name, row)
        if name.startswith(("lapsed", "at risk")):
            assert gone
        if name.startswith("high-value loyal"):
            assert row["Recency_pct"] <= 0.5 and row["Frequency_pct"] >= 0.75 and row["Monetary_pct"] >= 0.75
        if name.startswith("big spenders"):
            assert row["revenue_share"] >= 2 * row["customer_share"]


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
