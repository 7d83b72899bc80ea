"""qaoa's size knobs (shots, reps) are estimated and refused before any circuit is built."""

from __future__ import annotations

import pytest

from qseg.backends import load_backend
from qseg.errors import BadInputError


@pytest.mark.parametrize(("params", "knob"), [({"shots": 10**13}, "shots"), ({"reps": 10**9}, "reps")])
def test_oversize_shots_and_reps_are_refused(params, knob):
    backend = load_backend("qaoa")
    resolved = backend.resolve_params(params)
    with pytest.raises(BadInputError) as caught:
        backend.check_work(12, resolved)
    assert caught.value.field == f"param {knob}" and "limit" in str(caught.value)


def test_default_knobs_fit():
    backend = load_backend("qaoa")
    backend.check_work(12, backend.resolve_params({}))
