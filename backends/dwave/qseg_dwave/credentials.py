"""D-Wave Leap credentials, read the Ocean way, and kept out of every message.

The token comes from wherever Ocean looks (``DWAVE_API_TOKEN``, then the dwave config file
under ``$HOME``/XDG paths, ``DWAVE_CONFIG_FILE``, ``DWAVE_PROFILE``); qseg never stores it, never
prints it, and scrubs it from any error text that reaches a record or a log.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from qseg.errors import BadInputError, QsegError, SolverError

NO_TOKEN = "no D-Wave API token found (set DWAVE_API_TOKEN or run `dwave config create`)"
MALFORMED_TOKEN = (
    "the D-Wave API token found (DWAVE_API_TOKEN or the dwave config file) is malformed: "
    "expected PREFIX-KEY, letters and digits around one dash (as shown by `dwave config inspect`)"
)
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9]{2,16}-[A-Za-z0-9]{16,128}")
REDACTED = "<redacted>"

# Bounded network behaviour: a cell with a token but no route fails within seconds, not minutes
# (connect timeout 5 s, two retries; the client's flat v1 keys, which its loader reads).
CLIENT_CONFIG: dict[str, Any] = {
    "request_timeout": (5.0, 60.0),
    "http_retry_total": 2,
    "http_retry_backoff_factor": 0.5,
}


def find_token() -> str | None:
    """Return the D-Wave API token Ocean would use here, or None when there is none."""
    from dwave.cloud.config import load_config

    try:
        config = load_config()
    except Exception:  # an unreadable config file is "no usable token", never a crash
        return None
    token = config.get("token")
    return str(token) if token else None


def token_problem() -> str:
    """Return "" when a well-formed token is configured, else why the Leap backends cannot run."""
    try:
        token = find_token()
    except ImportError as exc:
        return f"dwave-cloud-client is not installed ({exc.name})"
    if token is None:
        return NO_TOKEN
    if not _TOKEN_SHAPE.fullmatch(token):
        return MALFORMED_TOKEN
    return ""


def hardware_unavailable_reason() -> str:
    """Return "" when dwave-system imports and a well-formed token is configured, else why not:
    the availability rule of every backend that submits to Leap."""
    if not installed("dwave.system"):
        return "dwave-system is not installed"
    return token_problem()


def installed(module: str) -> bool:
    """Return whether ``module`` can be imported, without importing it (dwave.system takes ~1 s)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def redact(text: str, token: str | None) -> str:
    """Return ``text`` with ``token`` (the configured one, looked up once by the caller) and
    anything token-shaped replaced."""
    if token:
        text = text.replace(token, REDACTED)
    return _TOKEN_SHAPE.sub(lambda m: REDACTED if _looks_secret(m.group(0)) else m.group(0), text)


def _looks_secret(candidate: str) -> bool:
    key = candidate.split("-", 1)[1]
    return len(key) >= 32 and any(c.isdigit() for c in key)


def _safe_token() -> str | None:
    try:
        return find_token()
    except ImportError:
        return None


@contextmanager
def guarded(backend: str) -> Iterator[str | None]:
    """Yield the token for a Leap call; turn any client error into a SolverError whose text is
    scrubbed of the token, and scrub every log record made while inside (the cloud client logs
    its whole configuration at debug level)."""
    token = _safe_token()
    make_record = logging.getLogRecordFactory()

    def scrubbed_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        message = record.getMessage()
        cleaned = redact(message, token)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return record

    logging.setLogRecordFactory(scrubbed_record)
    try:
        yield token
    except (BadInputError, QsegError):
        raise
    except Exception as exc:
        # requests' and the cloud client's network errors are OSErrors: say what failed.
        where = "cannot reach D-Wave Leap: " if isinstance(exc, OSError) else ""
        raise SolverError(f"{backend}: {where}{type(exc).__name__}: {redact(str(exc), token)}") from None
    finally:
        logging.setLogRecordFactory(make_record)
