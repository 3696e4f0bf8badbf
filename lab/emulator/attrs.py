"""Directory attributes: multi-valued, with names matched case-insensitively, as in LDAP.

Also the modification rules shared by every Modify request and `prov` modify command:
a plain name replaces all values, `+name` adds, `-name` removes, an empty value deletes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

AttrInput = Mapping[str, str | Iterable[str]]


class AttrMap:
    """Attribute name -> list of values; the first spelling of a name is kept for output."""

    def __init__(self, initial: AttrInput | None = None) -> None:
        self._data: dict[str, tuple[str, list[str]]] = {}
        for name, values in (initial or {}).items():
            self.set(name, values)

    def get(self, name: str) -> list[str]:
        """All values of `name` (empty when absent)."""
        entry = self._data.get(name.lower())
        return list(entry[1]) if entry else []

    def first(self, name: str, default: str | None = None) -> str | None:
        """The first value of `name`, or `default`."""
        values = self.get(name)
        return values[0] if values else default

    def has(self, name: str) -> bool:
        """Whether `name` has at least one value."""
        return name.lower() in self._data

    def set(self, name: str, values: str | Iterable[str]) -> None:
        """Replace all values of `name`; no values deletes it."""
        listed = [values] if isinstance(values, str) else list(values)
        if not listed:
            self.delete(name)
            return
        current = self._data.get(name.lower())
        self._data[name.lower()] = (current[0] if current else name, listed)

    def add(self, name: str, value: str) -> None:
        """Add one value unless it is already there."""
        values = self.get(name)
        if value not in values:
            self.set(name, [*values, value])

    def remove_value(self, name: str, value: str) -> None:
        """Remove one value (matched case-insensitively, like most directory attributes)."""
        kept = [v for v in self.get(name) if v.lower() != value.lower()]
        self.set(name, kept)

    def delete(self, name: str) -> None:
        """Remove the attribute entirely."""
        self._data.pop(name.lower(), None)

    def items(self) -> Iterator[tuple[str, list[str]]]:
        """(name, values) pairs in insertion order."""
        for name, values in self._data.values():
            yield name, list(values)

    def names(self) -> list[str]:
        """Attribute names as first spelled."""
        return [name for name, _ in self._data.values()]

    def copy(self) -> AttrMap:
        """An independent copy."""
        return AttrMap(dict(self.items()))

    def as_dict(self) -> dict[str, list[str]]:
        """A plain dict copy, for inspection in tests."""
        return dict(self.items())


@dataclass(frozen=True)
class Modification:
    """One attribute change: op is "=" (replace), "+" (add) or "-" (remove)."""

    op: str
    name: str
    values: tuple[str, ...]


def group_modifications(pairs: Iterable[tuple[str, str]]) -> list[Modification]:
    """Group (name, value) pairs as the server does: repeated names give several values."""
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)

    result = []
    for key, values in grouped.items():
        op = key[0] if key[:1] in ("+", "-") else "="
        name = key[1:] if op != "=" else key
        result.append(Modification(op, name, tuple(values)))
    return result


def apply_modifications(attrs: AttrMap, mods: Iterable[Modification]) -> None:
    """Apply modifications; a replace whose values are all empty deletes the attribute."""
    for mod in mods:
        if mod.op == "+":
            for value in mod.values:
                if value:
                    attrs.add(mod.name, value)
        elif mod.op == "-":
            for value in mod.values:
                attrs.remove_value(mod.name, value)
        else:
            attrs.set(mod.name, [v for v in mod.values if v])


def is_true(value: str | None) -> bool:
    """A directory boolean: TRUE (any case) or 1."""
    return value is not None and value.strip().upper() in ("TRUE", "1")


_DURATION = re.compile(r"^\s*(\d+)\s*(ms|d|h|m|s)?\s*$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, None: 1000}


def duration_ms(value: str | None, default_ms: int) -> int:
    """Parse a directory duration ("12h", "2d", "15m", "30s", "500ms"; bare = seconds)."""
    match = _DURATION.match(value or "")
    if match is None:
        return default_ms
    return int(match.group(1)) * _UNIT_MS[match.group(2)]
