"""Exact backends estimate a model's size before it is built: CBC's MPS route has a column
limit, and every MILP backend refuses a translation past the memory share."""

from __future__ import annotations

import pytest

import qseg.environment
from qseg.backends import load_backend
from qseg_mip.cbc_backend import CBC_MPS_MAX_VARIABLES
from qseg_mip.milp_backend import time_class


def test_cbc_refuses_past_its_mps_route_and_names_highs():
    backend = load_backend("cbc")
    assert backend.variables_reason(CBC_MPS_MAX_VARIABLES, {}) == ""
    reason = backend.variables_reason(4_700_200, {})
    assert "4,700,200 variables" in reason and "highs" in reason and "time class: days or more" in reason


def test_highs_refuses_what_exceeds_the_memory_share(monkeypatch):
    monkeypatch.setattr(qseg.environment, "available_memory", lambda: 2**28)  # 256 MiB
    backend = load_backend("highs")
    assert backend.variables_reason(1_000, {}) == ""
    reason = backend.variables_reason(2_000_000, {})
    assert "GiB" in reason and "at most ~" in reason


@pytest.mark.parametrize(("variables", "expected"), [(500, "seconds"), (50_000, "minutes"), (500_000, "hours"),
                                                      (5_000_000, "days or more")])
def test_time_classes(variables, expected):
    assert time_class(variables) == expected
