"""``--jobs``: independent pieces of ``qseg segment`` (the five fits, their quality, the bootstrap
refits) run in this process with one job, or in a pool of ``jobs`` worker processes.

The pool uses the ``forkserver`` start method: the parent has run scikit-learn's OpenMP code
before the pool starts, and a fork of a process whose OpenMP runtime is initialised can hang in
the child. Tasks are picklable callables without arguments (``functools.partial`` of module
functions); results come back in task order, so the output does not depend on ``jobs``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from types import TracebackType
from typing import TypeVar

Result = TypeVar("Result")
# Most jobs accepted: more worker processes than this only add their memory (each holds its own
# scikit-learn and dimod, ~150 MB) on the machines qseg targets.
MAX_JOBS = 64


class Workers:
    """Runs tasks with ``jobs`` processes (1: in this process). Use as a context manager, which
    ends the pool's processes on exit."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, tasks: Sequence[Callable[[], Result]],
            on_done: Callable[[int, int], None] | None = None) -> list[Result]:
        """Return each task's result, in task order; ``on_done(done, total)`` after each task."""
        total = len(tasks)
        if self.jobs <= 1 or total <= 1:
            results = []
            for task in tasks:
                results.append(task())
                if on_done is not None:
                    on_done(len(results), total)
            return results
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("forkserver"))
        futures: dict[Future[Result], int] = {self._pool.submit(task): index for index, task in enumerate(tasks)}
        done: dict[int, Result] = {}
        for future in as_completed(futures):
            done[futures[future]] = future.result()
            if on_done is not None:
                on_done(len(done), total)
        return [done[index] for index in range(total)]
