"""Every qseg error crosses a process boundary whole: pickled in a worker, unpickled in its parent
with its type, its fields and its message (a pool never breaks on a bad value, issue 23)."""

from __future__ import annotations

import pickle
import threading

import pytest

from qseg.errors import (
    BackendUnavailableError,
    BadInputError,
    InfeasibleModelError,
    ModelTooLargeError,
    QsegError,
    SolverError,
    StoreError,
    SuiteError,
    UnknownNameError,
)
from qseg.workflows.segment.qubo_route import NoSegmentationError

ERRORS = [
    BadInputError("size", 10, "must be >= 1"),
    BadInputError("suite", "10", "a string", quoted=True),
    UnknownNameError("backend", "nope", ["sa", "highs"]),
    SuiteError("s.toml", "instances[0].sizes", "10", "expected a list of integers"),
    StoreError("out", "/tmp/store", "store exists"),
    BackendUnavailableError("leap-hybrid", "no token"),
    ModelTooLargeError("qaoa", "30 variables > 20"),
    InfeasibleModelError("no feasible solution"),
    SolverError("solver crashed"),
    NoSegmentationError("no feasible medoid set"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__ + ":" + str(error)[:20])
def test_an_error_round_trips_through_pickle_with_its_fields(error):
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error)
    assert vars(back) == vars(error)
    assert isinstance(back, QsegError)


def test_the_field_holding_the_complaint_is_called_reason():
    error = SuiteError("s.toml", "timeout_s", -1, "must be > 0")
    assert (error.reason, error.value, error.path, error.key) == ("must be > 0", -1, "s.toml", "timeout_s")
    assert not hasattr(error, "problem")
    assert str(error) == "s.toml: timeout_s=-1: must be > 0"


def test_a_value_pickle_cannot_carry_travels_as_its_text():
    lock = threading.Lock()
    back = pickle.loads(pickle.dumps(BadInputError("lock", lock, "not a number")))
    assert back.value == repr(lock) and back.reason == "not a number" and str(back).startswith("lock=<unlocked")
