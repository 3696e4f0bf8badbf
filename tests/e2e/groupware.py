"""Helpers for the calendar and contact tests: a destination of their own, and its config.

Each test gets a new Carbonio emulator holding the lab's accounts, and a migration.toml that
points at the lab's directory and export files but at that emulator and a state file of its
own, so tests neither see nor disturb each other's imports.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from icalendar import Calendar, Component

from lab.emulator import CarbonioEmulator
from lab.lab import CARBONIO_ADMIN, DOMAIN, Lab
from lab.sample.files import THUNDERBIRD_COLUMNS

# The thunderbird-csv columns and Carbonio's fields, as the reference documents them (4.7).
THUNDERBIRD_TO_CARBONIO = {
    "First Name": "firstName",
    "Last Name": "lastName",
    "Display Name": "fullName",
    "Nickname": "nickname",
    "Primary Email": "email",
    "Secondary Email": "email2",
    "Work Phone": "workPhone",
    "Home Phone": "homePhone",
    "Fax Number": "workFax",
    "Pager Number": "pager",
    "Mobile Number": "mobilePhone",
    "Home City": "homeCity",
    "Home State": "homeState",
    "Home ZipCode": "homePostalCode",
    "Home Country": "homeCountry",
    "Work City": "workCity",
    "Work State": "workState",
    "Work ZipCode": "workPostalCode",
    "Work Country": "workCountry",
    "Job Title": "jobTitle",
    "Department": "department",
    "Organization": "company",
    "Web Page 1": "workURL",
    "Web Page 2": "homeURL",
    "Notes": "notes",
}


COMPARED = ("SUMMARY", "LOCATION", "DESCRIPTION", "STATUS", "TRANSP", "RRULE", "SEQUENCE")


def events_of(text: str) -> dict[tuple[str, str], dict[str, Any]]:
    """Each VEVENT of an iCalendar object by (UID, RECURRENCE-ID), with the fields compared."""
    calendar = Calendar.from_ical(text)
    found = {}
    for event in calendar.walk("VEVENT"):
        recurrence = event.get("RECURRENCE-ID")
        key = (str(event["UID"]), str(recurrence.dt) if recurrence else "")
        found[key] = _fields(event)
    return found


def _fields(event: Component) -> dict[str, Any]:
    fields: dict[str, Any] = {name: event[name].to_ical() for name in COMPARED if name in event}
    for name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
        if name in event:
            fields[name] = event[name].dt
    exdates = event.get("EXDATE", [])
    fields["EXDATE"] = sorted(
        str(d.dt)
        for entry in (exdates if isinstance(exdates, list) else [exdates])
        for d in entry.dts
    )
    people = event.get("ATTENDEE", [])
    fields["ATTENDEE"] = sorted(str(p) for p in (people if isinstance(people, list) else [people]))
    fields["ORGANIZER"] = str(event.get("ORGANIZER", ""))
    return fields


def source_events(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return events_of(path.read_text(encoding="utf-8"))


def stored_events(emulator: Any, account: str) -> dict[tuple[str, str], dict[str, Any]]:
    raw = "".join(item["raw"] for item in emulator.store.appointments(account))
    return events_of(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{raw}END:VCALENDAR\r\n")


def accounts_with_files(lab: Lab, kind: str) -> list[str]:
    """Enabled accounts that have a file of this kind ("calendars" or "contacts")."""
    assert lab.files is not None
    paths = lab.files.calendars if kind == "calendars" else lab.files.contacts
    enabled = {p.mail for p in lab.organisation.mail_people if not p.disabled}
    stems = {path.name.rsplit(".", 1)[0] for path in paths}
    return sorted(stems & enabled)


def expected_contacts(path: Path) -> list[dict[str, str]]:
    """Carbonio's fields for each row of a lab Thunderbird file, mapped as the reference says."""
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    contacts = []
    for row in rows:
        fields = {
            target: row[column]
            for column, target in THUNDERBIRD_TO_CARBONIO.items()
            if row.get(column)
        }
        for kind in ("Home", "Work"):
            street = "\n".join(v for v in (row[f"{kind} Address"], row[f"{kind} Address 2"]) if v)
            if street:
                fields[f"{kind.lower()}Street"] = street
        if row["Birth Year"]:
            year, month, day = (int(row[f"Birth {p}"]) for p in ("Year", "Month", "Day"))
            fields["birthday"] = f"{year:04d}-{month:02d}-{day:02d}"
        contacts.append(fields)
    assert set(THUNDERBIRD_COLUMNS) >= set(rows[0]) - {""}
    return contacts


def canonical(contacts: list[dict[str, str]]) -> list[list[tuple[str, str]]]:
    """Contacts compared as a multiset, whatever order they arrived in."""
    return sorted(sorted(contact.items()) for contact in contacts)


@contextmanager
def destination(lab: Lab, *, broken_csv_formats: bool = False) -> Iterator[CarbonioEmulator]:
    """A new emulator with the lab's domain, administrator and enabled accounts."""
    assert lab.certificates is not None
    emulator = CarbonioEmulator(
        certfile=lab.certificates.cert_file, keyfile=lab.certificates.key_file
    )
    emulator.start()
    try:
        emulator.add_domain(DOMAIN)
        emulator.add_admin(CARBONIO_ADMIN, lab.passwords["carbonio_admin"])
        for person in lab.organisation.mail_people:
            if person.mail and not person.disabled:
                emulator.add_account(person.mail)
        emulator.csv_formats_broken = broken_csv_formats
        yield emulator
    finally:
        emulator.stop()


def write_config(
    lab: Lab, folder: Path, emulator: CarbonioEmulator, extra: str = "", **files: Path
) -> Path:
    """A migration.toml for ``emulator`` with a state file in ``folder``; ``files`` replaces
    the lab's calendars/contacts folders; ``extra`` adds TOML tables."""
    folder.mkdir(parents=True, exist_ok=True)
    text = lab.config_path.read_text(encoding="utf-8")
    secrets = lab.root / "secrets"
    text = text.replace('password_file = "secrets/', f'password_file = "{secrets}/')
    lab_admin_url = lab.emulator.proxy_admin_url if lab.emulator else ""
    text = text.replace(lab_admin_url, emulator.proxy_admin_url)
    for kind, path in files.items():
        text = text.replace(f'{kind} = "{lab.root}/exports/{kind}"', f'{kind} = "{path}"')
    text += f'state = "{folder / "state.sqlite"}"\n' + extra
    path = folder / "migration.toml"
    path.write_text(text, encoding="utf-8")
    return path
