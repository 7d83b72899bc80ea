"""The metric definitions of docs/architecture.md §3."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qseg import metrics


def test_gap_is_relative_to_the_reference_on_minimisation_objectives():
    assert metrics.gap(-90.0, -100.0) == pytest.approx(0.1)  # a max problem 10 % short
    assert metrics.gap(110.0, 100.0) == pytest.approx(0.1)
    assert metrics.gap(-100.0, -100.0) == 0.0
    assert metrics.gap(1e-3, 0.0) == pytest.approx(1e6)  # |reference| floored at 1e-9


def test_fractions_are_weighted_by_occurrences():
    mask = np.array([True, False])
    assert metrics.weighted_fraction(mask, np.array([3, 1])) == 0.75
    assert metrics.weighted_fraction(mask, np.array([0, 0])) == 0.0


def test_success_probability_counts_feasible_reads_within_eps():
    minimised = np.array([-100.0, -100.0, -99.0, -101.0])
    feasible = np.array([True, False, True, False])
    occurrences = np.array([2, 5, 3, 1])
    assert metrics.success_probability(minimised, feasible, occurrences, -100.0) == pytest.approx(2 / 11)
    assert metrics.success_probability(minimised, feasible, occurrences, -100.0, eps=0.02) == pytest.approx(5 / 11)


def test_tts99_follows_the_formula_and_its_edges():
    assert metrics.tts99(0.01, 0.0) is None
    assert metrics.tts99(0.01, 0.99) == 0.01
    assert metrics.tts99(0.01, 1.0) == 0.01
    assert metrics.tts99(0.01, 0.5) == pytest.approx(0.01 * math.log(0.01) / math.log(0.5))
    assert metrics.tts99(0.01, 0.1) > metrics.tts99(0.01, 0.5)
