"""Silence solver output at the file-descriptor level.

HiGHS prints a banner on stdout at its first ``Highs()`` even with output off, and CBC and Aer
print from native code: Python-level redirection misses them, so ``--json`` would no longer print
exactly one JSON object. Backends wrap vendor calls in ``silenced()``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def silenced() -> Iterator[None]:
    """Redirect fds 1 and 2 to /dev/null for the duration; yields nothing."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, ValueError):
            pass
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)
