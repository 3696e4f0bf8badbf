"""How `carbonio prov` reads a command file: lines, continuations and tokens (reference 2.2-2.3).

Reproduces the server's line reader and its shell-like tokenizer exactly, quirks included
(a backslash before an ordinary character drops the backslash; quotes open a string only at
the start of a token; `''` is an empty token). `shlex` follows POSIX rules instead.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

_JAVA_CONTROL_SPACES = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")
_NON_BREAKING = frozenset("\u00a0\u2007\u202f")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "'": "'", '"': '"'}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def is_java_whitespace(char: str) -> bool:
    """Java's Character.isWhitespace: space separators except no-break ones, and controls."""
    if char in _JAVA_CONTROL_SPACES:
        return True
    if char in _NON_BREAKING:
        return False
    return unicodedata.category(char) in ("Zs", "Zl", "Zp")


def physical_lines(text: str) -> list[str]:
    """Lines as a Java BufferedReader returns them (LF, CR or CRLF; no final empty line)."""
    if not text:
        return []
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def logical_lines(lines: Iterator[str]) -> Iterator[str]:
    """Join lines ending in a backslash with the next one; an empty line ends a continuation."""
    while True:
        joined: list[str] | None = None
        line: str | None = None
        for line in lines:
            if line and line.endswith("\\"):
                joined = (joined or []) + [line[:-1]]
                line = None
                continue
            break
        if line is None:
            if joined is None:
                return
            yield "".join(joined)
            return
        yield "".join([*(joined or []), line])


def parse_line(line: str) -> list[str]:
    """Split one logical line into tokens exactly as `carbonio prov` does."""
    tokens: list[str] = []
    current: list[str] = []
    terminator: str | None = None  # None: whitespace ends the token; else the quote char
    in_token = False
    i = 0
    while i < len(line):
        char, escaped, i = _next_char(line, i)
        if in_token:
            if not escaped and _ends_token(char, terminator):
                tokens.append("".join(current))
                current, terminator, in_token = [], None, False
            else:
                current.append(char)
        elif not escaped and char in "'\"":
            terminator, in_token = char, True
        elif escaped or not is_java_whitespace(char):
            current.append(char)
            in_token = True
    if current:
        tokens.append("".join(current))
    return tokens


def _next_char(line: str, i: int) -> tuple[str, bool, int]:
    """The next character after escape processing, whether it counts as escaped, next index.

    `\\\\` gives a backslash that is *not* escaped (so it can start or continue a token but
    never ends one differently); `\\n`, `\\t`, `\\r` and the quotes are escaped; `\\` before
    anything else gives that character, escaped only if it is whitespace. A lone backslash at
    the end of the line stays a backslash.
    """
    char = line[i]
    if char != "\\" or i + 1 >= len(line):
        return char, False, i + 1
    following = line[i + 1]
    if following == "\\":
        return "\\", False, i + 2
    if following in _ESCAPES:
        return _ESCAPES[following], True, i + 2
    return following, is_java_whitespace(following), i + 2


def _ends_token(char: str, terminator: str | None) -> bool:
    """Whether an unescaped character closes the current token."""
    if terminator is None:
        return is_java_whitespace(char)
    return char == terminator
