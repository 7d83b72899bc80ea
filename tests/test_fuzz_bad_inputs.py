"""The hostile-input pass of issue 15 (``fuzz_bad_inputs``): every case must end clean (exit 2
and one line naming a field, or BadInputError; nothing written). One test per case, named by
the case, so a failure names its input and xdist can spread the pass; all run in-process."""

from __future__ import annotations

import pytest
from fuzz_bad_inputs import cases, run_case

CASES = cases()


def test_the_pass_tries_at_least_100_bad_inputs_across_commands_and_the_api():
    commands = {case.argv[0] for case in CASES if case.argv}
    assert len(CASES) >= 100 and {"solve", "bench", "report", "export", "backends"} <= commands
    assert sum(case.call is not None for case in CASES) >= 20
    assert len({case.name for case in CASES}) == len(CASES)


def test_the_damaged_json_and_store_pass_tries_each_reader():
    from fuzz_damaged_json import damaged_json_cases

    names = [case.name for case in damaged_json_cases()]
    assert len(names) >= 120
    for reader in ("segment --assign", "api load_bins", "report store line", "compare store line", "report run.json",
                   "bench --resume store line", "bench suite"):
        assert sum(name.startswith(reader) for name in names) >= 5, reader


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_bad_input_is_refused_cleanly(case, tmp_path):
    outcome = run_case(case, tmp_path / "case")
    assert outcome.clean, f"NOT CLEAN {case.name}: {outcome.seen}"
