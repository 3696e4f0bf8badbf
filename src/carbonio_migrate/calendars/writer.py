"""Writing events as iCalendar bodies for Carbonio's REST import, in chunks.

Carbonio parses a body larger than 128 KiB as a stream, where an event whose VTIMEZONE comes
later fails. Each chunk therefore stays below that size when it can, starts with the
VTIMEZONE of every zone its events use, and keeps a series with its overridden occurrences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from carbonio_migrate.calendars.events import EventItem
from carbonio_migrate.calendars.lines import Component, fold

PRODID = "-//carbonio-migrate//calendar import//EN"
# Carbonio's calendar_ics_import_full_parse_max_size is 131072 bytes; stay clear of it.
CHUNK_BYTES = 120_000
_HEAD = "".join(fold(line) for line in ("BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}"))
_TAIL = fold("END:VCALENDAR")


@dataclass(frozen=True)
class Chunk:
    """One iCalendar body and the events in it."""

    body: bytes
    events: tuple[EventItem, ...]


def calendar_chunks(
    events: Sequence[EventItem],
    timezones: Mapping[str, Component],
    *,
    max_bytes: int = CHUNK_BYTES,
) -> list[Chunk]:
    """The events as iCalendar bodies of at most ``max_bytes`` (a longer series goes alone)."""
    zone_text = {tzid: zone.serialize() for tzid, zone in timezones.items()}
    chunks: list[Chunk] = []
    pending: list[tuple[list[EventItem], str]] = []
    pending_size = 0
    for series in _series(events):
        text = "".join(item.component.serialize() for item in series)
        size = len(text.encode("utf-8")) + _zones_size(series, zone_text)
        if pending and pending_size + size > max_bytes:
            chunks.append(_chunk(pending, zone_text))
            pending, pending_size = [], 0
        pending.append((series, text))
        pending_size += size
    if pending:
        chunks.append(_chunk(pending, zone_text))
    return chunks


def _series(events: Sequence[EventItem]) -> list[list[EventItem]]:
    """Events grouped by UID, master first, in the order the UIDs first appear."""
    groups: dict[str, list[EventItem]] = {}
    for item in events:
        groups.setdefault(item.uid, []).append(item)
    return [sorted(group, key=lambda item: item.recurrence_id != "") for group in groups.values()]


def _zones_size(series: list[EventItem], zone_text: Mapping[str, str]) -> int:
    """Bytes of the VTIMEZONEs a series needs (counted per series: an upper bound)."""
    tzids = set().union(*(item.tzids for item in series))
    return sum(len(zone_text[tzid]) for tzid in tzids)


def _chunk(pending: list[tuple[list[EventItem], str]], zone_text: Mapping[str, str]) -> Chunk:
    """One VCALENDAR: the time zones first, then the events."""
    items = [item for series, _ in pending for item in series]
    tzids = sorted(set().union(*(item.tzids for item in items)))
    body = _HEAD + "".join(zone_text[t] for t in tzids) + "".join(t for _, t in pending) + _TAIL
    return Chunk(body.encode("utf-8"), tuple(items))
