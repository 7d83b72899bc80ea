"""Cells on an existing Dask cluster: long-lived worker children, a small pool per Dask worker.

Dask workers are daemonic, so ``multiprocessing`` pools cannot start there; ``subprocess`` can.
Each Dask worker process keeps a pool of ``python -m qseg.harness.worker`` children (the local
runner's ``Worker``), started lazily by the first task that needs one and reused by every later
task on that worker, so the imports are paid once per child, not once per cell. A task checks a
child out of the pool (under a lock; with ``nthreads > 1`` each running task holds its own
child), sends it one cell and waits for the record. A cell past its timeout gets the child's
whole process group killed and a ``timeout`` record; a child that dies mid-cell gives an
``error`` record; either way the child leaves the pool and the next task starts a fresh one.

Children are started from one dedicated thread per pool that lives as long as the Dask worker
(``PR_SET_PDEATHSIG`` fires when the *thread* that started a child ends, and Dask may retire its
task threads). The ``qseg-child-pool`` WorkerPlugin, registered by ``run_dask``, kills the pool
when the Dask worker closes; a worker that dies outright takes its children with it (their
parent-death signal, or stdin closing).

Overhead is reported on the records honestly: ``timing.dispatch_ns`` on every cell is the task's
wall time minus the record's ``total_ns``; ``timing.spawn_ns`` appears only on a cell that
started a child (the same difference, child start-up and imports included).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from qseg.errors import BadInputError
from qseg.harness.cell import skeleton_record
from qseg.harness.runner import Progress, Worker
from qseg.record import Status
from qseg.store.schema import StoredCell
from qseg.store.spec import CellSpec, RunSettings

CONNECT_TIMEOUT_S = 10
PLUGIN_NAME = "qseg-child-pool"


class ChildPool:
    """The worker children of one Dask worker process; a child serves one task at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[Worker] = []
        self._busy: dict[int, Worker] = {}  # by id(): a Worker dataclass is not hashable
        self._closed = False
        self._log = open(os.devnull, "w")  # lives as long as the pool
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="qseg-child-spawner")
        self.counts: Counter[str] = Counter()  # started / records / timeouts / crashes

    def checkout(self) -> tuple[Worker, bool]:
        """Return an idle live child, or a newly started one; and whether it was started now."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the qseg child pool of this Dask worker is closed")
            while self._idle:
                worker = self._idle.pop()
                if worker.process.poll() is None:
                    self._busy[id(worker)] = worker
                    return worker, False
                worker.kill()  # died while idle (killed from outside): start another
            self.counts["started"] += 1
        worker = self._spawner.submit(Worker.start, dict(os.environ), self._log).result()
        with self._lock:
            self._busy[id(worker)] = worker
            if self._closed:  # closed while this child started
                self._discard(worker)
                raise RuntimeError("the qseg child pool of this Dask worker is closed")
        return worker, True

    def checkin(self, worker: Worker) -> None:
        """Give a child that answered back to the pool."""
        with self._lock:
            self.counts["records"] += 1
            self._busy.pop(id(worker), None)
            if self._closed:
                worker.kill()
            else:
                self._idle.append(worker)

    def discard(self, worker: Worker, reason: str) -> None:
        """Kill a child's process group and drop it from the pool; count why (``timeouts``, ...)."""
        with self._lock:
            self.counts[reason] += 1
            self._discard(worker)

    def _discard(self, worker: Worker) -> None:
        self._busy.pop(id(worker), None)
        worker.kill()

    def close(self) -> None:
        """Kill every child, idle or busy (a busy task then reports an ``error`` record)."""
        with self._lock:
            self._closed = True
            for worker in self._idle:
                worker.kill()
            for worker in self._busy.values():  # its task sees EOF, records an error and reaps the child
                try:
                    os.killpg(worker.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self._idle.clear()
            self._busy.clear()
        self._spawner.shutdown(wait=False)
        self._log.close()

    def state(self) -> dict[str, Any]:
        """Return the pool's counts and its children's pids (for tests and debugging)."""
        with self._lock:
            return {"pid": os.getpid(), **self.counts, "idle": [w.process.pid for w in self._idle],
                    "busy": [w.process.pid for w in self._busy.values()], "closed": self._closed}


_POOLS: dict[int, ChildPool] = {}
_POOLS_LOCK = threading.Lock()


def _pool() -> ChildPool:
    """Return this process's pool, created on first use (keyed by pid: a fork starts afresh)."""
    with _POOLS_LOCK:
        pool = _POOLS.get(os.getpid())
        if pool is None or pool.state()["closed"]:
            pool = _POOLS[os.getpid()] = ChildPool()
        return pool


def pool_state() -> dict[str, Any]:
    """Return the state of this process's pool (``client.run(pool_state)`` asks every worker)."""
    pool = _POOLS.get(os.getpid())
    return pool.state() if pool else {"pid": os.getpid(), "idle": [], "busy": [], "closed": False}


def close_pool() -> None:
    """Kill this process's children, if any."""
    with _POOLS_LOCK:
        pool = _POOLS.pop(os.getpid(), None)
    if pool:
        pool.close()


try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError:  # Dask not installed: run_dask says so
    WorkerPlugin = object  # type: ignore[misc,assignment]


class ChildPoolPlugin(WorkerPlugin):
    """Ends the Dask worker's qseg children when the worker closes."""

    name = PLUGIN_NAME
    idempotent = True  # a second run_dask must not tear down the pool a first one is using

    def teardown(self, worker: Any) -> None:
        close_pool()


def _await_line(worker: Worker, timeout: float) -> str | None:
    """Return the child's next output line ('' or partial when it died), None past ``timeout``."""
    with selectors.DefaultSelector() as selector:
        selector.register(worker.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=max(0.0, timeout)):
            return None
    return worker.stdout.readline()


def run_pooled_cell(cell: CellSpec, settings: RunSettings, samples_dir: str | None = None) -> StoredCell:
    """Run one cell on a pooled worker child of this Dask worker; return its record (a timeout
    or a crash included). This is the Dask task."""
    started = time.perf_counter_ns()
    pool = _pool()
    worker, fresh = pool.checkout()
    limit = settings.timeout_s
    try:
        worker.send(cell, settings, Path(samples_dir) if samples_dir else None)
        line = _await_line(worker, limit)
    except OSError:  # the child died before it read the cell (BrokenPipeError)
        line = ""
    except BaseException:
        pool.discard(worker, "failures")
        raise
    if line is None:
        pool.discard(worker, "timeouts")
        elapsed = (time.perf_counter_ns() - started) / 1e9
        return skeleton_record(cell, Status.TIMEOUT,
                               f"cell exceeded timeout_s={limit:g} (killed after {elapsed:.1f} s, Dask task)")
    if not line.endswith("\n"):
        code = worker.process.wait()
        pool.discard(worker, "crashes")
        return skeleton_record(cell, Status.ERROR, f"worker died during the cell (exit code {code})")
    worker.cell = None
    pool.checkin(worker)
    stored = StoredCell.from_json(json.loads(line))
    timing = stored.record.timing
    overhead = max(0, time.perf_counter_ns() - started - timing.get("total_ns", 0))
    timing["dispatch_ns"] = overhead
    if fresh:
        timing["spawn_ns"] = overhead
    return stored


def run_dask(
    cells: list[CellSpec], address: str, *, settings: RunSettings, on_record: Callable[[StoredCell], None],
    samples_dir: Path | None = None, on_progress: Callable[[Progress], None] | None = None,
) -> Progress:
    """Run ``cells`` on the Dask cluster at ``address``; call ``on_record`` as each finishes.

    Raises BadInputError naming the address when the cluster cannot be reached.
    """
    try:
        from distributed import Client, as_completed
    except ImportError as exc:
        raise BadInputError("dask", address, f"Dask is not installed ({exc}); pip install 'qseg[dask]'") from None
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError) as exc:
        raise BadInputError("dask", address, f"cannot reach the Dask scheduler ({type(exc).__name__})") from None
    progress = Progress(total=len(cells))
    try:
        client.register_plugin(ChildPoolPlugin())
        samples = str(samples_dir) if samples_dir else None
        futures = [client.submit(run_pooled_cell, cell, settings, samples, key=f"qseg-cell-{cell.key}", pure=False)
                   for cell in cells]
        for future in as_completed(futures):
            record = future.result()
            on_record(record)
            progress.update(record)
            if on_progress:
                on_progress(progress)
    finally:
        client.close()
    return progress
