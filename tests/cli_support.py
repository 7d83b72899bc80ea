"""Helpers for tests of the `qseg` command run in-process."""

from __future__ import annotations

import json
import re

from qseg.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run ``qseg ARGV`` in this process; return (exit status, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_json_object(out: str) -> dict:
    """Return the single JSON object ``out`` holds; fail when stdout holds anything more."""
    record, end = json.JSONDecoder().raw_decode(out)
    assert out[end:].strip() == "", "stdout holds more than one JSON object"
    return record


PROGRESS = re.compile(r"^qseg [a-z]+: ")  # `qseg solve: building ...`; errors are `qseg: ...`


def without_progress(err: str) -> str:
    """Return stderr without the progress lines long commands print there (``qseg COMMAND:
    step``, one per step when stderr is not a terminal), so that what is left is the error."""
    return "".join(line for line in err.splitlines(keepends=True) if not PROGRESS.match(line))
