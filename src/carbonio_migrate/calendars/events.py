"""Reading calendars: every VEVENT checked and repaired, or reported with its line and left out.

A calendar arrives as one or more documents (an exported ``.ics`` file, or the resources of a
CalDAV collection). What Carbonio needs and exports often lack is repaired and noted: a
missing VTIMEZONE is supplied from the time-zone database (Windows zone names mapped to IANA
ones), an event without UID gets one derived from its content (so a rerun updates it instead
of adding a copy), attendee and organizer addresses follow the domain map. What cannot be
repaired (a date that is no date, an RRULE that is no rule, a block never closed) is left out
and reported with its file and line; everything else is imported.
"""

from __future__ import annotations

import hashlib
import re
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from icalendar import Timezone, vDDDTypes, vDuration, vPeriod, vRecur
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from carbonio_migrate.calendars.lines import (
    Component,
    Finding,
    Property,
    Severity,
    decode,
    parse,
)

# Properties that change on every export without the event changing.
VOLATILE = frozenset({"DTSTAMP"})
_DATE_PROPERTIES = ("DTSTART", "DTEND", "DUE", "RECURRENCE-ID")
_LIST_PROPERTIES = ("EXDATE", "RDATE")
_ADDRESS_PROPERTIES = ("ORGANIZER", "ATTENDEE")
_NOT_IMPORTED = {
    "VTODO": "a task; tasks are not imported by the calendar phase",
    "VJOURNAL": "a journal entry; Carbonio has no journal",
    "VFREEBUSY": "free/busy data; Carbonio computes its own",
}
_RULE_RANGES = {
    "BYSECOND": (0, 60),
    "BYMINUTE": (0, 59),
    "BYHOUR": (0, 23),
    "BYMONTHDAY": (-31, 31),
    "BYYEARDAY": (-366, 366),
    "BYWEEKNO": (-53, 53),
    "BYMONTH": (1, 12),
    "BYSETPOS": (-366, 366),
}
_MAILTO = re.compile(r"(?i)^mailto:")


@dataclass(frozen=True)
class Document:
    """Calendar or contact data and the name used to report places in it (file, URL)."""

    name: str
    data: bytes


@dataclass
class EventItem:
    """One VEVENT ready to send: the series master or one overridden occurrence."""

    uid: str
    recurrence_id: str  # "" for the master
    component: Component
    tzids: set[str]
    where: str

    @property
    def key(self) -> str:
        """The identity kept in the state store across runs."""
        return f"{self.uid}\x1f{self.recurrence_id}" if self.recurrence_id else self.uid

    @property
    def fingerprint(self) -> str:
        """A digest of the event as sent, ignoring DTSTAMP (which every export renews)."""
        text = "\n".join(self.component.lines(skip=VOLATILE))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class CalendarRead:
    """Events of one account ready to send, the time zones they use, and every finding."""

    events: list[EventItem] = field(default_factory=list)
    timezones: dict[str, Component] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    read: int = 0  # VEVENT components found
    broken: int = 0
    skipped: int = 0  # duplicates and components that are not imported

    def add(self, where: str, message: str, severity: Severity) -> None:
        """Record a finding."""
        self.findings.append(Finding(where, message, severity))


class AddressMap:
    """Rewrites addresses of renamed domains; other addresses are left exactly as they are."""

    def __init__(self, domains: Mapping[str, str]) -> None:
        self.domains = {old.lower(): new.lower() for old, new in domains.items()}

    def __call__(self, address: str) -> str:
        local, at, domain = address.rpartition("@")
        new = self.domains.get(domain.lower()) if at else None
        return f"{local}@{new}" if new else address


def read_calendar(documents: Iterable[Document], address_map: AddressMap) -> CalendarRead:
    """Read, check and repair every VEVENT of an account's documents."""
    result = CalendarRead()
    defined: dict[str, Component] = {}
    candidates: list[tuple[Component, str]] = []
    for document in documents:
        for component, where in _top_components(document, result):
            if component.name == "VTIMEZONE":
                _define_zone(component, where, defined, result)
            elif component.name == "VEVENT":
                candidates.append((component, where))
            elif component.name in _NOT_IMPORTED:
                result.read += 1
                result.skipped += 1
                message = f"{component.name} left out: {_NOT_IMPORTED[component.name]}"
                result.add(where, message, Severity.SKIPPED)
            else:
                result.add(where, f"unknown component {component.name} ignored", Severity.NOTE)

    result.read += len(candidates)
    uids = _UidMaker()
    events: dict[str, EventItem] = {}
    for component, where in candidates:
        item = _check_event(component, where, defined, address_map, uids, result)
        if item is not None:
            _keep_one(events, item, result)
    result.events = list(events.values())
    _collect_zones(result, defined)
    return result


def _top_components(document: Document, result: CalendarRead) -> list[tuple[Component, str]]:
    """The components inside each VCALENDAR (or at the top, for files that lack it)."""
    text, decoding = decode(document.data)
    parsed = parse(text)
    for line, message, severity in decoding + parsed.notes:
        result.add(f"{document.name}:{line}", message, severity)

    found = []
    for top in parsed.components:
        if top.name != "VCALENDAR":
            found.append((top, f"{document.name}:{top.line}"))
            continue
        for line, message in top.damage:
            result.add(f"{document.name}:{line}", message, Severity.NOTE)
        found += [(child, f"{document.name}:{child.line}") for child in top.children]
    if not parsed.components:
        result.add(f"{document.name}:1", "no calendar data found", Severity.NOTE)
    return found


def _define_zone(
    component: Component, where: str, defined: dict[str, Component], result: CalendarRead
) -> None:
    """Keep a VTIMEZONE the file defines, unless it is damaged."""
    tzid = component.first("TZID")
    if component.broken or tzid is None or not tzid.value.strip():
        problems = "; ".join(m for _, m in component.all_damage()) or "no TZID"
        result.add(where, f"VTIMEZONE left out ({problems})", Severity.REPAIRED)
        return
    defined.setdefault(tzid.value.strip(), component)


def _check_event(
    component: Component,
    where: str,
    defined: Mapping[str, Component],
    address_map: AddressMap,
    uids: _UidMaker,
    result: CalendarRead,
) -> EventItem | None:
    """The event ready to send, or None after reporting why it cannot be."""
    problems = [f"line {line}: {message}" for line, message in component.all_damage()]
    problems += _value_problems(component)
    tzids, zone_problems, renamed = _time_zones(component, defined)
    problems += zone_problems
    if problems:
        result.broken += 1
        result.add(where, "VEVENT left out: " + "; ".join(problems), Severity.BROKEN)
        return None

    for message in sorted(renamed) + _repair(component, address_map):
        result.add(where, message, Severity.REPAIRED)
    uid_property = component.first("UID")
    if uid_property is None or not uid_property.value.strip():
        uid = uids.derive(component)
        if uid_property is not None:
            component.properties.remove(uid_property)
        component.properties.insert(0, Property("UID", "", uid, component.line))
        result.add(where, f"VEVENT without UID; given the stable UID {uid}", Severity.REPAIRED)
    else:
        uid = uid_property.value.strip()
    recurrence = component.first("RECURRENCE-ID")
    instance = f"{recurrence.params}:{recurrence.value}" if recurrence else ""
    return EventItem(uid, instance, component, tzids, where)


def _value_problems(component: Component) -> list[str]:
    """Dates, durations and rules that Carbonio could not read."""
    problems = []
    start = component.first("DTSTART")
    if start is None:
        problems.append("no DTSTART")
    for prop in component.properties:
        if prop.name in _DATE_PROPERTIES or prop.name in _LIST_PROPERTIES:
            problem = _date_problem(prop)
        elif prop.name == "RRULE":
            problem = _rule_problem(prop.value)
        elif prop.name == "DURATION":
            problem = _duration_problem(prop.value)
        else:
            continue
        if problem:
            problems.append(f"line {prop.line}: {prop.name} {problem}")

    end = component.first("DTEND")
    if start is not None and end is not None and not problems:
        problem = _order_problem(start, end)
        if problem:
            problems.append(f"line {end.line}: {problem}")
    return problems


def _date_problem(prop: Property) -> str | None:
    """Why a date, date-time or period value (or list of them) cannot be read."""
    kind = (prop.param("VALUE") or "").upper()
    for value in prop.value.split(",") if prop.name in _LIST_PROPERTIES else [prop.value]:
        value = value.strip()
        try:
            if kind == "PERIOD":
                vPeriod.from_ical(value)  # type: ignore[no-untyped-call]
            else:
                vDDDTypes.from_ical(value)  # type: ignore[no-untyped-call]
                if kind == "DATE" and len(value) != 8:
                    return f"is marked VALUE=DATE but holds {value!r}"
        except (ValueError, TypeError):
            return f"value {value!r} is not a date or date-time"
    return None


def _rule_problem(value: str) -> str | None:
    """Why an RRULE value is not a recurrence rule."""
    try:
        rule = vRecur.from_ical(value)
    except (ValueError, TypeError) as exc:
        return f"{value!r} is not a recurrence rule ({exc})"
    if "FREQ" not in rule:
        return f"{value!r} has no FREQ"
    if "COUNT" in rule and "UNTIL" in rule:
        return f"{value!r} has both COUNT and UNTIL"
    for part, (low, high) in _RULE_RANGES.items():
        for number in rule.get(part, []):
            try:
                wrong = not low <= int(number) <= high or (int(number) == 0 and low < 0)
            except ValueError:
                wrong = part != "BYMONTH"  # RFC 7529 leap months such as 5L are valid
            if wrong:
                return f"{value!r}: {part} value {number} is out of range"
    if any(int(n) < 1 for n in rule.get("INTERVAL", []) + rule.get("COUNT", [])):
        return f"{value!r}: INTERVAL and COUNT must be at least 1"
    return None


def _duration_problem(value: str) -> str | None:
    """Why a DURATION value is not a duration."""
    try:
        vDuration.from_ical(value.strip())  # type: ignore[no-untyped-call]
    except (ValueError, TypeError):
        return f"value {value!r} is not a duration"
    return None


def _order_problem(start: Property, end: Property) -> str | None:
    """DTEND before DTSTART (compared only when both are of the same kind)."""
    try:
        begin = vDDDTypes.from_ical(start.value)  # type: ignore[no-untyped-call]
        finish = vDDDTypes.from_ical(end.value)  # type: ignore[no-untyped-call]
    except ValueError:
        return None
    same_zone = start.param("TZID") == end.param("TZID")
    if type(begin) is type(finish) and same_zone and finish < begin:
        return f"DTEND {end.value} is before DTSTART {start.value}"
    return None


def _time_zones(
    component: Component, defined: Mapping[str, Component]
) -> tuple[set[str], list[str], set[str]]:
    """The TZIDs the event uses, the unknown ones, and Windows names replaced by IANA ones."""
    used: set[str] = set()
    renamed: set[str] = set()
    problems: list[str] = []
    for prop in _with_children(component):
        if "TZID" not in prop.params.upper():
            continue
        tzid = prop.param("TZID")
        if tzid is None:
            continue
        tzid = tzid.strip()
        if tzid in defined or _iana(tzid):
            used.add(tzid)
        elif tzid in WINDOWS_TO_OLSON and _iana(WINDOWS_TO_OLSON[tzid]):
            prop.replace_param("TZID", WINDOWS_TO_OLSON[tzid])
            used.add(WINDOWS_TO_OLSON[tzid])
            renamed.add(
                f"line {prop.line}: Windows time zone {tzid!r} read as {WINDOWS_TO_OLSON[tzid]}"
            )
        elif not any(f"{tzid!r}" in problem for problem in problems):
            problems.append(
                f"line {prop.line}: time zone {tzid!r} is neither defined in the file nor known"
            )
    return used, problems, renamed


def _with_children(component: Component) -> Iterable[Property]:
    """Properties of a component and of its sub-components (alarms)."""
    yield from component.properties
    for child in component.children:
        yield from _with_children(child)


@cache
def _iana(tzid: str) -> bool:
    """Whether a TZID names a zone of the time-zone database."""
    return tzid in _zone_names()


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _repair(component: Component, address_map: AddressMap) -> list[str]:
    """Rewrite attendee and organizer addresses; say what changed."""
    messages = []
    for prop in component.properties:
        if prop.name not in _ADDRESS_PROPERTIES:
            continue
        new_value = _mapped_mailto(prop.value, address_map)
        if new_value != prop.value:
            messages.append(f"line {prop.line}: {prop.name} {prop.value} becomes {new_value}")
            prop.value = new_value
        sent_by = prop.param("SENT-BY")
        if sent_by and _mapped_mailto(sent_by, address_map) != sent_by:
            prop.replace_param("SENT-BY", _mapped_mailto(sent_by, address_map))
    return messages


def _mapped_mailto(value: str, address_map: AddressMap) -> str:
    """A mailto: URI with its address mapped; anything else unchanged."""
    if not _MAILTO.match(value):
        return value
    scheme, address = value[:7], value[7:]
    return scheme + address_map(address)


class _UidMaker:
    """Stable UIDs for events that have none: a digest of what the event says."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def derive(self, component: Component) -> str:
        """The UID; identical events get a running number so that each stays an event."""
        skip = VOLATILE | {"UID", "CREATED", "LAST-MODIFIED", "SEQUENCE"}
        text = "\n".join(component.lines(skip=skip))
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        count = self.seen.get(digest, 0) + 1
        self.seen[digest] = count
        return f"{digest}-{count}@derived.invalid" if count > 1 else f"{digest}@derived.invalid"


def _keep_one(events: dict[str, EventItem], item: EventItem, result: CalendarRead) -> None:
    """Keep the latest revision when a UID (and occurrence) appears more than once."""
    earlier = events.get(item.key)
    if earlier is None:
        events[item.key] = item
        return
    if _sequence(item.component) >= _sequence(earlier.component):
        events[item.key] = item
        kept, dropped = item, earlier
    else:
        kept, dropped = earlier, item
    result.skipped += 1
    result.add(
        dropped.where,
        f"VEVENT {item.uid} appears again at {kept.where}; that revision is kept",
        Severity.SKIPPED,
    )


def _sequence(component: Component) -> int:
    """The SEQUENCE number (0 when absent or unreadable)."""
    prop = component.first("SEQUENCE")
    try:
        return int(prop.value) if prop else 0
    except ValueError:
        return 0


def _collect_zones(result: CalendarRead, defined: Mapping[str, Component]) -> None:
    """The VTIMEZONE of every zone in use: the file's own, else one from the database."""
    supplied = set()
    for item in result.events:
        for tzid in sorted(item.tzids):
            if tzid in result.timezones:
                continue
            if tzid in defined:
                result.timezones[tzid] = defined[tzid]
            else:
                result.timezones[tzid] = database_zone(tzid)
                supplied.add(tzid)
    for tzid in sorted(supplied):
        where = next(item.where for item in result.events if tzid in item.tzids)
        result.add(
            where,
            f"time zone {tzid} has no VTIMEZONE in the file; supplied from the time-zone database",
            Severity.REPAIRED,
        )


@cache
def database_zone(tzid: str) -> Component:
    """A VTIMEZONE for an IANA zone, written by icalendar from the time-zone database."""
    text = Timezone.from_tzid(tzid).to_ical().decode("utf-8")
    return parse(text).components[0]
