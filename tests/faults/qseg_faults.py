"""Fault-injection backends for the harness tests, registered through a real entry point by the
``fault_plugins`` fixture (a dist-info folder on PYTHONPATH): never installed with qseg."""

from __future__ import annotations

import os
import time
from typing import Any

import dimod

from qseg.backends import Backend, Parameter


class _Zeros(Backend):
    accepts = frozenset({"bqm"})
    parameters = {"sleep_s": Parameter(float, 0.0, "seconds to sleep first", 0.0)}

    def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
        time.sleep(params["sleep_s"])
        labels = list(model.variables)
        return dimod.SampleSet.from_samples_bqm(([[0] * len(labels)], labels), model)


class SleepyBackend(_Zeros):
    """Sleeps ``sleep_s`` (default 60 s) before answering: a hung solver."""

    name = "fault-sleep"
    parameters = {"sleep_s": Parameter(float, 60.0, "seconds to sleep first", 0.0)}


class RaisingBackend(_Zeros):
    """Raises from inside the solver."""

    name = "fault-raise"

    def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
        raise RuntimeError("injected solver failure")


class ExitingBackend(_Zeros):
    """Kills its own process without a word (``os._exit``), like a segfaulting extension."""

    name = "fault-exit"

    def _solve(self, model: Any, params: dict[str, Any]) -> dimod.SampleSet:
        os._exit(3)


class SlowBackend(_Zeros):
    """Answers with all zeros after ``sleep_s`` (default 0.3 s): for kill-and-resume tests."""

    name = "fault-slow"
    parameters = {"sleep_s": Parameter(float, 0.3, "seconds to sleep first", 0.0)}
