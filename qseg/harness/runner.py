"""The local runner: cells fan out to long-lived worker processes (docs/architecture.md §2).

Each worker pays its imports once and runs cells one after another. A cell past its timeout
gets its worker's whole process group killed (solver children included), a ``timeout`` record,
and a fresh worker; a worker that dies mid-cell (a crash, ``os._exit``) gives an ``error``
record and is replaced. Every finished cell is appended to the store as it arrives.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from qseg.harness.cell import skeleton_record
from qseg.harness.worker import message
from qseg.record import Status
from qseg.store.schema import StoredCell
from qseg.store.spec import CellSpec, RunSettings

SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass
class Worker:
    """One child process running ``qseg.harness.worker``."""

    process: subprocess.Popen[str]
    cell: CellSpec | None = None
    deadline: float = 0.0
    started: float = 0.0

    @classmethod
    def start(cls, env: dict[str, str], log: IO[str]) -> Worker:
        """Return a newly started worker leading its own process group."""
        process = subprocess.Popen(
            [sys.executable, "-m", "qseg.harness.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=log, text=True, bufsize=1, start_new_session=True, env=env,
        )
        return cls(process)

    @property
    def stdout(self) -> IO[str]:
        """Return the pipe the worker writes its records to."""
        assert self.process.stdout is not None, "workers are started with stdout=PIPE"
        return self.process.stdout

    def send(self, cell: CellSpec, settings: RunSettings, samples_dir: Path | None) -> None:
        """Hand one cell to the worker and start its clock."""
        assert self.process.stdin is not None
        self.cell, self.started = cell, time.monotonic()
        self.deadline = self.started + settings.timeout_s
        self.process.stdin.write(message(cell, settings, samples_dir))
        self.process.stdin.flush()

    def kill(self) -> None:
        """Kill the worker's whole process group and reap it."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass


@dataclass
class Progress:
    """Counts for the progress display."""

    total: int
    done: int = 0
    failed: int = 0
    statuses: dict[str, int] = field(default_factory=dict)

    def update(self, cell: StoredCell) -> None:
        """Count one finished cell."""
        self.done += 1
        status = cell.record.status.value
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status in (Status.ERROR, Status.TIMEOUT):
            self.failed += 1


def run_local(
    cells: list[CellSpec], *, settings: RunSettings, workers: int, on_record: Callable[[StoredCell], None],
    samples_dir: Path | None = None, log_path: Path | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Run ``cells`` on ``workers`` local worker processes; call ``on_record`` with each finished
    record as it arrives. Returns the final counts."""
    env = dict(os.environ)
    if workers > 1:
        env.update(SINGLE_THREAD_ENV)
    progress = Progress(total=len(cells))
    pending = deque(cells)
    log = open(log_path, "a") if log_path else open(os.devnull, "w")
    selector = selectors.DefaultSelector()
    pool: list[Worker] = []

    def spawn() -> Worker:
        worker = Worker.start(env, log)
        selector.register(worker.stdout, selectors.EVENT_READ, worker)
        return worker

    def retire(worker: Worker) -> None:
        """Kill ``worker``; put a fresh one in its place while cells remain."""
        selector.unregister(worker.stdout)
        worker.kill()
        index = pool.index(worker)
        if pending:
            pool[index] = spawn()
            feed(pool[index])
        else:
            pool.pop(index)

    def complete(record: StoredCell) -> None:
        on_record(record)
        progress.update(record)
        if on_progress:
            on_progress(progress)

    def feed(worker: Worker) -> None:
        if pending:
            worker.send(pending.popleft(), settings, samples_dir)

    def fail(worker: Worker, status: Status, reason: str) -> None:
        cell = worker.cell
        assert cell is not None
        worker.cell = None
        retire(worker)
        complete(skeleton_record(cell, status, reason))

    try:
        pool.extend(spawn() for _ in range(min(workers, len(cells))))
        for worker in pool:
            feed(worker)
        while any(w.cell is not None for w in pool):
            busy = [w for w in pool if w.cell is not None]
            wait = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            for key, _ in selector.select(timeout=min(wait, 1.0)):
                ready: Worker = key.data
                if ready.cell is None or ready not in pool:
                    continue
                line = ready.stdout.readline()
                if not line.endswith("\n"):
                    fail(ready, Status.ERROR, f"worker died during the cell (exit code {ready.process.wait()})")
                    continue
                ready.cell = None
                complete(StoredCell.from_json(json.loads(line)))
                feed(ready)
            now = time.monotonic()
            for worker in [w for w in pool if w.cell is not None and now >= w.deadline]:
                fail(worker, Status.TIMEOUT,
                     f"cell exceeded timeout_s={settings.timeout_s} (killed after {now - worker.started:.1f} s)")
    finally:
        for worker in pool:
            worker.kill()
        selector.close()
        log.close()
    return progress
