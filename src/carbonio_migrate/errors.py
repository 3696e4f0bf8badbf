"""Every error carbonio-migrate raises on purpose, and the exit codes they lead to.

The tree::

    MigrateError                      expected; printed as a message, never a traceback
    ├── ConfigError                   migration.toml is missing, unreadable or invalid
    ├── SecretError                   a password could not be obtained safely
    ├── StateError                    the state store cannot be opened or is of another version
    ├── ConnectionFailed              a server cannot be reached or refused our credentials
    │   ├── DirectoryError            LDAP / Active Directory
    │   ├── ImapError                 an IMAP server (source or destination)
    │   └── SoapError                 Carbonio's admin SOAP API
    │       └── SoapFault             a SOAP Fault answer, with Carbonio's fault code
    └── InputError                    one bad input item (file and line, account, folder/UID)

Per-item problems (``InputError`` and friends) are collected and reported while the rest of
the work goes on; they turn the exit status into ``NEEDS_ATTENTION`` rather than stopping.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """The process exit status; documented in the README."""

    COMPLETE = 0
    NEEDS_ATTENTION = 1
    SOURCE_CHANGED = 2
    CONFIG_OR_CONNECTION = 3
    INTERRUPTED = 4
    INTERNAL_ERROR = 70


class MigrateError(Exception):
    """Base of every expected error: a message for the administrator and what to do."""

    exit_code: ExitCode = ExitCode.CONFIG_OR_CONNECTION

    def __init__(self, message: str, *, remedy: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.remedy = remedy

    def __str__(self) -> str:
        if self.remedy:
            return f"{self.message}\n  → {self.remedy}"
        return self.message


# -- configuration and local resources ------------------------------------------------------


class ConfigError(MigrateError):
    """The configuration is invalid; ``problems`` lists every finding, one per line."""

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []

    def __str__(self) -> str:
        lines = [self.message, *(f"  - {p}" for p in self.problems)]
        return "\n".join(lines)


class SecretError(MigrateError):
    """A password source is missing, unsafe (a readable file) or empty."""


class StateError(MigrateError):
    """The state store cannot be used."""


# -- servers ----------------------------------------------------------------------------------


class ConnectionFailed(MigrateError):
    """A server could not be reached, refused the connection, or refused our credentials."""

    def __init__(self, server: str, message: str, *, remedy: str | None = None) -> None:
        super().__init__(f"{server}: {message}", remedy=remedy)
        self.server = server


class DirectoryError(ConnectionFailed):
    """The source directory (LDAP or Active Directory) failed."""


class ImapError(ConnectionFailed):
    """An IMAP server failed or answered NO/BAD where we needed OK."""


class SoapError(ConnectionFailed):
    """Carbonio's admin SOAP endpoint failed below the SOAP level (HTTP, TLS, bad answer)."""


class SoapFault(SoapError):
    """Carbonio answered with a SOAP Fault; ``code`` is its fault code (account.NO_SUCH_...)."""

    def __init__(self, server: str, code: str, reason: str, *, request: str) -> None:
        super().__init__(server, f"{request} failed: {code} ({reason})")
        self.code = code
        self.reason = reason
        self.request = request


# -- per-item input problems --------------------------------------------------------------------


class InputError(MigrateError):
    """One bad input item; ``where`` names it (``file:line``, ``account folder/UID``...)."""

    exit_code = ExitCode.NEEDS_ATTENTION

    def __init__(self, where: str, message: str, *, remedy: str | None = None) -> None:
        super().__init__(f"{where}: {message}", remedy=remedy)
        self.where = where
