"""The hostile-input pass of issue 15 (``fuzz_bad_inputs``): every case must end clean (exit 2
and one line naming a field, or BadInputError; nothing written). All of them run in-process
in a few seconds, so the whole pass is part of the default run (``-s`` prints the counts)."""

from __future__ import annotations

from fuzz_bad_inputs import cases, run_all

CASES = cases()


def _report(outcomes) -> str:
    dirty = [o for o in outcomes if not o.clean]
    return "\n".join([f"tried {len(outcomes)}, clean {len(outcomes) - len(dirty)}",
                      *(f"NOT CLEAN {o.case.name}: {o.seen}" for o in dirty)])


def test_the_pass_tries_at_least_100_bad_inputs_across_commands_and_the_api():
    commands = {case.argv[0] for case in CASES if case.argv}
    assert len(CASES) >= 100 and {"solve", "bench", "report", "export", "backends"} <= commands
    assert sum(case.call is not None for case in CASES) >= 20
    assert len({case.name for case in CASES}) == len(CASES)


def test_every_bad_input_is_refused_cleanly(tmp_path):
    outcomes = run_all(tmp_path)
    print("\n" + _report(outcomes))
    assert all(o.clean for o in outcomes), _report(outcomes)
