"""Per-step times and progress of ``qseg segment``.

``Steps`` times each named step of the workflow (``with steps.step("fasterpam"):``) and reports
every start, advance (the stability's resamples) and end to a callback as a ``StepEvent``; the
times end in ``segment.md`` and ``record.json``. ``plain_progress`` writes those events as plain
lines (stderr when it is not a terminal, e.g. a log), ``terminal_progress`` as a rich display
with a bar for the step that counts its work, as ``qseg bench`` does.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO


@dataclass(frozen=True)
class StepEvent:
    """One step's news: ``state`` is ``start``, ``advance`` (``done`` of ``total`` units) or
    ``end``; ``seconds`` the step's wall time so far, ``cpu_seconds`` this process's CPU time in
    it (worker processes not included; below ``seconds`` when the machine is busy)."""

    step: str
    state: str
    seconds: float
    done: int = 0
    total: int = 0
    cpu_seconds: float = 0.0


OnStep = Callable[[StepEvent], None]


class Steps:
    """The steps of one run, in order, with their wall seconds (``times``) and this process's
    CPU seconds (``cpu_times``)."""

    def __init__(self, on_event: OnStep | None = None) -> None:
        self.times: dict[str, float] = {}
        self.cpu_times: dict[str, float] = {}
        self._on_event = on_event
        self._current: str | None = None
        self._started = 0.0

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time the body as step ``name`` (times of a repeated name add up), reporting its start
        and its end."""
        self._current, self._started = name, time.perf_counter()
        cpu_started = time.process_time()
        self._emit(StepEvent(name, "start", 0.0))
        try:
            yield
        finally:
            seconds, cpu = time.perf_counter() - self._started, time.process_time() - cpu_started
            self.times[name] = self.times.get(name, 0.0) + seconds
            self.cpu_times[name] = self.cpu_times.get(name, 0.0) + cpu
            self._current = None
            self._emit(StepEvent(name, "end", seconds, cpu_seconds=cpu))

    def advance(self, done: int, total: int) -> None:
        """Report ``done`` of ``total`` units of the current step."""
        if self._current is not None:
            self._emit(StepEvent(self._current, "advance", time.perf_counter() - self._started, done, total))

    def _emit(self, event: StepEvent) -> None:
        if self._on_event is not None:
            self._on_event(event)


def plain_progress(stream: TextIO | None = None, *, every: float = 10.0) -> OnStep:
    """Return a callback writing ``qseg segment: STEP ...`` at a step's start, ``qseg segment: STEP N.N s
    (CPU N.N s)`` at its end and ``qseg segment: STEP done/total (N s)`` at most every ``every`` seconds between."""
    last = {"at": 0.0}

    def show(event: StepEvent) -> None:
        out = stream if stream is not None else sys.stderr
        if event.state == "start":
            line = f"qseg segment: {event.step} ..."
        elif event.state == "end":
            line = f"qseg segment: {event.step} {event.seconds:.1f} s (CPU {event.cpu_seconds:.1f} s)"
        elif time.perf_counter() - last["at"] >= every or event.done == event.total:
            line = f"qseg segment: {event.step} {event.done}/{event.total} ({event.seconds:.0f} s)"
        else:
            return
        last["at"] = time.perf_counter()
        print(line, file=out, flush=True)

    return show


def terminal_progress() -> tuple[OnStep, Callable[[], None]]:
    """Return (callback, close) for a rich display on stderr: each finished step printed with
    its time, the running one with a spinner (and a bar when it counts its work)."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True)
    tasks: dict[str, TaskID] = {}

    def show(event: StepEvent) -> None:
        if event.state == "start":
            if not tasks:
                bar.start()
            tasks[event.step] = bar.add_task(event.step, total=None)
        elif event.state == "advance" and event.step in tasks:
            bar.update(tasks[event.step], completed=event.done, total=event.total)
        elif event.state == "end" and event.step in tasks:
            bar.remove_task(tasks.pop(event.step))
            console.print(f"qseg segment: {event.step} {event.seconds:.1f} s (CPU {event.cpu_seconds:.1f} s)")

    def close() -> None:
        bar.stop()

    return show, close


def progress_for(stream: TextIO) -> tuple[OnStep, Callable[[], None]]:
    """Return (callback, close): ``terminal_progress`` when ``stream`` is a terminal, else
    ``plain_progress`` on it."""
    if stream.isatty():
        return terminal_progress()
    return plain_progress(stream), lambda: None
