"""The calendar corpus: each damaged or exotic export gives exactly the expected counts and
findings, and what is kept arrives in the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from icalendar import Calendar

from carbonio_migrate.calendars.events import AddressMap, CalendarRead, Document, read_calendar
from carbonio_migrate.calendars.lines import Severity
from carbonio_migrate.calendars.writer import calendar_chunks
from carbonio_migrate.carbonio.rest import RestClient
from carbonio_migrate.carbonio.soap import AdminClient
from lab.emulator import CarbonioEmulator

CORPUS = Path(__file__).parent.parent / "data" / "calendars"
DOMAINS = {"old.example": "example.io"}

# file: (read, kept, broken, skipped, [(severity, "where", "text in the message")])
EXPECTED: dict[str, tuple[int, int, int, int, list[tuple[Severity, str, str]]]] = {
    "attendees-old-domain.ics": (1, 1, 0, 0, [
        (Severity.REPAIRED, ":4", "line 10: ORGANIZER mailto:anna.ivanova@old.example becomes "
                                  "mailto:anna.ivanova@example.io"),
        (Severity.REPAIRED, ":4", "MAILTO:marco.dangelo@example.io"),
    ]),
    "bad-dates.ics": (4, 1, 3, 0, [
        (Severity.BROKEN, ":4", "line 7: DTSTART value '20241345T100000Z' is not a date"),
        (Severity.BROKEN, ":11", "no DTSTART"),
        (Severity.BROKEN, ":16", "line 20: DTEND 20240110T090000Z is before DTSTART"),
    ]),
    "bad-parameter.ics": (2, 1, 1, 0, [
        (Severity.BROKEN, ":4", "line 10: cannot be read as NAME;PARAMETERS:VALUE"),
    ]),
    "bad-rrule.ics": (5, 1, 4, 0, [
        (Severity.BROKEN, ":4", "line 10: RRULE 'FREQ=FORTNIGHTLY' is not a recurrence rule"),
        (Severity.BROKEN, ":12", "line 18: RRULE 'FREQ=WEEKLY;BYDAY=XX'"),
        (Severity.BROKEN, ":20", "has both COUNT and UNTIL"),
        (Severity.BROKEN, ":28", "has no FREQ"),
    ]),
    "bom-crlf.ics": (1, 1, 0, 0, []),
    "broken-folding.ics": (1, 1, 0, 0, [
        (Severity.REPAIRED, ":11", "line break inside a value"),
    ]),
    "cr-line-endings.ics": (1, 1, 0, 0, [(Severity.NOTE, ":1", "line ends are CR")]),
    "duplicate-uid.ics": (3, 2, 0, 1, [
        (Severity.SKIPPED, ":4", "VEVENT dup-1@corpus appears again at duplicate-uid.ics:12"),
    ]),
    "empty.ics": (0, 0, 0, 0, [(Severity.NOTE, ":1", "no calendar data found")]),
    "google-export.ics": (3, 3, 0, 0, []),
    "latin1-text.ics": (2, 2, 0, 0, [
        (Severity.REPAIRED, ":9", "not valid UTF-8; read as Windows-1252"),
        (Severity.REPAIRED, ":16", "not valid UTF-8"),
    ]),
    "lf-line-endings.ics": (2, 2, 0, 0, [(Severity.NOTE, ":1", "line ends are LF")]),
    "mismatched-end.ics": (2, 1, 1, 0, [
        (Severity.BROKEN, ":4", "line 10: BEGIN:VALARM is not closed before line 14"),
    ]),
    "missing-vtimezone.ics": (1, 1, 0, 0, [
        (Severity.REPAIRED, ":4", "time zone America/New_York has no VTIMEZONE in the file"),
    ]),
    "multiple-vcalendars.ics": (2, 2, 0, 0, []),
    "no-uid.ics": (3, 3, 0, 0, [
        (Severity.REPAIRED, ":4", "VEVENT without UID; given the stable UID"),
        (Severity.REPAIRED, ":10", "VEVENT without UID; given the stable UID"),
    ]),
    "non-ascii.ics": (1, 1, 0, 0, []),
    "outlook-method-request.ics": (1, 1, 0, 0, []),
    "recurring-with-exceptions.ics": (3, 3, 0, 0, []),
    "tasks-and-journal.ics": (3, 1, 0, 2, [
        (Severity.SKIPPED, ":4", "VTODO left out"),
        (Severity.SKIPPED, ":9", "VJOURNAL left out"),
    ]),
    "unclosed-event.ics": (2, 1, 1, 0, [
        (Severity.BROKEN, ":4", "BEGIN:VEVENT is not closed before line 9"),
    ]),
    "unfolded-long-lines.ics": (1, 1, 0, 0, []),
    "unknown-tzid.ics": (2, 1, 1, 0, [
        (Severity.BROKEN, ":4", "time zone 'Mars/Olympus_Mons' is neither defined"),
    ]),
    "windows-tzid.ics": (1, 1, 0, 0, [
        (Severity.REPAIRED, ":4", "line 7: Windows time zone 'W. Europe Standard Time' read "
                                  "as Europe/Berlin"),
        (Severity.REPAIRED, ":4", "time zone Europe/Berlin has no VTIMEZONE"),
    ]),
}  # fmt: skip


def read(name: str) -> CalendarRead:
    path = CORPUS / name
    return read_calendar([Document(name, path.read_bytes())], AddressMap(DOMAINS))


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_counts_and_findings(name: str) -> None:
    result = read(name)
    read_count, kept, broken, skipped, findings = EXPECTED[name]

    assert (result.read, len(result.events), result.broken, result.skipped) == (
        read_count,
        kept,
        broken,
        skipped,
    )
    assert result.read == len(result.events) + result.broken + result.skipped
    for severity, where, text in findings:
        matching = [
            f
            for f in result.findings
            if f.severity == severity and f.where == name + where and text in f.message
        ]
        assert matching, f"{severity} {name}{where} {text!r} not in {result.findings}"
    reported_broken = [f for f in result.findings if f.severity == Severity.BROKEN]
    assert len(reported_broken) == broken


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_what_is_kept_is_valid_icalendar(name: str) -> None:
    result = read(name)
    for chunk in calendar_chunks(result.events, result.timezones):
        calendar = Calendar.from_ical(chunk.body.decode("utf-8"))
        events = calendar.walk("VEVENT")
        assert len(events) == len(chunk.events)
        assert all(not event.errors for event in events)
        used = {
            str(e[p].params["TZID"]) for e in events for p in ("DTSTART",) if "TZID" in e[p].params
        }
        defined = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
        assert used <= defined


def test_uids_derived_from_content_are_the_same_on_every_read() -> None:
    first = sorted(event.uid for event in read("no-uid.ics").events)
    second = sorted(event.uid for event in read("no-uid.ics").events)

    assert first == second
    assert len(set(first)) == 3
    assert sum(uid.endswith("@derived.invalid") for uid in first) == 2


def test_addresses_follow_the_domain_map_and_others_stay() -> None:
    text = "\n".join(read("attendees-old-domain.ics").events[0].component.lines())

    assert "mailto:anna.ivanova@example.io" in text
    assert "MAILTO:marco.dangelo@example.io" in text
    assert "mailto:someone@client.example.com" in text
    assert "old.example" not in text.lower()


@pytest.fixture(scope="module")
def emulator() -> Iterator[CarbonioEmulator]:
    with CarbonioEmulator() as started:
        started.add_domain("example.io")
        started.add_admin("admin@example.io", "Admin-pass1")
        yield started


def test_the_kept_events_arrive_in_carbonio(emulator: CarbonioEmulator) -> None:
    expected: dict[str, int] = {}
    with AdminClient(emulator.admin_url, user="admin@example.io", password="Admin-pass1") as admin:
        rest = RestClient(emulator.admin_url, admin)
        for index, name in enumerate(sorted(EXPECTED)):
            account = f"corpus{index}@example.io"
            emulator.add_account(account)
            result = read(name)
            for chunk in calendar_chunks(result.events, result.timezones):
                rest.post(account, "Calendar", "fmt=ics", chunk.body, "text/calendar")
            expected[account] = len({event.uid for event in result.events})
        rest.close()

    stored = {account: len(emulator.store.appointments(account)) for account in expected}
    assert stored == expected
