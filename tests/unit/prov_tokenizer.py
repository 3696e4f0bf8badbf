"""An independent reading of ``carbonio prov -f`` files, as Carbonio's ProvUtil reads them.

Written from the rules of the prov command language (StringUtil.parseLine and the batch
reader), so that the writer can be checked against something it does not share code with.
"""

from __future__ import annotations

# Java's Character.isWhitespace: space separators except the no-break ones, plus these.
_JAVA_WHITESPACE_CONTROLS = set("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f")
_NO_BREAK = {"\u00a0", "\u2007", "\u202f"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def java_whitespace(char: str) -> bool:
    """Whether Java's Character.isWhitespace is true for ``char``."""
    import unicodedata

    if char in _JAVA_WHITESPACE_CONTROLS:
        return True
    category = unicodedata.category(char)
    return category in ("Zs", "Zl", "Zp") and char not in _NO_BREAK


def java_lines(text: str) -> list[str]:
    """Lines as BufferedReader.readLine gives them: split on LF, CR or CRLF only."""
    lines, current, i = [], [], 0
    while i < len(text):
        char = text[i]
        if char in "\r\n":
            lines.append("".join(current))
            current = []
            if char == "\r" and text[i + 1 : i + 2] == "\n":
                i += 1
        else:
            current.append(char)
        i += 1
    if current:
        lines.append("".join(current))
    return lines


def logical_lines(text: str) -> list[str]:
    """Physical lines joined where a line ends with a backslash; blank lines dropped."""
    result, pending = [], ""
    for line in java_lines(text):
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        line, pending = pending + line, ""
        if line.strip():
            result.append(line)
    if pending.strip():
        result.append(pending)
    return result


def parse_line(line: str) -> list[str]:
    """Tokens of one logical line."""
    tokens: list[str] = []
    i, n = 0, len(line)
    while i < n:
        while i < n and java_whitespace(line[i]):
            i += 1
        if i >= n:
            break
        quote = line[i] if line[i] in "\"'" else None
        if quote:
            i += 1
        token: list[str] = []
        while i < n:
            char = line[i]
            if char == "\\" and i + 1 < n:
                following = line[i + 1]
                token.append(_ESCAPES.get(following, following))
                i += 2
                continue
            if quote and char == quote:
                i += 1
                break
            if not quote and java_whitespace(char):
                break
            token.append(char)
            i += 1
        tokens.append("".join(token))
    return tokens
