"""Passwords from the environment, from a private file or from the terminal.

A password is never a value in migration.toml and never an argument of a process. Every
password obtained here is registered with :mod:`carbonio_migrate.logs`, whose filter
replaces it wherever it would appear in a log line.
"""

from __future__ import annotations

import getpass
import os
import stat
import sys
from pathlib import Path

from carbonio_migrate import logs
from carbonio_migrate.config import Credentials
from carbonio_migrate.errors import SecretError


def obtain_password(credentials: Credentials, *, key: str) -> str:
    """The password that ``credentials`` (the table at ``key``) points to.

    Raises SecretError with the remedy when the variable is unset, the file is readable by
    others, or no terminal is there to ask.
    """
    if credentials.password_env:
        password = _from_environment(credentials.password_env, key=key)
    elif credentials.password_file:
        password = _from_file(credentials.password_file, key=key)
    else:
        password = _from_terminal(key)

    if not password:
        raise SecretError(f"{key}: the password is empty")
    logs.register_secret(password)
    return password


def _from_environment(name: str, *, key: str) -> str:
    value = os.environ.get(name)
    if value is None:
        raise SecretError(
            f"{key}.password_env: the environment variable {name} is not set",
            remedy=f"export {name} before running, or use password_file",
        )
    return value


def _from_file(path: Path, *, key: str) -> str:
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise SecretError(f"{key}.password_file: {path} cannot be read ({exc.strerror})") from None

    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretError(
            f"{key}.password_file: {path} can be read by other users "
            f"(mode {stat.S_IMODE(mode):04o})",
            remedy=f"chmod 600 {path}",
        )

    # One trailing newline is what `echo secret > file` leaves; it is not part of the password.
    return path.read_text(encoding="utf-8").removesuffix("\n").removesuffix("\r")


def _from_terminal(key: str) -> str:
    if not sys.stdin.isatty():
        raise SecretError(
            f"{key}: no password_env or password_file, and no terminal to ask",
            remedy="set password_env or password_file in the configuration",
        )
    return getpass.getpass(f"Password for {key}: ")
