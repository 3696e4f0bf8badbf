"""``carbonio prov -f`` command files: every argument quoted so any value arrives exactly.

The prov tokenizer (``StringUtil.parseLine``) treats a quote as special only at the start of a
token and drops a backslash before any character it does not know, so unquoted values with
spaces, quotes, ``#`` or backslashes change meaning. Each argument is therefore written as a
double-quoted token with ``\\``, ``"``, newline, carriage return and tab escaped. The file has
no comments (the format has none), no BOM, one command per line, and ends with ``exit`` so
that the run's exit status reports a failed command.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def quote(argument: str) -> str:
    """One argument as a prov token that reads back as exactly ``argument``."""
    return '"' + argument.translate(_ESCAPES) + '"'


def command_line(arguments: Iterable[str]) -> str:
    """One command: every argument quoted, separated by spaces, without a line end."""
    return " ".join(quote(argument) for argument in arguments)


class CommandFile:
    """Writes a prov command file: UTF-8 without BOM, LF line ends, ``exit`` at the end."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.commands = 0

    @classmethod
    def create(cls, path: Path) -> CommandFile:
        """A command file at ``path``, readable by its owner only (it may hold passwords)."""
        path.touch(mode=0o600)
        path.chmod(0o600)
        return cls(path.open("w", encoding="utf-8", newline="\n"))

    def add(self, *arguments: str) -> None:
        """Append one command, e.g. ``add("cdl", "staff@example.com", "displayName", "Staff")``."""
        self._stream.write(command_line(arguments) + "\n")
        self.commands += 1

    def close(self) -> None:
        """Write the final ``exit`` and close the file."""
        self._stream.write("exit\n")
        self._stream.close()

    def __enter__(self) -> CommandFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
