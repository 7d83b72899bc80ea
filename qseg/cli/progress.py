"""Progress on stderr for commands that can run for seconds: a rich spinner with the step and
the time elapsed when stderr is a terminal, one plain ``qseg COMMAND: step`` line per step
otherwise (logs and pipes keep a readable trace, and stdout stays the command's output)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any, TextIO


class Progress:
    """The steps of one command, announced as they start. Use as a context manager, so that a
    spinner never outlives the command."""

    def __init__(self, command: str, stream: TextIO | None = None) -> None:
        self.command = command
        self.stream = stream if stream is not None else sys.stderr
        self.rich = bool(getattr(self.stream, "isatty", lambda: False)())
        self._status: Any = None
        self.started = time.perf_counter()

    def step(self, message: str) -> None:
        """Announce ``message`` as the step now running."""
        if not self.rich:
            print(f"qseg {self.command}: {message}", file=self.stream, flush=True)
            return
        if self._status is None:
            from rich.console import Console

            self._status = Console(file=self.stream).status(f"qseg {self.command}: {message}")
            self._status.start()
        else:
            self._status.update(f"qseg {self.command}: {message}")

    def seconds(self) -> float:
        """Return the seconds since the command started."""
        return time.perf_counter() - self.started

    def close(self) -> None:
        """Stop the spinner (nothing for plain lines)."""
        if self._status is not None:
            self._status.stop()
            self._status = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
