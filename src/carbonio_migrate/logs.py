"""Logging for the administrator: plain messages, and no secret ever written out.

Loggers live under ``carbonio_migrate``; library modules only create them. The command line
installs one handler, with a filter that replaces every registered secret by ``***``.
"""

from __future__ import annotations

import logging
import threading

from rich.console import Console
from rich.logging import RichHandler

REDACTED = "***"

# Logging is process-wide, so the set of secrets to hide has to be as well.
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str) -> None:
    """Hide ``value`` from every log line from now on."""
    if value:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced."""
    with _secrets_lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """Formats the record's message once and removes secrets from it (and its traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None
        return True


def configure(verbosity: int) -> None:
    """Send the package's logs to stderr: warnings by default, info with -v, debug with -vv."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = RichHandler(
        console=Console(stderr=True), show_path=False, show_time=verbosity > 1, markup=False
    )
    handler.addFilter(RedactingFilter())

    root = logging.getLogger("carbonio_migrate")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
