"""Sample export files: dl_provisioning.csv, one ICS calendar and one contacts CSV per account.

The files follow the formats of the generic-source migration procedure: the distribution list
CSV (address, description, name, members...), iCalendar files named `<address>.ics` and
Thunderbird contact exports named `<address>.csv`. They are written by hand with the standard
library, as fixtures, so their layout is fixed here and does not depend on the code under test.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from lab.sample.names import (
    ADDRESSES,
    ALL_DAY_SUMMARIES,
    EVENT_SUMMARIES,
    LOCALES,
    LOCATIONS,
)
from lab.sample.people import Group, Organisation, Person, surname_for

TIMEZONE = "Europe/Rome"
# RFC 5545 §3.1: lines longer than 75 octets are folded.
_ICS_LINE_OCTETS = 75
_DTSTAMP = "20240101T090000Z"
_VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    f"TZID:{TIMEZONE}",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
)
_RECURRING_COUNT = 12
_EXCLUDED_WEEK = 2
_MOVED_WEEK = 4

# Thunderbird's address book export, in its own column order, each row ending with a comma.
THUNDERBIRD_COLUMNS: tuple[str, ...] = (
    "First Name",
    "Last Name",
    "Display Name",
    "Nickname",
    "Primary Email",
    "Secondary Email",
    "Screen Name",
    "Work Phone",
    "Home Phone",
    "Fax Number",
    "Pager Number",
    "Mobile Number",
    "Home Address",
    "Home Address 2",
    "Home City",
    "Home State",
    "Home ZipCode",
    "Home Country",
    "Work Address",
    "Work Address 2",
    "Work City",
    "Work State",
    "Work ZipCode",
    "Work Country",
    "Job Title",
    "Department",
    "Organization",
    "Web Page 1",
    "Web Page 2",
    "Birth Year",
    "Birth Month",
    "Birth Day",
    "Custom 1",
    "Custom 2",
    "Custom 3",
    "Custom 4",
    "Notes",
)
_MULTILINE_NOTE = "Met at the Milano fair.\nCall back in March about the renewal."
_QUOTED_NOTE = 'Signs every mail with "ciao, a presto"'
# Outside companies of the contacts: (name, mail domain).
_COMPANIES = (
    ("Société Générale, Paris", "client.example.com"),
    ("Lieferant GmbH", "lieferant.example.net"),
    ("株式会社サンプル", "sample.example.com"),
    ("Proveedor S.A.", "proveedor.example.org"),
    ('Partner & Co. "Verdi"', "partner.example.net"),
)
_PEOPLE_WITHOUT_FILES = 2
_STRANGER = "stranger"


@dataclass(frozen=True)
class FilesSummary:
    """What write_all_files wrote, and the two kinds of mismatch it planted on purpose."""

    dl_csv: Path
    calendars: tuple[Path, ...]
    contacts: tuple[Path, ...]
    without_files: tuple[str, ...]
    unknown_accounts: tuple[str, ...]


def write_dl_csv(org: Organisation, path: Path) -> Path:
    """Write dl_provisioning.csv: a row per group with mail, members as mail addresses.

    Members without mail are left out (there is nothing to write); a nested group appears as
    its own address. Every other row ends with a trailing comma, as in the procedure's example.
    """
    rows = [_dl_row(org, group) for group in org.groups if group.mail]
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for index, row in enumerate(rows):
            writer.writerow([*row, ""] if index % 2 == 0 else row)
    return Path(path)


def dl_members(org: Organisation, group: Group) -> list[str]:
    """The addresses a group's row lists: primary mails of people, addresses of groups."""
    members = []
    for dn in group.member_dns:
        entry = org.resolve(dn)
        if entry is not None and entry.mail:
            members.append(entry.mail)
    return members


def _dl_row(org: Organisation, group: Group) -> list[str]:
    """One dl_provisioning.csv row without its trailing comma."""
    return [group.mail or "", group.description, group.display_name, *dl_members(org, group)]


def write_calendar(
    person: Person, path: Path, seed: int, colleagues: Sequence[Person] = ()
) -> Path:
    """Write one account's calendar: VTIMEZONE first, then 5-15 events including a weekly
    series with an EXDATE and a moved occurrence. Attendees come from `colleagues`."""
    if not person.mail:
        raise ValueError(f"{person.uid} has no mail address, so no calendar")
    rng = random.Random(f"{seed}:{person.mail}:calendar")
    others = [p for p in colleagues if p.mail and p.mail != person.mail]

    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Sample Lab//Calendar export//EN",
        "CALSCALE:GREGORIAN",
        *_VTIMEZONE,
    ]
    total = rng.randint(5, 15)
    all_day = rng.randint(1, 3)
    lines += _weekly_series(rng, person, others)
    lines += [line for n in range(all_day) for line in _all_day_event(rng, person, n)]
    for number in range(total - 1 - all_day):
        lines += _timed_event(rng, person, others, number)
    lines.append("END:VCALENDAR")

    Path(path).write_bytes("".join(_fold(line) for line in lines).encode("utf-8"))
    return Path(path)


def _weekly_series(rng: random.Random, person: Person, others: list[Person]) -> list[str]:
    """A weekly meeting with one week cancelled (EXDATE) and one moved (RECURRENCE-ID)."""
    first = datetime(2024, 1, 8, 9, 30) + timedelta(weeks=rng.randint(0, 8))
    uid = _uid(rng, person, "weekly")
    attendees = rng.sample(others, min(3, len(others)))
    excluded = first + timedelta(weeks=_EXCLUDED_WEEK)
    moved = first + timedelta(weeks=_MOVED_WEEK)
    summary = "Riunione settimanale / Weekly sync"

    master = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_DTSTAMP}",
        _local("DTSTART", first),
        _local("DTEND", first + timedelta(minutes=30)),
        f"RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT={_RECURRING_COUNT}",
        _local("EXDATE", excluded),
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(rng.choice(LOCATIONS))}",
        *_people_lines(person, attendees),
        "END:VEVENT",
    ]
    override = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_DTSTAMP}",
        _local("RECURRENCE-ID", moved),
        _local("DTSTART", moved + timedelta(hours=2)),
        _local("DTEND", moved + timedelta(hours=2, minutes=30)),
        "SEQUENCE:1",
        f"SUMMARY:{_escape(summary + ' (spostata / moved)')}",
        *_people_lines(person, attendees),
        "END:VEVENT",
    ]
    return master + override


def _all_day_event(rng: random.Random, person: Person, number: int) -> list[str]:
    """An all-day event of one to three days."""
    start = date(2024, 1, 1) + timedelta(days=rng.randint(0, 360))
    days = rng.choice((1, 1, 3))
    return [
        "BEGIN:VEVENT",
        f"UID:{_uid(rng, person, f'day{number}')}",
        f"DTSTAMP:{_DTSTAMP}",
        f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
        f"DTEND;VALUE=DATE:{start + timedelta(days=days):%Y%m%d}",
        f"SUMMARY:{_escape(rng.choice(ALL_DAY_SUMMARIES))}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def _timed_event(
    rng: random.Random, person: Person, others: list[Person], number: int
) -> list[str]:
    """A single meeting in Europe/Rome time (one in three in UTC), often with attendees and a
    long description that needs folding."""
    start = datetime(2024, 1, 1, 8) + timedelta(
        days=rng.randint(0, 360), minutes=30 * rng.randint(0, 18)
    )
    end = start + timedelta(minutes=rng.choice((30, 60, 90, 120)))
    description = (
        "Ordine del giorno: budget, pianificazione; Tagesordnung für die Besprechung "
        "mit dem Kunden.\nПовестка дня: обсуждение планов. 議題：来週の予定について。"
    )
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_uid(rng, person, f'event{number}')}",
        f"DTSTAMP:{_DTSTAMP}",
    ]
    if number % 3 == 2:
        lines += [f"DTSTART:{start:%Y%m%dT%H%M%S}Z", f"DTEND:{end:%Y%m%dT%H%M%S}Z"]
    else:
        lines += [_local("DTSTART", start), _local("DTEND", end)]
    lines += [
        f"SUMMARY:{_escape(rng.choice(EVENT_SUMMARIES))}",
        f"LOCATION:{_escape(rng.choice(LOCATIONS))}",
        f"DESCRIPTION:{_escape(description)}",
        "STATUS:CONFIRMED",
    ]
    if others and rng.random() < 0.5:
        lines += _people_lines(person, rng.sample(others, min(rng.randint(1, 4), len(others))))
    elif others and rng.random() < 0.6:
        lines += _people_lines(rng.choice(others), [person])
    lines.append("END:VEVENT")
    return lines


def _people_lines(organizer: Person, attendees: Iterable[Person]) -> list[str]:
    """ORGANIZER and ATTENDEE properties with quoted CN parameters."""
    lines = [f'ORGANIZER;CN="{organizer.display_name}":mailto:{organizer.mail}']
    lines += [
        f'ATTENDEE;CN="{attendee.display_name}";ROLE=REQ-PARTICIPANT;'
        f"PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:{attendee.mail}"
        for attendee in attendees
    ]
    return lines


def _local(name: str, moment: datetime) -> str:
    """A DATE-TIME property in the file's time zone."""
    return f"{name};TZID={TIMEZONE}:{moment:%Y%m%dT%H%M%S}"


def _uid(rng: random.Random, person: Person, kind: str) -> str:
    """A stable, unique event UID."""
    return f"{kind}-{rng.getrandbits(48):012x}-{person.uid.lower()}@sample.invalid"


def _escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    for raw, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        text = text.replace(raw, escaped)
    return text


def _fold(line: str) -> str:
    """One content line folded at 75 octets without splitting a UTF-8 character, with CRLF."""
    pieces = []
    current, octets = "", 0
    for char in line:
        size = len(char.encode("utf-8"))
        if octets + size > _ICS_LINE_OCTETS:
            pieces.append(current)
            current, octets = " ", 1
        current += char
        octets += size
    pieces.append(current)
    return "\r\n".join(pieces) + "\r\n"


def write_contacts(
    person: Person, path: Path, seed: int, colleagues: Sequence[Person] = ()
) -> Path:
    """Write one account's contacts as a Thunderbird CSV export: 5-20 contacts, colleagues and
    outsiders, with two addresses, several phones, postal addresses and multi-line notes."""
    address = person.mail or person.uid
    rng = random.Random(f"{seed}:{address}:contacts")
    others = [p for p in colleagues if p.mail and p.mail != person.mail]
    count = rng.randint(5, 20)

    rows = [_contact(rng, others, index) for index in range(count)]
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow([*THUNDERBIRD_COLUMNS, ""])
        for row in rows:
            writer.writerow([row.get(column, "") for column in THUNDERBIRD_COLUMNS] + [""])
    return Path(path)


def _contact(rng: random.Random, colleagues: list[Person], index: int) -> dict[str, str]:
    """One contact; the first is filled in completely, the others at random."""
    complete = index == 0
    if colleagues and rng.random() < 0.5:
        row = _colleague_contact(rng.choice(colleagues))
    else:
        row = _outside_contact(rng)

    if complete or rng.random() < 0.5:
        row.update(_address("Home", rng.choice(ADDRESSES)))
    if complete or rng.random() < 0.5:
        row.update(_address("Work", rng.choice(ADDRESSES)))
    if complete or rng.random() < 0.5:
        row["Home Phone"] = f"+33 1 {rng.randint(10, 99)} {rng.randint(10, 99)} 00 00"
        row["Mobile Number"] = f"+39 333 {rng.randint(1000000, 9999999)}"
    if complete or rng.random() < 0.2:
        row["Fax Number"] = f"+49 89 {rng.randint(100000, 999999)}"
        row["Pager Number"] = str(rng.randint(1000, 9999))
    if complete or rng.random() < 0.3:
        row["Birth Year"] = str(rng.randint(1960, 2000))
        row["Birth Month"] = str(rng.randint(1, 12))
        row["Birth Day"] = str(rng.randint(1, 28))
    if complete:
        row["Notes"] = _MULTILINE_NOTE
        row["Web Page 1"] = "https://www.example.com/team"
    elif rng.random() < 0.2:
        row["Notes"] = rng.choice((_MULTILINE_NOTE, _QUOTED_NOTE))
    return row


def _colleague_contact(colleague: Person) -> dict[str, str]:
    """A contact for someone in the directory."""
    row = {
        "First Name": colleague.given_name,
        "Last Name": colleague.sn,
        "Display Name": colleague.display_name,
        "Primary Email": colleague.mail or "",
        "Work Phone": colleague.telephone,
        "Job Title": colleague.title,
        "Organization": colleague.company,
    }
    if colleague.alias_mails:
        row["Secondary Email"] = colleague.alias_mails[0]
    return row


def _outside_contact(rng: random.Random) -> dict[str, str]:
    """A contact outside the organisation, with a personal second address."""
    locale = rng.choice(LOCALES)
    given = rng.choice(locale.given)
    surname = rng.choice(locale.surnames)
    sn, sn_ascii = surname_for(surname, female=given.female)
    display = f"{sn} {given.name}" if locale.family_first else f"{given.name} {sn}"
    company, domain = rng.choice(_COMPANIES)
    return {
        "First Name": given.name,
        "Last Name": sn,
        "Display Name": display,
        "Nickname": given.ascii,
        "Primary Email": f"{given.ascii}.{sn_ascii}@{domain}",
        "Secondary Email": f"{given.ascii}{rng.randint(1, 99)}@mail.example.org",
        "Work Phone": f"+39 06 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        "Organization": company,
        "Department": "Achats, logistique",
    }


def _address(kind: str, address: tuple[str, str, str, str, str, str]) -> dict[str, str]:
    """The Home or Work address columns."""
    street, street2, city, state, postal, country = address
    return {
        f"{kind} Address": street,
        f"{kind} Address 2": street2,
        f"{kind} City": city,
        f"{kind} State": state,
        f"{kind} ZipCode": postal,
        f"{kind} Country": country,
    }


def write_all_files(org: Organisation, directory: Path, seed: int) -> FilesSummary:
    """Write dl_provisioning.csv, calendars/<address>.ics and contacts/<address>.csv.

    Two people with mail get no files, and one contacts file belongs to an address the
    directory does not have, so that planning can report both cases.
    """
    directory = Path(directory)
    (directory / "calendars").mkdir(parents=True, exist_ok=True)
    (directory / "contacts").mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{seed}:files")
    people = list(org.mail_people)
    # The fixed people at the head of the directory always get their files.
    skipped = {p.mail for p in rng.sample(people[len(people) // 2 :], _PEOPLE_WITHOUT_FILES)}

    calendars, contacts = [], []
    for person in people:
        if person.mail in skipped:
            continue
        calendars.append(
            write_calendar(person, directory / "calendars" / f"{person.mail}.ics", seed, people)
        )
        contacts.append(
            write_contacts(person, directory / "contacts" / f"{person.mail}.csv", seed, people)
        )

    stranger = _stranger(org)
    stranger_file = directory / "contacts" / f"{_address_of(stranger)}.csv"
    contacts.append(write_contacts(stranger, stranger_file, seed, people))
    return FilesSummary(
        dl_csv=write_dl_csv(org, directory / "dl_provisioning.csv"),
        calendars=tuple(calendars),
        contacts=tuple(contacts),
        without_files=tuple(sorted(address for address in skipped if address)),
        unknown_accounts=(_address_of(stranger),),
    )


def _address_of(person: Person) -> str:
    """A person's primary address; only called for people known to have one."""
    if not person.mail:
        raise ValueError(f"{person.uid} has no mail address")
    return person.mail


def _stranger(org: Organisation) -> Person:
    """Someone with files but no directory entry."""
    address = f"{_STRANGER}@{org.domain}"
    if any(address in person.mails for person in org.people):
        raise ValueError(f"{address} is in the directory")
    return Person(
        uid=_STRANGER,
        given_name="Sam",
        sn="Stranger",
        display_name="Sam Stranger",
        mail=address,
        alias_mails=(),
        telephone="",
        title="",
        company="",
        password="",
    )
