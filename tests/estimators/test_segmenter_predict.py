"""Segmenter.predict on raw transactions, built from Python or loaded from qseg segment's folder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qseg.data.rfm import generated_rfm, synthetic_transactions, write_transactions_csv
from qseg.errors import BadInputError
from qseg.estimators import Segmenter
from qseg.workflows.segment.pmedian import nearest_medoid


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    return synthetic_transactions(400, 3)[0]


def test_from_transactions_then_predict_gives_every_customer_its_nearest_medoid(rows):
    segmenter = Segmenter.from_transactions(rows, 4, seed=0)
    data = generated_rfm(400, 3)
    segments = segmenter.predict(rows)
    assert list(segments.index) == list(data.features.index)
    medoid_rows = [int(np.flatnonzero((data.scaled == medoid).all(axis=1))[0]) for medoid in segmenter.medoids]
    assert np.array_equal(segments.to_numpy(), nearest_medoid(data.scaled, np.array(medoid_rows)))
    assert len(set(segmenter.segment_names)) == 4
    assert "4 segments" in repr(segmenter)


def test_load_takes_the_folder_or_the_file_and_predict_reads_a_csv(tmp_path, rows):
    segmenter = Segmenter.from_transactions(rows, 3, seed=1)
    segmenter.save(tmp_path / "segmenter.json")
    write_transactions_csv(rows, tmp_path / "transactions.csv")
    from_folder, from_file = Segmenter.load(tmp_path), Segmenter.load(tmp_path / "segmenter.json")
    assert from_folder.to_json() == from_file.to_json() == segmenter.to_json()
    assert from_folder.predict(tmp_path / "transactions.csv").equals(segmenter.predict(rows))


def test_bad_transactions_are_named(rows):
    segmenter = Segmenter.from_transactions(rows, 2, seed=0)
    with pytest.raises(BadInputError) as caught:
        segmenter.predict(rows.drop(columns="Quantity"))
    assert "Quantity" in str(caught.value)
    with pytest.raises(BadInputError) as caught:
        segmenter.predict("/no/such/file.csv")
    assert caught.value.field == "transactions"
    with pytest.raises(BadInputError) as caught:
        Segmenter.from_transactions(rows, 0)
    assert caught.value.field == "n_segments"
