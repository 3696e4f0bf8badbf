"""Conversion speed of phases 2-2 and 2-3: 50,000 events and 50,000 contacts per run.

Writes realistic exports (a weekly series with a moved and a cancelled occurrence, all-day
events, attendees, long non-ASCII descriptions; Thunderbird CSV rows with two addresses,
phones, multi-line notes), then times what the tool does before sending: reading, checking,
repairing, fingerprinting and writing the request bodies. Nothing is sent anywhere.

    .venv/bin/python bench/dav/convert.py [--events 50000] [--contacts 50000] [--accounts 10]
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
import time
from collections.abc import Callable
from types import SimpleNamespace

from carbonio_migrate.calendars.events import Document
from carbonio_migrate.config import ContactFormatChoice, ImportSettings
from carbonio_migrate.contacts.writer import render
from carbonio_migrate.run.calendars import CalendarPhase
from carbonio_migrate.run.contacts import ContactPhase

ROME = (
    "BEGIN:VTIMEZONE\r\nTZID:Europe/Rome\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    "END:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "END:DAYLIGHT\r\nEND:VTIMEZONE\r\n"
)
DESCRIPTION = (
    "Ordine del giorno: budget\\, pianificazione; Tagesordnung für die Besprechung mit dem "
    "Kunden.\\nПовестка дня: обсуждение планов. 議題：来週の予定について。"
)
HEADERS = [
    "First Name", "Last Name", "Display Name", "Nickname", "Primary Email", "Secondary Email",
    "Work Phone", "Home Phone", "Mobile Number", "Home Address", "Home Address 2", "Home City",
    "Home ZipCode", "Home Country", "Work Address", "Work City", "Work ZipCode", "Work Country",
    "Job Title", "Department", "Organization", "Birth Year", "Birth Month", "Birth Day", "Notes",
]  # fmt: skip


def calendar(number: int, events: int, rng: random.Random) -> bytes:
    """One account's calendar with ``events`` VEVENTs (series count their overrides)."""
    parts = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n", ROME]
    made = 0
    while made < events:
        uid = f"ev-{number}-{made}@bench.invalid"
        day = 1 + made % 28
        kind = made % 10
        head = f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20240101T000000Z\r\n"
        if kind == 0 and events - made >= 2:
            parts.append(
                head + f"DTSTART;TZID=Europe/Rome:202401{day:02d}T093000\r\n"
                f"DTEND;TZID=Europe/Rome:202401{day:02d}T100000\r\n"
                "RRULE:FREQ=WEEKLY;COUNT=12\r\n"
                f"EXDATE;TZID=Europe/Rome:202401{day:02d}T093000\r\n"
                "SUMMARY:Riunione settimanale\r\nEND:VEVENT\r\n"
                f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20240101T000000Z\r\n"
                f"RECURRENCE-ID;TZID=Europe/Rome:202402{day:02d}T093000\r\n"
                f"DTSTART;TZID=Europe/Rome:202402{day:02d}T113000\r\n"
                f"DTEND;TZID=Europe/Rome:202402{day:02d}T120000\r\n"
                "SEQUENCE:1\r\nSUMMARY:Riunione spostata\r\nEND:VEVENT\r\n"
            )
            made += 2
            continue
        if kind == 1:
            body = f"DTSTART;VALUE=DATE:202403{day:02d}\r\nSUMMARY:Ferie\r\n"
        else:
            body = (
                f"DTSTART;TZID=Europe/Rome:202405{day:02d}T{8 + kind:02d}0000\r\n"
                f"DTEND;TZID=Europe/Rome:202405{day:02d}T{9 + kind:02d}0000\r\n"
                f"SUMMARY:Incontro {made} – Besprechung\r\nLOCATION:Sala {kind}\r\n"
                f"DESCRIPTION:{DESCRIPTION}\r\n"
                f'ORGANIZER;CN="Anna Ivanova":mailto:anna{number}@example.io\r\n'
                f"ATTENDEE;CN=Marco:mailto:marco{rng.randint(1, 99)}@old.example\r\n"
            )
        parts.append(head + body + "END:VEVENT\r\n")
        made += 1
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts).encode("utf-8")


def contacts(number: int, count: int) -> bytes:
    """One account's Thunderbird export with ``count`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([*HEADERS, ""])
    for n in range(count):
        writer.writerow([
            "Jürgen", f"Müller{n}", f"Jürgen Müller {n}", "jm", f"j{n}.{number}@example.com",
            f"jm{n}@mail.example.org", "+49 89 1234", "+49 89 5678", "+49 170 1", "Königstraße 5",
            "3. OG", "München", "80331", "Deutschland", "Via Roma 1", "Roma", "00100", "Italia",
            "Einkäufer", "Einkauf", "Lieferant GmbH", "1975", str(1 + n % 12), str(1 + n % 28),
            "Met at the fair.\nCall back in March.", "",
        ])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def timed(label: str, items: int, action: Callable[[], int]) -> float:
    """Run ``action`` (returning how many items it handled) and print the rate."""
    started = time.perf_counter()
    handled = action()
    seconds = time.perf_counter() - started
    if handled != items:
        sys.exit(f"{label}: handled {handled} items, expected {items}")
    print(f"{label:<44} {items:>7} items {seconds:7.2f} s {items / seconds:>9,.0f} items/s")
    return seconds


def main() -> None:
    """Build the data, convert it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--accounts", type=int, default=10)
    args = parser.parse_args()

    rng = random.Random(1)
    per_events, per_contacts = args.events // args.accounts, args.contacts // args.accounts
    calendars = [Document(f"a{n}.ics", calendar(n, per_events, rng)) for n in range(args.accounts)]
    address_books = [
        Document(f"a{n}.csv", contacts(n, per_contacts)) for n in range(args.accounts)
    ]
    settings = SimpleNamespace(
        mapping=SimpleNamespace(domains={"old.example": "example.io"}), imports=ImportSettings()
    )
    events_phase = CalendarPhase(settings)  # type: ignore[arg-type]
    contacts_phase = ContactPhase(settings)  # type: ignore[arg-type]
    megabytes = sum(len(d.data) for d in calendars + address_books) / 1e6
    print(f"{args.accounts} accounts, {megabytes:.1f} MB of exports\n")

    def convert_events() -> int:
        total = 0
        for document in calendars:
            prepared = events_phase.prepare([document])
            batches = events_phase.batches(prepared.items, prepared.context)
            total += sum(len(batch.items) for batch in batches)
        return total

    def convert_contacts() -> int:
        total = 0
        for document in address_books:
            prepared = contacts_phase.prepare([document])
            total += sum(len(b.items) for b in contacts_phase.batches(prepared.items, None))
        return total

    vcards: list[Document] = []

    def convert_vcards() -> int:
        total = 0
        for document in vcards:
            prepared = contacts_phase.prepare([document])
            total += sum(len(b.items) for b in contacts_phase.batches(prepared.items, None))
        return total

    events = per_events * args.accounts
    people = per_contacts * args.accounts
    event_seconds = timed("events: ICS -> checked ICS chunks", events, convert_events)
    contact_seconds = timed("contacts: Thunderbird CSV -> carbonio-csv", people, convert_contacts)
    total = events + people
    print(
        f"{'both (the headline figure)':<44} {total:>7} items "
        f"{event_seconds + contact_seconds:7.2f} s "
        f"{total / (event_seconds + contact_seconds):>9,.0f} items/s\n"
    )
    for document in address_books:
        read = contacts_phase.prepare([document])
        body = render(ContactFormatChoice.VCARD, [item.payload for item in read.items])  # type: ignore[misc]
        vcards.append(Document(document.name.replace(".csv", ".vcf"), body))
    timed("contacts: vCard 3.0 -> carbonio-csv", people, convert_vcards)


if __name__ == "__main__":
    main()
