"""Large calendars: split into bodies Carbonio parses whole, each with the zones it uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from carbonio_migrate.calendars.events import AddressMap, Document, read_calendar
from carbonio_migrate.calendars.writer import CHUNK_BYTES, calendar_chunks
from carbonio_migrate.carbonio.rest import RestClient, RestError
from carbonio_migrate.carbonio.soap import AdminClient
from lab.emulator import CarbonioEmulator

ZONE = (
    "BEGIN:VTIMEZONE\r\nTZID:Custom/Office\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
    "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)


def big_calendar(events: int) -> bytes:
    """An export whose own VTIMEZONE comes after the events, as some programs write it."""
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:big-{n}@t\r\nDTSTAMP:20240101T000000Z\r\n"
        f"DTSTART;TZID=Custom/Office:202401{1 + n % 28:02d}T100000\r\n"
        f"SUMMARY:Event {n} {'with a long description ' * 4}\r\n"
        + ("RRULE:FREQ=DAILY;COUNT=3\r\n" if n % 7 == 0 else "")
        + "END:VEVENT\r\n"
        + (
            f"BEGIN:VEVENT\r\nUID:big-{n}@t\r\nDTSTAMP:20240101T000000Z\r\n"
            f"RECURRENCE-ID;TZID=Custom/Office:202401{1 + n % 28:02d}T100000\r\n"
            f"DTSTART;TZID=Custom/Office:202401{1 + n % 28:02d}T120000\r\nSUMMARY:Moved\r\n"
            "END:VEVENT\r\n"
            if n % 7 == 0
            else ""
        )
        for n in range(events)
    )
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
    return f"{head}{body}{ZONE}END:VCALENDAR\r\n".encode()


@pytest.fixture()
def emulator() -> Iterator[CarbonioEmulator]:
    with CarbonioEmulator() as started:
        started.add_domain("example.io")
        started.add_admin("admin@example.io", "Admin-pass1")
        started.add_account("big@example.io")
        yield started


def test_chunks_stay_small_keep_series_whole_and_start_with_their_zone() -> None:
    data = big_calendar(1500)
    assert len(data) > 3 * CHUNK_BYTES
    result = read_calendar([Document("big.ics", data)], AddressMap({}))
    chunks = calendar_chunks(result.events, result.timezones)

    assert len(chunks) > 3
    assert sum(len(chunk.events) for chunk in chunks) == len(result.events)
    for chunk in chunks:
        text = chunk.body.decode("utf-8")
        assert len(chunk.body) <= CHUNK_BYTES
        assert text.index("BEGIN:VTIMEZONE") < text.index("BEGIN:VEVENT")
        uids = [event.uid for event in chunk.events]
        assert all(event.uid in uids for event in chunk.events if event.recurrence_id)
    per_uid = {}
    for number, chunk in enumerate(chunks):
        for event in chunk.events:
            assert per_uid.setdefault(event.uid, number) == number  # a series in one chunk


def test_the_whole_file_fails_on_carbonio_and_the_chunks_arrive(
    emulator: CarbonioEmulator,
) -> None:
    data = big_calendar(1500)
    result = read_calendar([Document("big.ics", data)], AddressMap({}))
    admin = AdminClient(emulator.admin_url, user="admin@example.io", password="Admin-pass1")
    with admin, RestClient(emulator.admin_url, admin) as rest:
        with pytest.raises(RestError) as caught:
            rest.post("big@example.io", "Calendar", "fmt=ics", data, "text/calendar")
        for chunk in calendar_chunks(result.events, result.timezones):
            rest.post("big@example.io", "Calendar", "fmt=ics", chunk.body, "text/calendar")

    assert caught.value.status == 500
    assert "VTIMEZONE must come before its use" in str(caught.value)
    stored = emulator.store.appointments("big@example.io")
    assert len(stored) == 1500
    assert sum(item["raw"].count("RECURRENCE-ID") for item in stored) == len(range(0, 1500, 7))
