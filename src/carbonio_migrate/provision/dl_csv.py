"""``dl_provisioning.csv``: address, description, name, then the members, one list a row.

Read as real CSV (quoted fields with commas, CRLF, a UTF-8 BOM, trailing commas and blank
lines all occur in exports), unlike the seed's ``dl.sh`` which splits on spaces too. Every
problem is reported with the file and line; good rows are kept.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from carbonio_migrate.errors import InputError

# Deliberately simple: one @, no spaces, a dot in the domain. Carbonio checks the rest.
_ADDRESS = re.compile(r"^[^@\s\"(),:;<>\[\]\\]+@[^@\s\"(),:;<>\[\]\\]+\.[^@\s\"(),:;<>\[\]\\]+$")


def is_address(value: str) -> bool:
    """Whether ``value`` looks like a mail address Carbonio will accept."""
    return bool(_ADDRESS.match(value))


@dataclass(frozen=True)
class ListRow:
    """One distribution list from the file, with the line it starts on."""

    line: int
    address: str
    description: str
    name: str
    members: tuple[str, ...]


@dataclass
class ListFile:
    """The usable lists of a file and one error per problem found."""

    path: Path
    lists: list[ListRow] = field(default_factory=list)
    problems: list[InputError] = field(default_factory=list)


def read_list_file(path: Path, map_address: Callable[[str], str] = str.lower) -> ListFile:
    """Read every row; bad addresses and duplicates are reported, not fatal."""
    result = ListFile(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        result.problems.append(InputError(str(path), f"cannot be read ({exc})"))
        return result

    reader = csv.reader(text.splitlines(keepends=True))
    seen: dict[str, int] = {}
    line = 1
    for fields in reader:
        start, line = line, reader.line_num + 1
        fields = [f.strip() for f in fields]
        while fields and not fields[-1]:
            fields.pop()  # the seed's rows end with a comma
        if not fields:
            continue
        row = _row(path, start, fields, map_address, result.problems)
        if row is None:
            continue
        if row.address in seen:
            result.problems.append(
                InputError(
                    f"{path}:{start}",
                    f"{row.address} is already defined on line "
                    f"{seen[row.address]}; this row is skipped",
                )
            )
            continue
        seen[row.address] = start
        result.lists.append(row)
    return result


def _row(
    path: Path,
    line: int,
    fields: list[str],
    map_address: Callable[[str], str],
    problems: list[InputError],
) -> ListRow | None:
    where = f"{path}:{line}"
    address = fields[0]
    if not is_address(address):
        problems.append(InputError(where, f"{address!r} is not a valid list address"))
        return None

    members = []
    for member in fields[3:]:
        if not member:
            continue
        if is_address(member):
            members.append(map_address(member))
        else:
            problems.append(
                InputError(
                    where,
                    f"member {member!r} is not a valid address; the rest of the list is kept",
                )
            )

    description = fields[1] if len(fields) > 1 else ""
    name = fields[2] if len(fields) > 2 else ""
    return ListRow(line, map_address(address), description, name, tuple(dict.fromkeys(members)))
