"""qseg's exceptions: one tree, so callers catch what they mean.

::

    QsegError
     ├── BadInputError (also ValueError)     a field has a bad value; the CLI exits 2
     │    ├── UnknownNameError               an unknown problem, backend, formulation, parameter, key;
     │    │                                    also a LookupError, so ``except LookupError`` catches it
     │    ├── SuiteError                     a suite file is invalid: names the file, the key and the value
     │    └── StoreError                     a results store cannot be used as asked (exists, belongs to
     │                                         another suite, is locked, another schema_version)
     ├── BackendUnavailableError             the backend cannot run here; ``reason`` says why
     ├── ModelTooLargeError                  the model exceeds a backend's declared limit
     ├── InfeasibleModelError                the model has no feasible solution; the CLI exits 1
     └── SolverError                         a solver failed; vendor errors are translated here
                                             with ``raise SolverError(...) from exc``; the CLI exits 1
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any


class QsegError(Exception):
    """Base of every error qseg raises on purpose."""


class BadInputError(QsegError, ValueError):
    """A user-supplied field has a value qseg cannot use.

    The message always names the field and the value, so one line on stderr is enough.
    """

    def __init__(self, field: str, value: Any, reason: str, *, quoted: bool = False) -> None:
        self.field = field
        self.value = value
        self.reason = reason
        self.quoted = quoted
        # ``quoted``: the value came from a typed source (a suite's TOML, the API), where the
        # string "10" and the number 10 differ, so strings show quoted (repr); a command-line
        # value is always text and shows as typed.
        super().__init__(f"{field}={_short(value, quoted=quoted)}: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled by its fields (an error raised in a worker process crosses back to the parent
        # through pickle; the default would call __init__ with the message alone and fail).
        # The value travels as its short text when it cannot be pickled itself.
        arguments, keywords = self._fields()
        return (_rebuild, (type(self), arguments, {**self.__dict__, "value": _picklable(self.value)}, keywords))

    def _fields(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """Return the arguments and keywords that rebuild this error (``__reduce__``)."""
        return (self.field, _picklable(self.value), self.reason), {"quoted": self.quoted}


class UnknownNameError(BadInputError, LookupError):
    """A name (problem, backend, formulation, baseline, parameter) that is not known.

    It is both bad input (a ``BadInputError``, so a ``ValueError``: the CLI exits 2) and a failed
    look-up (a ``LookupError``, like ``KeyError``): callers that ask "is there a backend called
    X?" catch ``LookupError``; ``known`` lists the names that are.
    """

    def __init__(self, field: str, value: Any, known: Iterable[str]) -> None:
        self.known = sorted(known)
        listing = ", ".join(self.known) if self.known else "none"
        super().__init__(field, value, f"unknown {field}; known: {listing}")

    def _fields(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.field, _picklable(self.value), self.known), {}


class SuiteError(BadInputError):
    """A suite file is invalid: the message names the file, the key and the value as the suite
    writes it (``sizes='10'`` for the string "10", so it is not mistaken for the number)."""

    def __init__(self, path: Path | str, key: str, value: Any, reason: str) -> None:
        self.path = str(path)
        self.key = key
        super().__init__(f"{path}: {key}", value, reason, quoted=True)

    def _fields(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.path, self.key, _picklable(self.value), self.reason), {}


class StoreError(BadInputError):
    """The store cannot be used as asked (exists, belongs to another suite, is locked)."""


class BackendUnavailableError(QsegError):
    """The backend cannot run on this machine (missing package, no credentials, ...)."""

    def __init__(self, backend: str, reason: str) -> None:
        self.backend = backend
        self.reason = reason
        super().__init__(f"backend {backend!r} is unavailable: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), (self.backend, self.reason), self.__dict__.copy()))


class ModelTooLargeError(QsegError):
    """The model exceeds a limit the backend declares (e.g. ``max_variables``)."""

    def __init__(self, backend: str, reason: str) -> None:
        self.backend = backend
        self.reason = reason
        super().__init__(f"backend {backend!r} cannot take this model: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), (self.backend, self.reason), self.__dict__.copy()))


class InfeasibleModelError(QsegError):
    """The model itself has no feasible solution (not: a solver failed to find one)."""


class SolverError(QsegError):
    """A solver failed while running; the vendor's error is chained as ``__cause__``."""


def _rebuild(kind: type[QsegError], arguments: tuple[Any, ...], state: dict[str, Any],
             keywords: dict[str, Any] | None = None) -> QsegError:
    """Return the error ``kind(*arguments, **keywords)`` with its attributes ``state``
    (``__reduce__``'s inverse: a qseg error raised in a worker process arrives whole in its parent)."""
    error = kind(*arguments, **(keywords or {}))
    error.__dict__.update(state)
    return error


def _picklable(value: Any) -> Any:
    """Return ``value`` when pickle can carry it, else its short text (what the message shows)."""
    import pickle

    try:
        pickle.dumps(value)
    except Exception:  # noqa: BLE001 - any failure of pickling (a lambda, a lock, a generator) means "not picklable"
        return _short(value)
    return value


def _short(value: Any, limit: int = 80, *, quoted: bool = False) -> str:
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()  # numpy scalars print as the user wrote them: 7, not np.int64(7)
    text = repr(value) if quoted or not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."
