"""Per-account export files: ``<account>.ics`` calendars and ``<account>.csv|.vcf`` contacts.

The seed procedure names each file after the account. Files are matched by listing the
folder, never by building a path from an account name, so no name can point outside it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

CALENDAR_SUFFIXES = (".ics",)
CONTACT_SUFFIXES = (".csv", ".vcf")


@dataclass
class ExportFiles:
    """Files found for one kind of data, by destination account, and the leftovers."""

    folder: Path | None
    by_account: dict[str, list[Path]] = field(default_factory=dict)
    unknown: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # files of accounts left out on purpose


def find_exports(
    folder: Path | None,
    suffixes: Iterable[str],
    accounts: Iterable[str],
    map_address: Callable[[str], str],
    ignored: Iterable[str] = (),
) -> ExportFiles:
    """Match the files of ``folder`` to destination accounts; report the rest.

    Files of ``ignored`` accounts (disabled ones, say) are listed apart, not as unknown.
    """
    wanted = list(dict.fromkeys(accounts))
    found = ExportFiles(folder)
    if folder is None or not folder.is_dir():
        found.missing = wanted
        return found

    known = set(wanted)
    left_out = set(ignored)
    suffixes = tuple(suffixes)
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in suffixes:
            continue
        account = map_address(path.name[: -len(path.suffix)])
        if account in known:
            found.by_account.setdefault(account, []).append(path)
        elif account in left_out:
            found.skipped.append(path)
        else:
            found.unknown.append(path)

    found.missing = [account for account in wanted if account not in found.by_account]
    return found
