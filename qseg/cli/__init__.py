"""The ``qseg`` command, a thin layer over the public API (docs/architecture.md §5).

Errors go to stderr as one line naming the field and the value. Exit codes:

- 0: done (for ``bench``: at least one cell produced a result);
- 1: a failure: an infeasible model, a solver error, a skipped cell, a bench in which no cell
  produced a result, the reader of stdout gone (a broken pipe);
- 2: bad input (a value, a file, an output path), refused before any work: nothing is written;
- 74: an input/output error while writing (a full disk, a permission or a vanished folder; the
  line names the path). Outputs are written under a temporary name and renamed, so no partial
  file is left, and a store keeps every cell finished before (``--resume`` runs the rest);
- 130: interrupted (Ctrl-C); 143 and 129: terminated (SIGTERM, SIGHUP), cleaned up as after
  Ctrl-C (no staging folder left, worker processes ended); a store keeps every finished cell.

Long commands announce their steps on stderr (``cli.progress``); stdout holds only the output.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from qseg.cli import commands
from qseg.cli.parser import EPILOG, EXIT_BAD_INPUT, build_parser, key_values
from qseg.cli.solve import solve_command, split_settings
from qseg.errors import BadInputError, InfeasibleModelError, QsegError

EXIT_FAILURE = 1
EXIT_IO_ERROR = 74  # EX_IOERR of sysexits.h: tells a full disk from a failed solve
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
_HANDLERS: dict[str, Callable[..., int]] = {
    "backends": commands.backends_command, "problems": commands.problems_command, "solve": solve_command,
    "bench": commands.bench_command, "report": commands.report_command, "compare": commands.compare_command,
    "export": commands.export_command, "segment": commands.segment_command, "demo": commands.demo_command,
}
# Kept under their old names: benchmarks time them.
_key_values, _split_settings = key_values, split_settings


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the command is, so that it unwinds exactly as Ctrl-C
    does: staging folders removed, worker processes ended, a store kept valid."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _terminate(signum: int, frame: FrameType | None) -> None:
    """The SIGTERM/SIGHUP handler: in the command's own process raise ``Terminated``; in a
    forked worker (which inherits the handler) die of the signal at once, as it would have."""
    if os.getpid() != _MAIN_PID.get(signum):
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise Terminated(signum)


_MAIN_PID: dict[int, int] = {}


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """Install ``_terminate`` for SIGTERM and SIGHUP while the command runs (main thread only;
    the previous handlers come back after)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        _MAIN_PID[signum] = os.getpid()
        previous[signum] = signal.signal(signum, _terminate)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``qseg`` command; return its exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2), already printed
        return int(exc.code or 0)
    with _signals_unwind():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return _HANDLERS[args.command](args)
    except BadInputError as exc:
        print(f"qseg: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except InfeasibleModelError as exc:
        print(f"qseg: infeasible: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except QsegError as exc:
        print(f"qseg: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt as exc:
        # The runner has already killed its workers (finally blocks); what is stored stays valid.
        signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
        print(f"qseg: interrupted ({signal.Signals(signum).name}); a store keeps every finished cell "
              "(--resume runs the rest)", file=sys.stderr)
        return EXIT_INTERRUPTED if signum == signal.SIGINT else 128 + int(signum)
    except BrokenPipeError:
        return EXIT_FAILURE  # the reader went away (| head): nothing more to say to it
    except OSError as exc:
        print(f"qseg: error: {_os_error_line(exc, args.command)}", file=sys.stderr)
        return EXIT_IO_ERROR


def _os_error_line(exc: OSError, command: str) -> str:
    """Return the one line an input/output error is reported as: the path, why, the errno name,
    and for ``bench`` that the store resumes."""
    import errno

    code = f" [{errno.errorcode[exc.errno]}]" if exc.errno is not None and exc.errno in errno.errorcode else ""
    reason = (exc.strerror or str(exc)).splitlines()[0] if (exc.strerror or str(exc)) else type(exc).__name__
    path = f"path={exc.filename}: " if exc.filename else ""
    after = "; the store keeps every finished cell (--resume runs the rest)" if command == "bench" else ""
    return f"{path}{reason}{code}{after}"


__all__ = ["EPILOG", "EXIT_BAD_INPUT", "EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_IO_ERROR", "main"]

if __name__ == "__main__":
    sys.exit(main())
