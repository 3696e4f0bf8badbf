"""iCalendar import as the server does it: events matched by UID, time zones, ignore=1.

Bodies up to 131072 bytes are parsed whole, so a VTIMEZONE may follow the events using it;
larger bodies are parsed as a stream, where such an event fails (reference 4.6).
"""

from __future__ import annotations

import uuid
import zoneinfo
from dataclasses import dataclass, field
from functools import cache

from icalendar import Calendar, Component

from lab.emulator.mailbox import CalendarItem, Mailbox

FULL_PARSE_MAX_SIZE = 131072
_ITEM_KINDS = {"VEVENT": "appointment", "VTODO": "task"}


class IcsImportError(Exception):
    """The import stopped on an error (the server answers 500; earlier items stay)."""


@dataclass
class _Part:
    """One top-level component of the body, in order, with what the import needs of it."""

    component: Component
    tzids_used: set[str] = field(default_factory=set)


def import_ics(
    box: Mailbox, folder_id: int, data: str, *, body_size: int, ignore_errors: bool
) -> int:
    """Import every VEVENT/VTODO; return how many were stored. Errors raise IcsImportError."""
    try:
        calendars = Calendar.from_ical(data, multiple=True)
    except ValueError as exc:
        raise IcsImportError(f"unable to parse calendar: {exc}") from exc

    streaming = body_size > FULL_PARSE_MAX_SIZE
    defined_zones: set[str] = set()
    stored = 0
    for part in _parts(calendars):
        component = part.component
        if component.name == "VTIMEZONE":
            defined_zones.add(str(component.get("TZID", "")))
            continue
        if component.name not in _ITEM_KINDS:
            continue
        problem = _problem(part, defined_zones if streaming else None)
        if problem is not None:
            if ignore_errors:
                continue
            raise IcsImportError(problem)
        _store(box, folder_id, component)
        stored += 1
    return stored


def _parts(calendars: list[Calendar]) -> list[_Part]:
    """Top-level components of every VCALENDAR, in body order."""
    parts = []
    for cal in calendars:
        for component in cal.subcomponents:
            parts.append(_Part(component, _tzids(component)))
    return parts


def _tzids(component: Component) -> set[str]:
    """TZID parameters used by the component's date-time properties."""
    used = set()
    for prop in ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID", "EXDATE", "RDATE"):
        values = component.get(prop)
        for value in values if isinstance(values, list) else [values]:
            params = getattr(value, "params", None)
            if params is not None and "TZID" in params:
                used.add(str(params["TZID"]))
    return used


def _problem(part: _Part, defined_zones: set[str] | None) -> str | None:
    """Why a component cannot be imported, or None. `defined_zones` is set when streaming."""
    component = part.component
    if component.errors:
        prop, message = component.errors[0]
        return f"invalid {component.name} property {prop}: {message}"
    if component.name == "VEVENT" and "DTSTART" not in component:
        return "VEVENT without DTSTART"
    if defined_zones is not None:
        for tzid in sorted(part.tzids_used):
            if tzid not in defined_zones and tzid not in _known_zones():
                return f"unknown time zone {tzid} (VTIMEZONE must come before its use)"
    return None


@cache
def _known_zones() -> frozenset[str]:
    """Zone names the server resolves without a VTIMEZONE in the file."""
    return frozenset(zoneinfo.available_timezones())


def _store(box: Mailbox, folder_id: int, component: Component) -> None:
    """Create or update the calendar item with the component's UID.

    TODO: revision rules are reduced to "a lower SEQUENCE does not replace the stored event",
    and preserveAlarms=1 is not honoured (there are no stored alarms to keep).
    """
    if "UID" not in component:
        component.add("UID", str(uuid.uuid4()))
    uid = str(component["UID"])
    sequence = int(component.get("SEQUENCE", 0))
    recurrence = component.get("RECURRENCE-ID")
    instance = recurrence.to_ical().decode("utf-8") if recurrence is not None else ""
    raw = component.to_ical().decode("utf-8")

    item = box.calendar.get(uid)
    if item is None:
        kind = _ITEM_KINDS[str(component.name)]
        item = CalendarItem(box.next_id(), folder_id, uid, kind, None, sequence)
        box.calendar[uid] = item
    elif instance == "" and sequence < item.sequence:
        return
    item.components[instance] = raw
    if instance == "":
        item.summary = str(component["SUMMARY"]) if "SUMMARY" in component else None
        item.sequence = sequence
