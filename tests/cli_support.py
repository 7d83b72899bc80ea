"""Helpers for tests of the `qseg` command run in-process."""

from __future__ import annotations

import json

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
