"""What the harness hands the store is a ``StoredCell``: a worker's JSON line reads back as the cell
it ran, a cell that never ran is stored with its spec, and progress counts typed statuses."""

from __future__ import annotations

import json

from qseg.harness.cell import skeleton_record, stored
from qseg.harness.runner import Progress
from qseg.record import Record, Status
from qseg.store import StoredCell
from qseg.store.spec import CellSpec, InstanceMeta, InstanceSpec

CELL = CellSpec(instance=InstanceSpec("knapsack", None, 8, 1, {}), formulation="unbalanced", backend="sa",
                params={"num_reads": 10}, penalties={}, polish=False, repeat=0, reference_backend="cbc",
                meta=InstanceMeta("generated-n8-s1", "max", 8))


def test_a_cell_that_never_ran_is_stored_with_its_spec_and_reads_back_equal():
    timed_out = skeleton_record(CELL, Status.TIMEOUT, "cell exceeded timeout_s=1")
    assert timed_out.key == CELL.key == timed_out.record.key and timed_out.spec == CELL
    assert timed_out.record.instance == "generated-n8-s1" and timed_out.record.sense == "max"
    line = json.dumps(timed_out.to_json(), separators=(",", ":"), default=str)  # as the worker writes it
    assert StoredCell.from_json(json.loads(line)) == timed_out


def test_a_solved_record_is_stored_under_the_cell_key():
    record = Record(problem="knapsack", instance="generated-n8-s1", formulation="unbalanced", backend="sa", size=8,
                    seed=1, status=Status.OK, sense="max", objective=12.0, gap=0.0, timing={"wall_ns": 10})
    cell = stored(record, CELL)
    assert cell.record.key == cell.key == CELL.key and record.key is None  # the solver's record is not changed
    assert cell.to_json()["spec"]["reference_backend"] == "cbc"


def test_progress_counts_statuses_of_stored_cells():
    progress = Progress(total=3)
    for status in (Status.OK, Status.TIMEOUT, Status.OK):
        progress.update(skeleton_record(CELL, status, ""))
    assert progress.statuses == {"ok": 2, "timeout": 1} and progress.done == 3 and progress.failed == 1
